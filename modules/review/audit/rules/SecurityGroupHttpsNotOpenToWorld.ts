import { AuditRule } from "../types";
import { coversPort, isWorld, networkPermissions, securityGroupRuleAddresses } from "../resources";

/** Even HTTPS is open only to the CIDRs that need it (allowedCidrs). */
export const SecurityGroupHttpsNotOpenToWorld: AuditRule = {
  id: "SecurityGroupHttpsNotOpenToWorld",
  checkov: [],
  fsbp: ["EC2.18"],
  source: "project: settings.allowedCidrs",
  rationale: "A gateway reachable from everywhere is probed by everyone; narrowing allowedCidrs is the cheapest defence in depth.",
  check: (input) => ({
    checked: securityGroupRuleAddresses(input),
    violations: networkPermissions(input)
      .filter((p) => p.direction === "ingress" && p.cidrs.some(isWorld) && coversPort(p, 443))
      .map((p) => ({ address: p.address, message: `ingress tcp 443 from ${p.cidrs.filter(isWorld).join(", ")}` })),
  }),
};
