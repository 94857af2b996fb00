import { AuditRule, RuleViolation } from "../types";
import { ofType, referencedAddress } from "../resources";
import { listOf } from "../../terraform-json";
import { ALARMS, alarmMetric, AUTO_SCALING_NOTIFICATIONS } from "../../../constructs/alerts";

/** The SNS topic a value refers to (`${aws_sns_topic.<name>.arn}`), or undefined. */
const topicOf = (value: unknown): string | undefined => {
  const address = referencedAddress(value);
  return address?.startsWith("aws_sns_topic.") ? address : undefined;
};

/**
 * Every Auto Scaling group notifies an SNS topic of the stack of its launches, terminations and their
 * failures; and when a topic of the stack has a subscription (alerts on: the alarms exist only then,
 * modules/constructs/alerts.ts), every alarm of ALARMS exists (an aws_cloudwatch_metric_alarm on its
 * namespace and metric) and sends to a topic of the stack: a broken host or a failed snapshot is told
 * to someone (issue 15 item 2).
 */
export const AlarmCoverage: AuditRule = {
  id: "AlarmCoverage",
  checkov: [],
  fsbp: [],
  source: "issue 15 (operations you can see): the alerts of docs/operating.md \"Alerts\"",
  rationale: "A replaced host, an abandoned boot, a bad certificate, a full disk, memory exhaustion or a failed snapshot must reach a person, not only a metric.",
  check: (input) => {
    const topics = ofType(input, "aws_sns_topic");
    const alarms = ofType(input, "aws_cloudwatch_metric_alarm");
    const groups = ofType(input, "aws_autoscaling_group");
    const notifications = ofType(input, "aws_autoscaling_notification");
    const subscribed = ofType(input, "aws_sns_topic_subscription").some((sub) => topicOf(sub.config.topic_arn) !== undefined);
    const violations: RuleViolation[] = [];
    const anchor = topics[0]?.address ?? groups[0]?.address ?? "stack";
    for (const spec of subscribed ? ALARMS : []) {
      const { namespace, metricName } = alarmMetric(spec, { environment: "", snapshotPolicyId: "" });
      const candidates = alarms.filter((a) => a.config.namespace === namespace && a.config.metric_name === metricName);
      if (candidates.length === 0) {
        violations.push({ address: anchor, message: `no alarm on ${namespace}/${metricName} (${spec.id})` });
      } else if (!candidates.some((a) => listOf(a.config.alarm_actions).some((action) => topicOf(action) !== undefined))) {
        violations.push({ address: candidates[0].address, message: `the alarm on ${namespace}/${metricName} (${spec.id}) sends to no SNS topic of the stack` });
      }
    }
    for (const group of groups) {
      const covered = notifications.some((n) => listOf<string>(n.config.group_names).includes(group.config.name) && topicOf(n.config.topic_arn) !== undefined
        && AUTO_SCALING_NOTIFICATIONS.every((type) => listOf<string>(n.config.notifications).includes(type)));
      if (!covered) {
        violations.push({ address: group.address, message: `no notification of ${AUTO_SCALING_NOTIFICATIONS.join(", ")} to an SNS topic of the stack` });
      }
    }
    return { checked: [...alarms, ...notifications].map((r) => r.address), violations };
  },
};
