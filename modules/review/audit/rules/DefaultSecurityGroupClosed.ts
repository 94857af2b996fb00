import { AuditRule, RuleViolation } from "../types";
import { ofType, referencedAddress } from "../resources";
import { listOf } from "../../terraform-json";

/** Every VPC's default security group is managed by Terraform and has no rules. */
export const DefaultSecurityGroupClosed: AuditRule = {
  id: "DefaultSecurityGroupClosed",
  checkov: ["CKV2_AWS_12"],
  fsbp: ["EC2.2"],
  rationale: "Anything launched without an explicit group lands in the default group; with no rules it can neither talk nor be reached.",
  check: (input) => {
    const vpcs = ofType(input, "aws_vpc");
    const defaults = ofType(input, "aws_default_security_group");
    const violations: RuleViolation[] = [];
    for (const vpc of vpcs) {
      const group = defaults.find((g) => referencedAddress(g.config.vpc_id) === vpc.address);
      if (!group) violations.push({ address: vpc.address, message: "no aws_default_security_group manages this VPC's default group (AWS's default allows all traffic inside the group)" });
    }
    for (const group of defaults) {
      for (const direction of ["ingress", "egress"]) {
        const count = listOf(group.config[direction]).length;
        if (count > 0) violations.push({ address: group.address, message: `${direction} has ${count} rule(s)` });
      }
    }
    return { checked: [...vpcs, ...defaults].map((r) => r.address), violations };
  },
};
