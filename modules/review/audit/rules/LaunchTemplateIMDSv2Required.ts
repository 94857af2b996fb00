import { AuditRule } from "../types";
import { perResource } from "../resources";
import { listOf } from "../../terraform-json";

/** Launch templates require IMDSv2 session tokens and keep the metadata endpoint on. */
export const LaunchTemplateIMDSv2Required: AuditRule = {
  id: "LaunchTemplateIMDSv2Required",
  checkov: ["CKV_AWS_79"],
  fsbp: ["EC2.170"],
  rationale: "IMDSv1 answers any request, so an SSRF in the gateway or a proxy could read the host role's credentials.",
  check: (input) => perResource(input, ["aws_launch_template"], (lt) => {
    const options = listOf(lt.config.metadata_options)[0];
    if (!options) return "metadata_options is not set (the default allows IMDSv1)";
    if (options.http_tokens !== "required") return `metadata_options.http_tokens is "${options.http_tokens ?? "optional"}", not "required"`;
    return undefined;
  }),
};
