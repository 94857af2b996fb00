import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { AutoscalingNotification } from "@cdktf/provider-aws/lib/autoscaling-notification";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ITerraformDependable } from "cdktf";
import { alertsOn } from "../settings/settings";
import { DATA_VOLUME_ALERT_PERCENT, HOST_METRICS, HostMetricKey, METRIC_DIMENSION, METRIC_NAMESPACE } from "../host/metrics";

export interface AlertsProps {
  /** Name prefix of the alarms. */
  readonly prefix: string;
  /** Name of the topic (resourceNames().alertsTopic: the key policy names it too). */
  readonly topicName: string;
  /** Environment name: the host metrics' dimension. */
  readonly environment: string;
  /** E-mail addresses subscribed to the topic (settings `alerts`). */
  readonly emails: readonly string[];
  /** ARN of the stack's KMS key, whose policy lets the publishers use it for this topic (secrets.ts alertsTopicStatements). */
  readonly kmsKeyArn: string;
  /** The key policy: publishing needs it in place. */
  readonly dependsOn: ITerraformDependable[];
  /** Name of the Auto Scaling group whose launches and terminations are reported. */
  readonly autoScalingGroupName: string;
  /** The group itself (the notification refers to it by name). */
  readonly autoScalingGroup: ITerraformDependable;
  /** Id of the DLM policy that snapshots the data volume (the DLMPolicyId dimension of its metrics). */
  readonly snapshotPolicyId: string;
}

/**
 * The Auto Scaling notifications sent to the topic: every launch and termination, and their failures
 * ("SNS notifications", Amazon EC2 Auto Scaling User Guide,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-sns-notifications.html, read 2026-11-30).
 */
export const AUTO_SCALING_NOTIFICATIONS = [
  "autoscaling:EC2_INSTANCE_LAUNCH",
  "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
  "autoscaling:EC2_INSTANCE_TERMINATE",
  "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
] as const;

/** Where an alarm's metric comes from: a host metric (modules/host/metrics.ts) or one AWS publishes. */
export type AlarmSource =
  | { readonly host: HostMetricKey }
  | { readonly namespace: string; readonly metricName: string; readonly dimension: "DLMPolicyId" };

/** One alarm of the stack: its metric, how it is evaluated, and what the e-mail tells the operator. */
export interface AlarmSpec {
  /** Suffix of the alarm's name (`<prefix>-<id>`) and its construct id. */
  readonly id: string;
  readonly source: AlarmSource;
  readonly statistic: "Sum" | "Maximum";
  readonly periodSeconds: number;
  /** The alarm fires at or above this value (one period). */
  readonly threshold: number;
  /**
   * When the metric is sent. Missing data is "notBreaching" for every alarm: each metric is sent only
   * when something is wrong (or at a launch's end, or around DLM's daily run), so silence means nothing
   * went wrong; a host that is gone sends nothing at all, and the Auto Scaling notifications report that.
   */
  readonly sentWhen: string;
  /** Also send the return to OK (a lasting condition that ended); event alarms return to OK by themselves. */
  readonly notifyResolved: boolean;
  /** What the operator does (the alarm's description, in the e-mail; docs/operating.md "Alerts"). */
  readonly action: string;
}

/**
 * DLM publishes its policies' metrics to the AWS/EBS namespace with the DLMPolicyId dimension;
 * SnapshotsCreateFailed counts the snapshots a policy could not create, retries within 60 minutes
 * of the scheduled time included ("Monitor your policies using Amazon CloudWatch", Amazon EBS User
 * Guide, https://docs.aws.amazon.com/ebs/latest/userguide/monitor-dlm-cw-metrics.html, read 2026-11-30).
 */
export const DLM_SNAPSHOT_FAILURES = { namespace: "AWS/EBS", metricName: "SnapshotsCreateFailed", dimension: "DLMPolicyId" } as const;

/** Every alarm of the stack; the audit rule AlarmCoverage requires each, with the topic as its action. */
export const ALARMS: readonly AlarmSpec[] = [
  {
    id: "boot-abandoned", source: { host: "bootAbandoned" }, statistic: "Maximum", periodSeconds: 300, threshold: 1, notifyResolved: false,
    sentWhen: "sent once per launch, when the boot ends",
    action: "A boot failed and abandoned its launch; the group launches another instance. Read the failed boot's log (docs/operating.md \"Alerts\"); repeated failures: check the settings, secrets and downloads.",
  },
  {
    id: "watchdog-replacement", source: { host: "watchdogReplacement" }, statistic: "Sum", periodSeconds: 300, threshold: 1, notifyResolved: false,
    sentWhen: "sent once, when the watchdog gives up on the gateway",
    action: "The gateway stopped answering /healthz and the watchdog had the host replaced. Check that the new instance boots; repeated replacements: read the gateway's journal (docs/operating.md \"Alerts\").",
  },
  {
    id: "certificate", source: { host: "certificateProblem" }, statistic: "Maximum", periodSeconds: 3600, threshold: 1, notifyResolved: true,
    sentWhen: "sent every 15 minutes while the certificate is not OK",
    action: "Traefik serves its default certificate, one close to expiry, or none; the guard restarts Traefik when DNS is right. Check DNS and /var/lib/openclaw-cert-guard/status.json (docs/operating.md \"Alerts\").",
  },
  {
    id: "data-volume-usage", source: { host: "dataVolumeUsage" }, statistic: "Maximum", periodSeconds: 900, threshold: DATA_VOLUME_ALERT_PERCENT, notifyResolved: true,
    sentWhen: `sent every 5 minutes while the data volume is ${DATA_VOLUME_ALERT_PERCENT}% full or more`,
    action: `The data volume is ${DATA_VOLUME_ALERT_PERCENT}% full or more: raise dataVolumeSizeGiB and deploy (the boot grows the filesystem), or delete old data (docs/operating.md "Alerts").`,
  },
  {
    id: "memory-pressure", source: { host: "memoryPressure" }, statistic: "Sum", periodSeconds: 300, threshold: 1, notifyResolved: false,
    sentWhen: "sent when the gateway hit its MemoryMax or a process was OOM-killed",
    action: "The gateway reached its memory limit (and was OOM-killed if the count says so). A larger instanceType raises the limit (docs/operating.md \"Alerts\").",
  },
  {
    id: "snapshot-failed", source: DLM_SNAPSHOT_FAILURES, statistic: "Sum", periodSeconds: 3600, threshold: 1, notifyResolved: false,
    sentWhen: "DLM sends its metrics around its daily run",
    action: "The daily snapshot of the data volume failed. Check the DLM policy's state and its role (docs/operating.md \"Alerts\").",
  },
];

/** The namespace, metric name and dimensions of an alarm's metric. */
export function alarmMetric(spec: AlarmSpec, where: { environment: string; snapshotPolicyId: string }):
  { namespace: string; metricName: string; dimensions: Record<string, string> } {
  if ("host" in spec.source) {
    return { namespace: METRIC_NAMESPACE, metricName: HOST_METRICS[spec.source.host].name, dimensions: { [METRIC_DIMENSION]: where.environment } };
  }
  return { namespace: spec.source.namespace, metricName: spec.source.metricName, dimensions: { [spec.source.dimension]: where.snapshotPolicyId } };
}

/**
 * The environment's alerts: one SNS topic encrypted with the stack's KMS key and the Auto Scaling
 * group's launch and termination notifications to it (both free, always there), an e-mail
 * subscription per address of the `alerts` setting, and, only when there is one (alertsOn), the
 * alarms of {@link ALARMS}, each sending to the topic: alarms and the host's metrics cost money each
 * month and tell nobody without a subscriber (issue 15 item 6: the default deployment's budget).
 * docs/operating.md "Alerts" says how to turn them on, what fires when and what to do.
 */
export class Alerts extends Construct {
  readonly topic: SnsTopic;
  readonly subscriptions: readonly SnsTopicSubscription[];
  readonly notification: AutoscalingNotification;
  /** Each alarm, by its spec's id (none when alerts are off). */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, "topic", {
      name: props.topicName,
      kmsMasterKeyId: props.kmsKeyArn,
      dependsOn: props.dependsOn,
    });
    this.subscriptions = props.emails.map((email, i) => new SnsTopicSubscription(this, `email-${i}`, {
      topicArn: this.topic.arn, protocol: "email", endpoint: email,
    }));
    this.notification = new AutoscalingNotification(this, "group-notifications", {
      groupNames: [props.autoScalingGroupName],
      notifications: [...AUTO_SCALING_NOTIFICATIONS],
      topicArn: this.topic.arn,
      dependsOn: [props.autoScalingGroup],
    });
    this.alarms = Object.fromEntries((alertsOn({ alerts: props.emails }) ? ALARMS : []).map((spec) => [spec.id, new CloudwatchMetricAlarm(this, spec.id, {
      alarmName: `${props.prefix}-${spec.id}`,
      alarmDescription: spec.action,
      ...alarmMetric(spec, props),
      statistic: spec.statistic,
      period: spec.periodSeconds,
      evaluationPeriods: 1,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [this.topic.arn],
      okActions: spec.notifyResolved ? [this.topic.arn] : [],
    })]));
  }
}
