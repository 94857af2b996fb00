import { AuditRule } from "../types";
import { listOf, perResource } from "../resources";

/** SecureString parameters are created with a placeholder and Terraform ignores their value afterwards. */
export const SsmParameterValueNotInTerraform: AuditRule = {
  id: "SsmParameterValueNotInTerraform",
  checkov: [],
  fsbp: [],
  source: "project: DESIGN.md §1 Secrets",
  rationale: "A real secret in a parameter's value would also sit in the Terraform configuration, plan and state.",
  check: (input) => perResource(input, ["aws_ssm_parameter"], (parameter) => {
    if (parameter.config.type !== "SecureString") return undefined;
    const problems: string[] = [];
    const value = parameter.config.value;
    if (value !== undefined && !(typeof value === "string" && value.startsWith("placeholder:"))) {
      problems.push('value is not a "placeholder:…" string');
    }
    const ignored = listOf<string>(parameter.config.lifecycle?.ignore_changes);
    if (value !== undefined && !ignored.includes("value") && !ignored.includes("all")) {
      problems.push('lifecycle.ignore_changes does not contain "value" (the next apply would overwrite the real secret)');
    }
    return problems;
  }),
};
