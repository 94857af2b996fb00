import { AuditRule, RuleViolation } from "../types";
import { effectiveTags, ofType } from "../resources";
import { listOf } from "../../terraform-json";

/** Every EBS volume is selected, by its tags, by an enabled DLM snapshot policy that keeps snapshots. */
export const DataVolumeSnapshotted: AuditRule = {
  id: "DataVolumeSnapshotted",
  checkov: ["CKV2_AWS_9"],
  fsbp: ["EC2.28"],
  rationale: "The data volume is the only copy of the gateway's state; without scheduled snapshots one bad write loses it.",
  check: (input) => {
    const policies = ofType(input, "aws_dlm_lifecycle_policy")
      .filter((p) => (p.config.state ?? "ENABLED") === "ENABLED")
      .map((p) => listOf(p.config.policy_details)[0] ?? {})
      .filter((d) => listOf<string>(d.resource_types).includes("VOLUME"))
      .filter((d) => listOf(d.schedule).some((s) => Number(listOf(s.retain_rule)[0]?.count ?? 0) >= 1 || listOf(s.retain_rule)[0]?.interval));
    const volumes = ofType(input, "aws_ebs_volume");
    const violations: RuleViolation[] = [];
    for (const volume of volumes) {
      const tags = effectiveTags(input, volume);
      // DLM selects a resource that carries ANY of the policy's target tags.
      const targeted = policies.some((d) => Object.entries(d.target_tags ?? {}).some(([k, v]) => tags[k] === v));
      if (!targeted) {
        violations.push({ address: volume.address, message: "no enabled DLM lifecycle policy with a retain rule targets this volume's tags" });
      }
    }
    return { checked: volumes.map((v) => v.address), violations };
  },
};
