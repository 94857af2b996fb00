import { Testing } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { AutoscalingNotification } from "@cdktf/provider-aws/lib/autoscaling-notification";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { OpenClawStack } from "../../modules/stack";
import { ALARMS, AUTO_SCALING_NOTIFICATIONS } from "../../modules/constructs/alerts";
import { alertsTopicStatements, autoScalingServiceRoleArn, keyPolicy } from "../../modules/constructs/secrets";
import { HOST_METRICS } from "../../modules/host/metrics";
import { GatewaySettingsInput } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";
import { auditFixture } from "../helpers/audit-fixtures";
import { boundaryStackOf, EXAMPLE_ACCOUNT } from "../../modules/review/iam-boundary";

/**
 * Issue 15 item 2: the alerts topic (encrypted with the stack's key), its e-mail subscriptions, the
 * group's notifications, and the alarms, each on a metric whose source exists (host metrics:
 * host-metrics.test.ts; DLM's: AWS/EBS SnapshotsCreateFailed by policy id) and each sending to the topic.
 */
type Synth = Record<string, any>;
function synth(overrides: Partial<GatewaySettingsInput> = {}): Synth {
  return JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), testSettings(overrides))));
}
const resourcesOf = (parsed: Synth, type: string): Array<[string, Record<string, any>]> => Object.entries(parsed.resource?.[type] ?? {});
const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

describe("alerts of the default stack (no e-mail address)", () => {
  const parsed = synth();
  const [[topicId, topic]] = resourcesOf(parsed, SnsTopic.tfResourceType);
  const topicArn = ref(SnsTopic.tfResourceType, topicId, "arn");

  test("one topic, named for the environment, encrypted with the stack's KMS key, created after the key policy; no subscription", () => {
    expect(resourcesOf(parsed, SnsTopic.tfResourceType)).toHaveLength(1);
    expect(topic.name).toBe("openclaw-test-alerts");
    expect(topic.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.secrets_key_[A-Z0-9]+\.arn\}$/);
    expect(topic.depends_on).toEqual([expect.stringMatching(/^aws_kms_key_policy\./)]);
    expect(resourcesOf(parsed, SnsTopicSubscription.tfResourceType)).toEqual([]);
  });

  test("the group notifies the topic of every launch, termination and their failures", () => {
    const [[, notification]] = resourcesOf(parsed, AutoscalingNotification.tfResourceType);
    expect(notification.group_names).toEqual(["openclaw-test"]);
    expect([...notification.notifications].sort()).toEqual([...AUTO_SCALING_NOTIFICATIONS].sort());
    expect(notification.notifications).toHaveLength(4);
    expect(notification.topic_arn).toBe(topicArn);
  });

  test("no alarm: nobody would hear it, and each costs a month (alerts off)", () => {
    expect(resourcesOf(parsed, CloudwatchMetricAlarm.tfResourceType)).toEqual([]);
  });

  test("the key policy lets CloudWatch (service principal) and Auto Scaling (its service-linked role) use the key for this topic only", () => {
    // The synthesized key policy with its Terraform references resolved (example account 111122223333).
    const statements = (boundaryStackOf(auditFixture().input).keyPolicy as any).Statement;
    const topicContext = { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:us-east-1:${EXAMPLE_ACCOUNT}:openclaw-test-alerts` };
    expect(statements.find((s: any) => s.Sid === "AlarmsPublishToAlertsTopic")).toEqual({
      Sid: "AlarmsPublishToAlertsTopic", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: "*",
      Condition: { StringEquals: { ...topicContext, "aws:SourceAccount": EXAMPLE_ACCOUNT } },
    });
    expect(statements.find((s: any) => s.Sid === "AutoScalingPublishesToAlertsTopic")).toEqual({
      Sid: "AutoScalingPublishesToAlertsTopic", Effect: "Allow", Principal: { AWS: "*" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: "*",
      Condition: { StringEquals: { ...topicContext, "aws:PrincipalArn": [autoScalingServiceRoleArn(EXAMPLE_ACCOUNT), `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/AWSServiceRoleForAutoScaling`] } },
    });
  });
});

describe("alerts with e-mail addresses (alerts on)", () => {
  const parsed = synth({ alerts: ["ops@clawops.dev", "oncall@clawops.dev"] });
  const [[topicId]] = resourcesOf(parsed, SnsTopic.tfResourceType);
  const topicArn = ref(SnsTopic.tfResourceType, topicId, "arn");

  test("each address of the alerts setting is one e-mail subscription of the topic", () => {
    expect(resourcesOf(parsed, SnsTopicSubscription.tfResourceType).map(([, s]) => s)).toEqual([
      { topic_arn: ref(SnsTopic.tfResourceType, topicId, "arn"), protocol: "email", endpoint: "ops@clawops.dev" },
      { topic_arn: ref(SnsTopic.tfResourceType, topicId, "arn"), protocol: "email", endpoint: "oncall@clawops.dev" },
    ]);
  });

  test("every alarm sends to the topic, treats silence as OK, and watches a metric of its source", () => {
    const alarms = resourcesOf(parsed, CloudwatchMetricAlarm.tfResourceType).map(([, a]) => a);
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual(ALARMS.map((s) => `openclaw-test-${s.id}`).sort());
    for (const alarm of alarms) {
      expect({ name: alarm.alarm_name, actions: alarm.alarm_actions, missing: alarm.treat_missing_data, periods: alarm.evaluation_periods })
        .toEqual({ name: alarm.alarm_name, actions: [topicArn], missing: "notBreaching", periods: 1 });
      expect(alarm.alarm_description.length).toBeGreaterThan(20);
    }
    const byName = Object.fromEntries(alarms.map((a) => [a.alarm_name, a]));
    const hostMetric = (name: string) => ({ namespace: "OpenClaw", dimensions: { Environment: "test" }, metric_name: name });
    expect(byName["openclaw-test-boot-abandoned"]).toMatchObject({ ...hostMetric("BootAbandoned"), threshold: 1, comparison_operator: "GreaterThanOrEqualToThreshold" });
    expect(byName["openclaw-test-watchdog-replacement"]).toMatchObject(hostMetric("WatchdogReplacement"));
    expect(byName["openclaw-test-certificate"]).toMatchObject({ ...hostMetric("CertificateProblem"), ok_actions: [topicArn] });
    expect(byName["openclaw-test-data-volume-usage"]).toMatchObject({ ...hostMetric("DataVolumeUsedPercent"), threshold: 80, statistic: "Maximum" });
    expect(byName["openclaw-test-memory-pressure"]).toMatchObject(hostMetric("GatewayMemoryPressure"));
    const [[dlmId]] = resourcesOf(parsed, "aws_dlm_lifecycle_policy");
    expect(byName["openclaw-test-snapshot-failed"]).toMatchObject({
      namespace: "AWS/EBS", metric_name: "SnapshotsCreateFailed", dimensions: { DLMPolicyId: ref("aws_dlm_lifecycle_policy", dlmId, "id") },
      statistic: "Sum", threshold: 1,
    });
    // Every host metric has its alarm.
    const watched = new Set(alarms.map((a) => a.metric_name));
    for (const metric of Object.values(HOST_METRICS)) expect(watched).toContain(metric.name);
  });
});

describe("the alerts topic's key statements", () => {
  test("name the topic's ARN in SNS's encryption context, and the account's Auto Scaling service-linked role by ARN", () => {
    const [alarms, group] = alertsTopicStatements("111122223333", "eu-west-1", "openclaw-prod-alerts") as any[];
    expect(alarms.Condition.StringEquals["kms:EncryptionContext:aws:sns:topicArn"]).toBe("arn:aws:sns:eu-west-1:111122223333:openclaw-prod-alerts");
    expect(group.Condition.StringEquals["aws:PrincipalArn"]).toEqual([autoScalingServiceRoleArn("111122223333"), "arn:aws:iam::111122223333:role/AWSServiceRoleForAutoScaling"]);
    expect(autoScalingServiceRoleArn("111122223333")).toBe("arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling");
    expect((keyPolicy("111122223333", "eu-west-1", "openclaw-prod-alerts") as any).Statement.slice(-2)).toEqual([alarms, group]);
  });
});
