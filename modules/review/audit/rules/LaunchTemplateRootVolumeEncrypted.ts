import { AuditRule } from "../types";
import { isTrue, perResource } from "../resources";
import { listOf } from "../../terraform-json";

/** Every EBS block device of a launch template is encrypted. */
export const LaunchTemplateRootVolumeEncrypted: AuditRule = {
  id: "LaunchTemplateRootVolumeEncrypted",
  checkov: ["CKV_AWS_8"],
  fsbp: ["EC2.3"],
  rationale: "The root volume holds the boot log, installed software and temporary files; it must be encrypted at rest like the data volume.",
  check: (input) => perResource(input, ["aws_launch_template"], (lt) => {
    const mappings = listOf(lt.config.block_device_mappings);
    if (mappings.length === 0) return "block_device_mappings is not set: the root volume follows the AMI and may be unencrypted";
    return mappings
      .filter((m) => m.ebs !== undefined && !isTrue(listOf(m.ebs)[0]?.encrypted))
      .map((m) => `block_device_mappings[${m.device_name}].ebs.encrypted is not true`);
  }),
};
