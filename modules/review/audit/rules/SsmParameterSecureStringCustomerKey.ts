import { AuditRule } from "../types";
import { perResource } from "../resources";

/** SSM parameters are SecureString, encrypted with a customer managed KMS key. */
export const SsmParameterSecureStringCustomerKey: AuditRule = {
  id: "SsmParameterSecureStringCustomerKey",
  checkov: ["CKV_AWS_337", "CKV2_AWS_34"],
  fsbp: [],
  rationale: "The parameters hold the secrets of modules/secrets-catalogue.ts (the gateway token, model provider keys); plain String parameters are readable by anyone with ssm:GetParameter.",
  check: (input) => perResource(input, ["aws_ssm_parameter"], (parameter) => {
    if (parameter.config.type !== "SecureString") return `type is "${parameter.config.type}", not "SecureString"`;
    const key = parameter.config.key_id;
    if (!key) return "key_id is not set (the AWS managed alias/aws/ssm key would be used)";
    if (key === "alias/aws/ssm") return "key_id is the AWS managed alias/aws/ssm key, not a customer key";
    return undefined;
  }),
};
