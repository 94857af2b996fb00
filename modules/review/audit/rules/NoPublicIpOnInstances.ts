import { AuditRule } from "../types";
import { isTrue, perResource } from "../resources";
import { listOf } from "../../terraform-json";

/** Instances get no public IPv4 address, neither from the subnet nor from the launch template. */
export const NoPublicIpOnInstances: AuditRule = {
  id: "NoPublicIpOnInstances",
  checkov: ["CKV_AWS_88", "CKV_AWS_130"],
  fsbp: ["EC2.9", "EC2.15"],
  rationale: "A public address makes the instance itself reachable; private hosts sit behind a load balancer or NAT.",
  check: (input) => perResource(input, ["aws_subnet", "aws_launch_template", "aws_instance"], (r) => {
    if (r.type === "aws_subnet") return isTrue(r.config.map_public_ip_on_launch) ? "map_public_ip_on_launch is true" : undefined;
    if (r.type === "aws_instance") return isTrue(r.config.associate_public_ip_address) ? "associate_public_ip_address is true" : undefined;
    return listOf(r.config.network_interfaces).some((n) => isTrue(n.associate_public_ip_address))
      ? "network_interfaces[].associate_public_ip_address is true" : undefined;
  }),
};
