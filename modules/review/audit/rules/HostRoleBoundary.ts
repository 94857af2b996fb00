import { AuditRule, RuleViolation } from "../types";
import { BoundaryStack, boundaryStackOf, culpritsOf, evaluateBoundary, hostRoleOf } from "../../iam-boundary";

/**
 * The host role's boundary, request by request, through an IAM policy simulator over the
 * synthesized policies (modules/review/iam-boundary.ts): every request of the table must get its
 * decision. A request that must be denied but is allowed is flagged on the policy that allows it;
 * one that must be allowed but is denied (the host could not boot or heal) on the host role.
 */
export const HostRoleBoundary: AuditRule = {
  id: "HostRoleBoundary",
  checkov: [],
  fsbp: [],
  source: "project: docs/reviewing.md#the-host-roles-boundary",
  rationale: "A process on the host may touch only its own parameters, volume, address, group and key (and the key only through SSM/EC2); a simulator proves it request by request.",
  check: (input) => {
    const role = hostRoleOf(input);
    if (!role) return { checked: [], violations: [] };
    let stack: BoundaryStack;
    try {
      stack = boundaryStackOf(input);
    } catch (e) {
      return { checked: [role.address], violations: [{ address: role.address, message: `the boundary cannot be simulated: ${(e as Error).message}` }] };
    }
    const violations: RuleViolation[] = [];
    for (const r of evaluateBoundary(stack)) {
      if (r.decision === r.expected) continue;
      const request = `${r.caller}: ${r.what} (${r.action} on ${r.resource})`;
      if (r.expected === "Denied") {
        for (const address of culpritsOf(stack, r)) violations.push({ address, message: `allows what must be denied: ${request}` });
      } else {
        violations.push({ address: role.address, message: `denies what must be allowed: ${request}` });
      }
    }
    return { checked: [role.address, stack.keyPolicyAddress], violations };
  },
};
