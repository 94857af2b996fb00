import { AuditRule } from "../types";
import { perResource, referencedAddress } from "../resources";

/** True for a key_id that is a KMS alias name: a literal `alias/…` or an aws_kms_alias's `name`. */
function isAliasName(keyId: unknown): boolean {
  if (typeof keyId !== "string") return false;
  if (/^alias\/[A-Za-z0-9/_-]+$/.test(keyId)) return true;
  return /^\$\{aws_kms_alias\.[A-Za-z0-9_-]+\.name\}$/.test(keyId) && referencedAddress(keyId) !== undefined;
}

/**
 * SecureString parameters are created with a placeholder through the write-only `value_wo` and have
 * no `value`: the provider stores whatever it reads back (decrypted) in `value` on every refresh,
 * `ignore_changes` or not (hashicorp/terraform-provider-aws#3475), while a `value_wo` resource keeps
 * `value` null. Their `key_id` is the KMS alias name, the KeyId string the host and the CLI pass:
 * SSM returns the KeyId as it was given, so an ARN here would be a permanent in-place update, and
 * with `value_wo` that update sends PutParameter with an empty value, which AWS rejects.
 */
export const SsmParameterValueNotInTerraform: AuditRule = {
  id: "SsmParameterValueNotInTerraform",
  checkov: [],
  fsbp: [],
  source: "project: docs/operating.md#secrets; hashicorp/terraform-provider-aws#3475",
  rationale: "A parameter with a `value` has its real, decrypted value copied into the Terraform state and plan on every refresh; only a write-only `value_wo` (placeholder) keeps the secrets out.",
  check: (input) => perResource(input, ["aws_ssm_parameter"], (parameter) => {
    if (parameter.config.type !== "SecureString") return undefined;
    const problems: string[] = [];
    for (const attribute of ["value", "insecure_value"]) {
      if (parameter.config[attribute] !== undefined) {
        problems.push(`${attribute} is set: every refresh stores the parameter's decrypted value in the state (use value_wo with a "placeholder:…")`);
      }
    }
    const placeholder = parameter.config.value_wo;
    if (!(typeof placeholder === "string" && placeholder.startsWith("placeholder:"))) problems.push('value_wo is not a "placeholder:…" string');
    if (parameter.config.value_wo_version === undefined) problems.push("value_wo_version is not set");
    if (!isAliasName(parameter.config.key_id)) {
      problems.push(`key_id ${JSON.stringify(parameter.config.key_id ?? null)} is not a KMS alias name, the KeyId the host and the CLI pass: every plan would update it, sending an empty value_wo`);
    }
    return problems;
  }),
};
