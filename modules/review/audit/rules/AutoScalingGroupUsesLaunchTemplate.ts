import { AuditRule } from "../types";
import { perResource } from "../resources";
import { listOf } from "../../terraform-json";

/** Auto Scaling groups launch from a launch template, not a launch configuration. */
export const AutoScalingGroupUsesLaunchTemplate: AuditRule = {
  id: "AutoScalingGroupUsesLaunchTemplate",
  checkov: ["CKV_AWS_315"],
  fsbp: ["AutoScaling.9"],
  rationale: "Launch configurations are deprecated and cannot express IMDSv2-only with hop limit 1 or versioned refreshes.",
  check: (input) => perResource(input, ["aws_autoscaling_group"], (group) => {
    if (group.config.launch_configuration) return "launch_configuration is set";
    const template = listOf(group.config.launch_template)[0]
      ?? listOf(listOf(group.config.mixed_instances_policy)[0]?.launch_template)[0];
    return template ? undefined : "neither launch_template nor mixed_instances_policy.launch_template is set";
  }),
};
