import { AuditRule } from "../types";
import { isWorld, networkPermissions, securityGroupRuleAddresses } from "../resources";
import { describePorts } from "../../terraform-json";

/** No egress of all protocols and all ports to the internet. */
export const SecurityGroupEgressRestricted: AuditRule = {
  id: "SecurityGroupEgressRestricted",
  checkov: ["CKV_AWS_382"],
  fsbp: [],
  rationale: "The host needs only HTTPS out; open egress lets a compromised process exfiltrate or scan over any protocol.",
  check: (input) => ({
    checked: securityGroupRuleAddresses(input),
    violations: networkPermissions(input)
      .filter((p) => p.direction === "egress" && p.cidrs.some(isWorld))
      .filter((p) => p.protocol === "-1" || (p.fromPort === 0 && p.toPort === 65535))
      .map((p) => ({ address: p.address, message: `egress ${describePorts(p)} to ${p.cidrs.filter(isWorld).join(", ")}` })),
  }),
};
