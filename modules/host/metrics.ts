import { alertsOn, GatewaySettings } from "../settings/settings";
import { AWS_CLI_BOUNDS } from "./posix";
import { shellQuote } from "./shell";

/**
 * The custom CloudWatch metrics the host publishes, the alarms' sources (modules/constructs/alerts.ts).
 * There is no CloudWatch agent: the boot script, the watchdog and the certificate guard publish a data
 * point with `aws cloudwatch put-metric-data` when they decide something is wrong. Custom metrics are
 * billed per metric-month, prorated by the hour and only for hours in which they are sent
 * (https://aws.amazon.com/cloudwatch/pricing/, read 2026-11-30), so a metric sent only on a problem
 * costs nothing in a healthy month: one namespace, one dimension (the environment), five metrics.
 * The host publishes them only when alerts are on (settings `alerts`, {@link hostMetrics}): the
 * alarms exist only then.
 */

/** Namespace of every host metric; the host role may publish into this one only (cloudwatch:namespace). */
export const METRIC_NAMESPACE = "OpenClaw";
/** The one dimension of every host metric: the environment's name. */
export const METRIC_DIMENSION = "Environment";

/** One host metric: its name, CloudWatch unit, and who publishes it when. */
export interface HostMetric {
  readonly name: string;
  readonly unit: "Count" | "Percent";
  /** Who publishes a data point, and when (docs/operating.md "Alerts"). */
  readonly source: string;
}

/** Data-volume use (df, percent of the filesystem) at which the watchdog publishes DataVolumeUsedPercent. */
export const DATA_VOLUME_ALERT_PERCENT = 80;
/** Least minutes between two resource data points of the watchdog (it runs every 15 s). */
export const RESOURCE_METRIC_MINUTES = 5;

/** Every host metric, by the decision it reports. */
export const HOST_METRICS = {
  bootAbandoned: {
    name: "BootAbandoned", unit: "Count",
    source: "the boot script: 1 when it abandons its launch (the group terminates the instance), 0 when it completes it",
  },
  watchdogReplacement: {
    name: "WatchdogReplacement", unit: "Count",
    source: "the watchdog: 1 when it marks the instance Unhealthy (the group replaces it)",
  },
  certificateProblem: {
    name: "CertificateProblem", unit: "Count",
    source: "the certificate guard (every 15 min): 1 while Traefik serves its default certificate or one close to expiry",
  },
  dataVolumeUsage: {
    name: "DataVolumeUsedPercent", unit: "Percent",
    source: `the watchdog: the data volume's use (df), at most every ${RESOURCE_METRIC_MINUTES} min while it is ${DATA_VOLUME_ALERT_PERCENT}% or more`,
  },
  memoryPressure: {
    name: "GatewayMemoryPressure", unit: "Count",
    source: `the watchdog: how often the gateway's cgroup hit MemoryMax or had a process OOM-killed since its last data point (memory.events max + oom_kill), at most every ${RESOURCE_METRIC_MINUTES} min while that grows`,
  },
} as const satisfies Record<string, HostMetric>;

/** The metrics' keys. */
export type HostMetricKey = keyof typeof HOST_METRICS;

/**
 * bash function `publish_metric NAME VALUE UNIT`: one data point of OpenClaw/NAME for this environment.
 * Bounded (AWS_CLI_BOUNDS per attempt, PUBLISH_METRIC_TIMEOUT_SECONDS in all, the CLI's retries
 * included) and never failing its caller: a metric that cannot be sent is one log line on stderr, and
 * the boot, the watchdog and the guard go on. `--region` is the stack's, so it needs no
 * AWS_DEFAULT_REGION from the caller (the certificate guard has none). The data point is one
 * `--metric-data` shorthand argument (MetricName, Value, Unit, Dimensions: the AWS CLI's
 * put-metric-data reference), and no command of the host carries a `--value` option (boot-script.test.ts).
 */
export function publishMetricFunction(s: Pick<GatewaySettings, "environment" | "region">): string {
  return `# publish_metric NAME VALUE UNIT: one data point of ${METRIC_NAMESPACE}/NAME (bounded; never fails the caller).
publish_metric() {
  timeout ${PUBLISH_METRIC_TIMEOUT_SECONDS} aws cloudwatch put-metric-data ${AWS_CLI_BOUNDS} --region ${shellQuote(s.region)} --namespace ${METRIC_NAMESPACE} \\
    --metric-data "MetricName=$1,Value=$2,Unit=$3,Dimensions=[{Name=${METRIC_DIMENSION},Value=${s.environment}}]" >/dev/null 2>&1 \\
    || echo "could not publish the metric ${METRIC_NAMESPACE}/$1 = $2 (ignored)" >&2 || true
}`;
}

/**
 * Longest a data point may take, in seconds: one call normally answers in well under a second; a
 * dead endpoint costs the watchdog (up to three data points in a run, TimeoutStartSec=180) at most a minute.
 */
export const PUBLISH_METRIC_TIMEOUT_SECONDS = 20;

/** The call that publishes one data point of a host metric (`publish_metric` must be defined). */
export const publishMetric = (key: HostMetricKey, value: string | number): string =>
  `publish_metric ${HOST_METRICS[key].name} ${value} ${HOST_METRICS[key].unit}`;

/** What a host script renders to publish metrics: the `publish_metric` definition, and one call per data point. */
export interface HostMetricsRendering {
  /** The bash function `publish_metric` ({@link publishMetricFunction}), defined once before any call. */
  readonly functions: string;
  /** The call that publishes one data point ({@link publishMetric}). */
  readonly publish: (key: HostMetricKey, value: string | number) => string;
}

/**
 * The host's metric rendering for these settings, or undefined when alerts are off (`alerts` empty):
 * then no alarm watches the metrics, so the boot script, the watchdog and the certificate guard carry
 * no `publish_metric` at all and send nothing (each metric would cost while it is sent).
 */
export function hostMetrics(s: Pick<GatewaySettings, "alerts" | "environment" | "region">): HostMetricsRendering | undefined {
  return alertsOn(s) ? { functions: publishMetricFunction(s), publish: publishMetric } : undefined;
}
