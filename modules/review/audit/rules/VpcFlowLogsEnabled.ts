import { AuditRule, RuleViolation } from "../types";
import { ofType, referencedAddress } from "../resources";

/** Every VPC has a flow log. */
export const VpcFlowLogsEnabled: AuditRule = {
  id: "VpcFlowLogsEnabled",
  checkov: ["CKV2_AWS_11"],
  fsbp: ["EC2.6"],
  rationale: "Flow logs record who connected to the host, for incident response.",
  check: (input) => {
    const vpcs = ofType(input, "aws_vpc");
    const logged = new Set(ofType(input, "aws_flow_log").map((f) => referencedAddress(f.config.vpc_id)));
    const violations: RuleViolation[] = vpcs.filter((v) => !logged.has(v.address))
      .map((v) => ({ address: v.address, message: "no aws_flow_log records this VPC's traffic" }));
    return { checked: vpcs.map((v) => v.address), violations };
  },
};
