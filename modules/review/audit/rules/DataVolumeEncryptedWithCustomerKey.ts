import { AuditRule } from "../types";
import { isTrue, perResource } from "../resources";

/** EBS volumes are encrypted with a customer managed KMS key. */
export const DataVolumeEncryptedWithCustomerKey: AuditRule = {
  id: "DataVolumeEncryptedWithCustomerKey",
  checkov: ["CKV_AWS_3", "CKV_AWS_189"],
  fsbp: ["EC2.3"],
  rationale: "The data volume holds the pairing database, certificates and agent state; a customer key lets access be audited and revoked.",
  check: (input) => perResource(input, ["aws_ebs_volume"], (volume) => {
    const problems: string[] = [];
    if (!isTrue(volume.config.encrypted)) problems.push("encrypted is not true");
    if (!volume.config.kms_key_id) problems.push("kms_key_id is not set (the AWS managed aws/ebs key would be used)");
    return problems;
  }),
};
