import { AuditRule } from "../types";
import { isTrue, perResource } from "../resources";

/** Customer managed KMS keys rotate their key material. */
export const KmsKeyRotationEnabled: AuditRule = {
  id: "KmsKeyRotationEnabled",
  checkov: ["CKV_AWS_7"],
  fsbp: ["KMS.4"],
  rationale: "Yearly rotation limits how much data one version of the key material protects.",
  check: (input) => perResource(input, ["aws_kms_key"], (key) =>
    isTrue(key.config.enable_key_rotation) ? undefined : "enable_key_rotation is not true"),
};
