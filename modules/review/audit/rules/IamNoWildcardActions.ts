import { AuditRule, RuleViolation } from "../types";
import { policyStatements } from "../resources";

/** Allow statements name their actions: no "*", no "service:*", no NotAction. */
export const IamNoWildcardActions: AuditRule = {
  id: "IamNoWildcardActions",
  checkov: ["CKV_AWS_63", "CKV_AWS_62", "CKV_AWS_286", "CKV_AWS_289"],
  fsbp: ["IAM.1", "IAM.21"],
  rationale: "The host role may do exactly what the boot script and the watchdog do; a wildcard action grants every future API too.",
  check: (input) => {
    const { statements, checked, unparsable } = policyStatements(input);
    const violations: RuleViolation[] = unparsable.map((address) => ({ address, message: "policy is not a JSON document the audit can read" }));
    for (const s of statements.filter((st) => st.effect === "Allow")) {
      const label = s.sid ? `statement ${s.sid}` : "a statement";
      for (const action of s.actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a))) {
        violations.push({ address: s.address, message: `${label} allows the wildcard action "${action}"` });
      }
      if (s.notActions.length > 0) violations.push({ address: s.address, message: `${label} allows NotAction (everything but a list)` });
    }
    return { checked, violations };
  },
};
