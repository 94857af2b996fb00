import { AuditRule } from "../types";
import { perResource } from "../resources";
import { listOf } from "../../terraform-json";

/** The IMDS token may not travel beyond the host itself. */
export const LaunchTemplateMetadataHopLimitOne: AuditRule = {
  id: "LaunchTemplateMetadataHopLimitOne",
  checkov: ["CKV_AWS_341"],
  fsbp: [],
  rationale: "A hop limit of 1 keeps IMDS tokens out of containers and forwarded traffic on the host.",
  check: (input) => perResource(input, ["aws_launch_template"], (lt) => {
    const options = listOf(lt.config.metadata_options)[0];
    const hops = options?.http_put_response_hop_limit;
    if (hops === undefined) return "metadata_options.http_put_response_hop_limit is not set (the AMI default may be 2)";
    return Number(hops) === 1 ? undefined : `metadata_options.http_put_response_hop_limit is ${hops}, not 1`;
  }),
};
