import { AuditRule } from "../types";
import { perResource } from "../resources";
import { listOf } from "../../terraform-json";

/** Replacements terminate the old instance before launching the new one (max healthy 100 %). */
export const AutoScalingGroupTerminatesBeforeLaunch: AuditRule = {
  id: "AutoScalingGroupTerminatesBeforeLaunch",
  checkov: [],
  fsbp: [],
  source: "project: docs/operating.md#upgrades (the data volume attaches to one instance at a time)",
  rationale: "The new host needs the data volume the old one holds; launching first would leave it waiting for a volume that never frees.",
  check: (input) => perResource(input, ["aws_autoscaling_group"], (group) => {
    const problems: string[] = [];
    if (Number(group.config.max_size) !== 1) problems.push(`max_size is ${group.config.max_size}, not 1`);
    const maintenance = listOf(group.config.instance_maintenance_policy)[0];
    if (!maintenance) problems.push("instance_maintenance_policy is not set (AWS may launch before terminating)");
    else if (Number(maintenance.max_healthy_percentage) !== 100) {
      problems.push(`instance_maintenance_policy.max_healthy_percentage is ${maintenance.max_healthy_percentage}, not 100`);
    }
    const refresh = listOf(listOf(group.config.instance_refresh)[0]?.preferences)[0];
    if (refresh?.max_healthy_percentage !== undefined && Number(refresh.max_healthy_percentage) !== 100) {
      problems.push(`instance_refresh.preferences.max_healthy_percentage is ${refresh.max_healthy_percentage}, not 100`);
    }
    return problems;
  }),
};
