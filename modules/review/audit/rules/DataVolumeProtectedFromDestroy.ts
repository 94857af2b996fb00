import { AuditRule } from "../types";
import { isTrue, perResource } from "../resources";

/** Persistent EBS volumes carry Terraform's prevent_destroy guard. */
export const DataVolumeProtectedFromDestroy: AuditRule = {
  id: "DataVolumeProtectedFromDestroy",
  checkov: [],
  fsbp: [],
  source: "project: README.md#what-it-deploys (storage)",
  rationale: "A settings change that forces replacement must fail the plan instead of silently deleting the gateway's state.",
  check: (input) => perResource(input, ["aws_ebs_volume"], (volume) =>
    isTrue(volume.config.lifecycle?.prevent_destroy) ? undefined : "lifecycle.prevent_destroy is not true"),
};
