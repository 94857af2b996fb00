import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as path from "node:path";
import { offlinePlan, offlineTerraformProblem, PlanJson } from "../helpers/terraform-offline";
import { API_KEY_PLACEHOLDER, GATEWAY_TOKEN_PLACEHOLDER, secretsInUse } from "../../modules/secrets-catalogue";
import { requireInCi, testSettings } from "../helpers/settings";
import { ALARMS } from "../../modules/constructs/alerts";

/**
 * Real terraform, offline: validate and plan the synthesized default stack against the AWS
 * provider 5.100.0 from the machine's filesystem mirror, with fake credentials.
 */
const canRun = requireInCi(offlineTerraformProblem(), "the offline terraform plan test");
const maybe = canRun ? describe : describe.skip;

// Values that look like real secrets, present in the environment while synthesizing and
// planning: none of them may reach the configuration, the plan or the state.
const FAKE_SECRETS = {
  ANTHROPIC_API_KEY: "sk-ant-api03-THIS-IS-A-CANARY-0123456789abcdef",
  OPENCLAW_GATEWAY_TOKEN: "canary-gateway-token-9f8e7d6c5b4a",
};

maybe("offline terraform plan of the default stack", () => {
  let plan: PlanJson;
  let dir: string;

  beforeAll(() => {
    Object.assign(process.env, FAKE_SECRETS);
    const result = offlinePlan(testSettings());
    plan = result.plan;
    dir = result.stack.dir;
  }, 120_000);

  afterAll(() => {
    for (const key of Object.keys(FAKE_SECRETS)) delete process.env[key];
  });

  test("creates exactly the expected resource set and nothing else", () => {
    const counts: Record<string, number> = {};
    for (const change of plan.resource_changes) {
      expect(change.change.actions).toEqual(["create"]);
      counts[change.type] = (counts[change.type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      aws_vpc: 1, aws_subnet: 1, aws_internet_gateway: 1, aws_route_table: 1, aws_route_table_association: 1,
      aws_default_security_group: 1, aws_kms_key: 1, aws_kms_key_policy: 1, aws_kms_alias: 1, aws_ssm_parameter: secretsInUse(testSettings()).length, aws_ebs_volume: 1,
      aws_dlm_lifecycle_policy: 1, aws_iam_role: 4, aws_iam_role_policy_attachment: 1, aws_iam_role_policy: 1,
      aws_iam_instance_profile: 1, aws_eip: 1, aws_security_group: 1, aws_vpc_security_group_ingress_rule: 1,
      aws_vpc_security_group_egress_rule: 1, aws_launch_template: 1, aws_autoscaling_group: 1,
      aws_ssm_document: 9, aws_ssm_association: 1, aws_scheduler_schedule: 1,
      aws_s3_bucket: 1, aws_s3_bucket_public_access_block: 1, aws_s3_bucket_versioning: 1,
      aws_s3_bucket_server_side_encryption_configuration: 1, aws_s3_bucket_policy: 1, aws_s3_object: 3,
      aws_sns_topic: 1, aws_autoscaling_notification: 1, // alerts off (the default): the topic and the group's notifications, no alarm
    });
    // eslint-disable-next-line no-console
    console.log(`offline plan: ${plan.resource_changes.length} resources to create`);
  });

  test("planned values carry what the unit tests promise", () => {
    const after = (type: string) => plan.resource_changes.find((c) => c.type === type)!.change.after!;
    expect(after("aws_launch_template").metadata_options).toEqual([
      expect.objectContaining({ http_tokens: "required", http_put_response_hop_limit: 1 }),
    ]);
    expect(after("aws_ebs_volume")).toMatchObject({ encrypted: true, type: "gp3", size: 20 });
    expect(after("aws_autoscaling_group")).toMatchObject({ min_size: 1, max_size: 1, desired_capacity: 1, instance_refresh: [] });
    // The AMI id is read at plan time (the fake public parameter's answer), not resolved at launch.
    expect(after("aws_launch_template").image_id).toMatch(/^ami-0[0-9a-f]{16}$/);
  });

  test("SSM parameters are planned with no value at all: the placeholders are write-only and never recorded", () => {
    const parameters = plan.resource_changes.filter((c) => c.type === "aws_ssm_parameter");
    expect(parameters).toHaveLength(secretsInUse(testSettings()).length);
    for (const c of parameters) {
      expect(c.change.after!.value ?? null).toBeNull();
      expect(c.change.after!.value_wo ?? null).toBeNull();
      expect(c.change.after!.value_wo_version).toBe(1);
    }
    // The placeholders are in the configuration (where they are harmless), nowhere in the planned values but the
    // host script's text: its secrets tool compares what SSM holds with them (public constants, not secrets).
    const isHostScript = (address: string) => /^aws_s3_object\.artifacts_host-script_/.test(address);
    const planned = JSON.stringify(plan.resource_changes.filter((c) => !isHostScript(c.address)))
      + JSON.stringify((plan.planned_values as { root_module: { resources: Array<{ address: string }> } }).root_module.resources
        .filter((r) => !isHostScript(r.address)));
    expect(plan.resource_changes.filter((c) => isHostScript(c.address))).toHaveLength(1);
    for (const placeholder of [API_KEY_PLACEHOLDER, GATEWAY_TOKEN_PLACEHOLDER]) expect(planned).not.toContain(placeholder);
  });

  test("no secret from the environment appears in the configuration, plan or user data", () => {
    const everything = [
      JSON.stringify(plan),
      readFileSync(path.join(dir, "cdk.tf.json"), "utf8"),
    ].join("\n");
    const userData = plan.resource_changes.find((c) => c.type === "aws_launch_template")!.change.after!.user_data as string;
    const script = gunzipSync(Buffer.from(userData, "base64")).toString("utf8");
    for (const secret of Object.values(FAKE_SECRETS)) {
      expect(everything).not.toContain(secret);
      expect(script).not.toContain(secret);
    }
    expect(everything).not.toMatch(/sk-ant-[A-Za-z0-9-]{10,}/);
  });
});

maybe("offline terraform plan of a stack with alerts on (an e-mail address)", () => {
  let plan: PlanJson;
  beforeAll(() => {
    plan = offlinePlan(testSettings({ alerts: ["ops@clawops.dev"] })).plan;
  }, 120_000);

  test("adds the subscription and the alarms to the default set, each alarm as the provider plans it", () => {
    const created = (type: string) => plan.resource_changes.filter((c) => c.type === type && c.change.actions.join() === "create");
    expect(created("aws_sns_topic_subscription").map((c) => c.change.after)).toEqual([
      expect.objectContaining({ protocol: "email", endpoint: "ops@clawops.dev" }),
    ]);
    const alarms = created("aws_cloudwatch_metric_alarm").map((c) => c.change.after!);
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual(ALARMS.map((spec) => `openclaw-test-${spec.id}`).sort());
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ treat_missing_data: "notBreaching", evaluation_periods: 1, comparison_operator: "GreaterThanOrEqualToThreshold" });
    }
    expect(alarms.filter((a) => a.namespace === "OpenClaw").map((a) => a.dimensions)).toEqual(Array(5).fill({ Environment: "test" }));
  });
});
