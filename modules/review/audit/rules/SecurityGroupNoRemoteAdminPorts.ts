import { AuditRule } from "../types";
import { coversPort, networkPermissions, securityGroupRuleAddresses } from "../resources";

/** SSH (22) and RDP (3389) are never open, from any source: shells go through Session Manager. */
export const SecurityGroupNoRemoteAdminPorts: AuditRule = {
  id: "SecurityGroupNoRemoteAdminPorts",
  checkov: ["CKV_AWS_24", "CKV_AWS_25"],
  fsbp: ["EC2.13", "EC2.14", "EC2.53", "EC2.54"],
  rationale: "Session Manager gives an audited shell without an open port; 22 and 3389 are the most scanned ports on the internet.",
  check: (input) => ({
    checked: securityGroupRuleAddresses(input),
    violations: networkPermissions(input)
      .filter((p) => p.direction === "ingress")
      .flatMap((p) => [22, 3389].filter((port) => coversPort(p, port))
        .map((port) => ({ address: p.address, message: `ingress reaches port ${port} (from ${p.cidrs.join(", ") || "a security group or prefix list"})` }))),
  }),
};
