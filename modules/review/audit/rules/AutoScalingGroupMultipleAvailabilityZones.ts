import { AuditRule } from "../types";
import { perResource } from "../resources";
import { listOf } from "../../terraform-json";

/** Auto Scaling groups span at least two availability zones. */
export const AutoScalingGroupMultipleAvailabilityZones: AuditRule = {
  id: "AutoScalingGroupMultipleAvailabilityZones",
  checkov: [],
  fsbp: ["AutoScaling.2"],
  rationale: "A group in one AZ cannot replace its instance while that AZ is impaired.",
  check: (input) => perResource(input, ["aws_autoscaling_group"], (group) => {
    const zones = listOf(group.config.vpc_zone_identifier).length || listOf(group.config.availability_zones).length;
    return zones >= 2 ? undefined : `launches into ${zones} subnet/zone(s), fewer than 2`;
  }),
};
