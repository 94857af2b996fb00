import {
  CLOUDWATCH_ALARM_MONTH_USD, CUSTOM_METRIC_MONTH_USD, ebsGbMonthUsd, HEALTHY_MONTH_HOURS_SENT, HOURS_PER_MONTH, instanceHourlyUsd,
  KMS_KEY_MONTH_USD, PUBLIC_IPV4_HOURLY_USD, S3_GET_PER_1000_USD, S3_STANDARD_GB_MONTH_USD, SNAPSHOT_DAILY_CHANGE, SNAPSHOT_GB_MONTH_USD,
} from "../pricing";
import { CONFIG_APPLY_SCHEDULE } from "../../host/config-apply";
import { AuditInput } from "./types";
import { effectiveTags, ofType, referencedAddress } from "./resources";
import { listOf } from "../terraform-json";

/** One line of the estimate. */
export interface CostLine {
  /** Terraform address of the resource that costs money. */
  readonly address: string;
  /** Construct path (what a developer edits). */
  readonly path: string;
  /** What is billed, e.g. "t4g.small × 1, 730 h". */
  readonly item: string;
  readonly monthlyUsd: number;
}

export interface CostEstimate {
  readonly stack: string;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
/** Size assumed for an object uploaded from a file (the openclaw lock, ~170 KB): an upper bound, in KB. */
const SOURCE_OBJECT_KB = 256;
/** Minutes of a systemd time span written as "<n>min". */
const minutesOf = (span: string): number => {
  const m = /^(\d+)min$/.exec(span);
  if (!m) throw new Error(`cannot price a timer interval of "${span}" (expected "<n>min")`);
  return Number(m[1]);
};

/**
 * Monthly cost of one synthesized stack, per resource, from modules/review/pricing.ts. Reads the
 * synthesized configuration (not the settings), so an override or a new resource shows up here too.
 * Throws when an instance or volume type has no price.
 */
export function estimateMonthlyCost(input: AuditInput): CostEstimate {
  const lines: CostLine[] = [];
  const templates = new Map(ofType(input, "aws_launch_template").map((t) => [t.address, t]));
  for (const group of ofType(input, "aws_autoscaling_group")) {
    const count = Number(group.config.desired_capacity ?? group.config.min_size ?? 1);
    const template = templates.get(referencedAddress(listOf(group.config.launch_template)[0]?.id) ?? "");
    if (!template) throw new Error(`${group.address}: cannot price an Auto Scaling group without a launch template in the stack`);
    const type = String(template.config.instance_type);
    lines.push({ address: group.address, path: group.path, item: `${type} × ${count}, ${HOURS_PER_MONTH} h`,
      monthlyUsd: count * instanceHourlyUsd(type) * HOURS_PER_MONTH });
    for (const mapping of listOf(template.config.block_device_mappings)) {
      const ebs = listOf(mapping.ebs)[0];
      if (!ebs) continue;
      const size = Number(ebs.volume_size ?? 8);
      const volumeType = String(ebs.volume_type ?? "gp2");
      lines.push({ address: template.address, path: template.path, item: `root ${volumeType} ${size} GB × ${count}`,
        monthlyUsd: count * size * ebsGbMonthUsd(volumeType) });
    }
  }
  const policies = ofType(input, "aws_dlm_lifecycle_policy").map((p) => listOf(p.config.policy_details)[0] ?? {});
  for (const volume of ofType(input, "aws_ebs_volume")) {
    const size = Number(volume.config.size);
    const volumeType = String(volume.config.type ?? "gp2");
    lines.push({ address: volume.address, path: volume.path, item: `${volumeType} ${size} GB`, monthlyUsd: size * ebsGbMonthUsd(volumeType) });
    const tags = effectiveTags(input, volume);
    const retained = Math.max(0, ...policies
      .filter((d) => Object.entries(d.target_tags ?? {}).some(([k, v]) => tags[k] === v))
      .flatMap((d) => listOf(d.schedule).map((s) => Number(listOf(s.retain_rule)[0]?.count ?? 0))));
    if (retained > 0) {
      const storedGb = size * (1 + SNAPSHOT_DAILY_CHANGE * (retained - 1));
      lines.push({ address: volume.address, path: volume.path,
        item: `snapshots: ${retained} kept, ≈${round2(storedGb)} GB stored (full first + ${SNAPSHOT_DAILY_CHANGE * 100}%/day)`,
        monthlyUsd: storedGb * SNAPSHOT_GB_MONTH_USD });
    }
  }
  for (const eip of ofType(input, "aws_eip")) {
    lines.push({ address: eip.address, path: eip.path, item: `public IPv4, ${HOURS_PER_MONTH} h`, monthlyUsd: PUBLIC_IPV4_HOURLY_USD * HOURS_PER_MONTH });
  }
  for (const key of ofType(input, "aws_kms_key")) {
    lines.push({ address: key.address, path: key.path, item: "customer managed key", monthlyUsd: KMS_KEY_MONTH_USD });
  }
  for (const alarm of ofType(input, "aws_cloudwatch_metric_alarm")) {
    // A namespace that is not AWS's ("AWS/…") is a custom metric the stack's host sends (modules/host/metrics.ts).
    const namespace = String(alarm.config.namespace ?? "");
    const custom = namespace !== "" && !namespace.startsWith("AWS/");
    lines.push({ address: alarm.address, path: alarm.path,
      item: custom ? `alarm + metric ${namespace}/${alarm.config.metric_name} (sent ≤${HEALTHY_MONTH_HOURS_SENT} h/month)` : "alarm",
      monthlyUsd: CLOUDWATCH_ALARM_MONTH_USD + (custom ? CUSTOM_METRIC_MONTH_USD * HEALTHY_MONTH_HOURS_SENT / HOURS_PER_MONTH : 0) });
  }
  const objects = ofType(input, "aws_s3_object");
  for (const bucket of ofType(input, "aws_s3_bucket")) {
    const held = objects.filter((o) => referencedAddress(String(o.config.bucket ?? "")) === bucket.address);
    if (held.length === 0) continue;
    // Objects uploaded from a file (`source`, the openclaw lock) are counted at SOURCE_OBJECT_KB each: their size is not in the configuration.
    const kb = held.reduce((sum, o) => sum + (typeof o.config.content === "string" ? Buffer.byteLength(o.config.content) / 1024 : SOURCE_OBJECT_KB), 0);
    // The host's openclaw-apply-config.timer reads the config object (config/<env>/openclaw.json) once per interval.
    const polled = held.some((o) => /^config\/[^/]+\/openclaw\.json$/.test(String(o.config.key ?? "")));
    const gets = polled ? Math.round(HOURS_PER_MONTH * 60 / minutesOf(CONFIG_APPLY_SCHEDULE.onUnitActiveSec)) : 0;
    lines.push({ address: bucket.address, path: bucket.path,
      item: `S3 Standard: ${Math.round(kb)} KB stored${gets ? `, ${gets.toLocaleString("en-US")} GET/month (openclaw-apply-config every ${CONFIG_APPLY_SCHEDULE.onUnitActiveSec})` : ""}`,
      monthlyUsd: kb / (1024 * 1024) * S3_STANDARD_GB_MONTH_USD + gets / 1000 * S3_GET_PER_1000_USD });
  }
  const rounded = lines.map((l) => ({ ...l, monthlyUsd: round2(l.monthlyUsd) }));
  return { stack: input.stack, lines: rounded, totalUsd: round2(rounded.reduce((sum, l) => sum + l.monthlyUsd, 0)) };
}
