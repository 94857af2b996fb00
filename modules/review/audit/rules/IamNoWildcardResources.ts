import { AuditRule, RuleViolation } from "../types";
import { policyStatements } from "../resources";

/**
 * Actions that support no resource-level permissions, so "Resource": "*" is the only way to allow them
 * (AWS Service Authorization Reference, "Resource types" column empty). Prefixes end with the verb.
 */
export const ACTIONS_WITHOUT_RESOURCE_TYPES = [
  "ec2:Describe", "autoscaling:Describe", "ssm:DescribeParameters", "kms:ListKeys", "kms:ListAliases",
  "sts:GetCallerIdentity", "cloudwatch:PutMetricData", "logs:DescribeLogGroups", "ec2messages:", "ssmmessages:",
] as const;

const needsNoResource = (action: string) => ACTIONS_WITHOUT_RESOURCE_TYPES.some((prefix) => action.startsWith(prefix));

/** Allow statements with "Resource": "*" contain only actions that have no resource ARN to name. */
export const IamNoWildcardResources: AuditRule = {
  id: "IamNoWildcardResources",
  checkov: ["CKV_AWS_355", "CKV_AWS_290"],
  fsbp: [],
  rationale: "Where an action can be scoped to an ARN (a parameter, the volume, the EIP, the key) the policy must name it.",
  check: (input) => {
    const { statements, checked } = policyStatements(input);
    const violations: RuleViolation[] = [];
    for (const s of statements.filter((st) => st.effect === "Allow" && st.resources.includes("*"))) {
      const scopable = s.actions.filter((a) => !needsNoResource(a));
      if (scopable.length > 0) {
        violations.push({
          address: s.address,
          message: `${s.sid ? `statement ${s.sid}` : "a statement"} allows ${scopable.join(", ")} on "*" although these actions accept resource ARNs`,
        });
      }
    }
    return { checked, violations };
  },
};
