import * as path from "node:path";
import type { HostContract } from "../host/contract";
import { BACKUP_ARCHIVE_GLOB } from "../host/backup";
import { CERT_GUARD_STATUS_FILE } from "../host/cert-guard";
import { AWS_CLI_BOUNDS, healthCheckCommand } from "../host/posix";
import { shellQuote } from "../host/shell";
import type { GatewaySettings } from "../settings/settings";
import type { GroupState, InstanceRefreshState } from "./aws";
import type { DocumentSettings } from "./documents";
import { parseHostJson, terminalSafe } from "./format";
import type { DocumentOperation, OperationContext } from "./operations";
import { OpsError, pickInstance, Target } from "./run";

/**
 * `npm run status`: one screen per environment, without SSH. The CLI asks Auto Scaling for the
 * group (sizes, instances, a pending launch hook, the latest instance refresh), then runs the
 * read-only "status" document on the InService instance, which prints one JSON object
 * ({@link HostStatus}); {@link statusReport} joins both and marks the problems, {@link renderStatus}
 * prints one line per fact. Nothing here reads a secret: the document reads states, versions,
 * the cert guard's status file, the boot log's step and result lines, sizes, the snapshot list and
 * the backup archives' names, sizes and times.
 */

// ---------------------------------------------------------------- the host's side (POSIX sh)

/** Seconds the status document may run on the host (its probes are bounded well below). */
export const STATUS_TIMEOUT_SECONDS = 120;

/** Bound on describe-snapshots (the CLI's own connect/read timeouts apply per attempt; this caps the retries). */
const SNAPSHOT_CALL_SECONDS = 60;

/** Boot-log lines the document sends: a boot's start, its steps, its failure, its summary, its data volume. */
export const BOOT_LINE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z (==> |    (openclaw-aws boot for environment |FAILED in step |summary: |data volume vol-))";

/** The units the status reports, by the key of the JSON. */
const statusUnits = (c: HostContract): Record<string, string> => ({
  gateway: c.gatewayUnit,
  traefik: c.traefikUnit,
  watchdog: c.watchdogTimerUnit,
  certGuard: c.certGuardTimerUnit,
  backup: c.backupTimerUnit,
});

/**
 * The status document's lines (POSIX sh; no `${`: Terraform would read it as an interpolation in the
 * document's content). Every probe is bounded and degrades to null or "unknown" instead of failing
 * the document; the last line prints the one JSON object. Read-only: it starts, stops and writes nothing
 * but a temporary directory for the AWS CLI's error text.
 */
export function statusLines(c: HostContract, s: Pick<DocumentSettings, "region">): string[] {
  const q = shellQuote;
  const units = Object.entries(statusUnits(c));
  return [
    `DIR=$(mktemp -d)`,
    `trap 'rm -rf "$DIR"' EXIT`,
    `HOME=$(printenv HOME || echo /root)`,
    `export AWS_PAGER="" HOME`,
    `HEALTHZ=false`,
    `if ${healthCheckCommand(q(c.healthUrl), 5)}; then HEALTHZ=true; fi`,
    // The runtimes the installed units run (their ExecStart= lines, as `systemctl cat` prints the unit files), not the
    // pinned paths: the paths hold the versions, and a version bump must not change this document (an upgrade plan
    // stays three updates). Not the processes' command lines: node's process.title rewrites them.
    `exec_word() { timeout 10 systemctl cat "$1" 2>/dev/null | sed -n 's/^ExecStart=//p' | head -n 1 | cut -d' ' -f"$2"; }`,
    `NODE_BIN=$(exec_word ${q(c.gatewayUnit)} 1)`,
    `OPENCLAW_ENTRY=$(exec_word ${q(c.gatewayUnit)} 2)`,
    `TRAEFIK_BIN=$(exec_word ${q(c.traefikUnit)} 1)`,
    `NODE_VERSION=$(if [ -n "$NODE_BIN" ]; then timeout 10 "$NODE_BIN" --version 2>/dev/null; fi || true)`,
    `OPENCLAW_VERSION=$(if [ -n "$OPENCLAW_ENTRY" ]; then jq -r '.version // empty' "$(dirname "$OPENCLAW_ENTRY")/package.json" 2>/dev/null; fi || true)`,
    // `traefik version` prints "Version:      <version>" first (traefik cmd/version/version.go, versionTemplate;
    // read 2026-12-01 in traefik/traefik v2's tree through the code index); node prints "v<version>".
    `TRAEFIK_VERSION=$(if [ -n "$TRAEFIK_BIN" ]; then timeout 10 "$TRAEFIK_BIN" version 2>/dev/null | sed -n 's/^Version:[[:space:]]*//p' | head -n 1; fi || true)`,
    `UNITS=$(for pair in ${units.map(([key, unit]) => q(`${key}=${unit}`)).join(" ")}; do`,
    `  printf '%s %s\\n' "$pair" "$(timeout 10 systemctl is-active "$(echo "$pair" | cut -d= -f2-)" 2>/dev/null || true)"`,
    `done | jq -Rnc '[inputs | split(" ") | {key: (.[0] | split("=")[0]), value: (if (.[1] // "") == "" then "unknown" else .[1] end)}] | from_entries')`,
    `CERT=$(jq -c '{state, cert, issuer, subject, notAfter, daysLeft, checkedAt}' ${q(path.posix.join(c.certGuardStateDir, CERT_GUARD_STATUS_FILE))} 2>/dev/null || true)`,
    // The last boot: from its start line on (the log is appended to at every boot), only the lines of BOOT_LINE_PATTERN.
    `BOOT=$(tail -n 20000 ${q(c.bootstrapLog)} 2>/dev/null | awk '/Z     openclaw-aws boot for environment / { n = 0 } { line[++n] = $0 } END { for (i = 1; i <= n; i++) print line[i] }' \\`,
    `  | grep -E ${q(BOOT_LINE_PATTERN)} | tail -n 100 | cut -c1-300 || true)`,
    `VOLUME=$(printf '%s\\n' "$BOOT" | sed -n 's/^.*Z     data volume \\(vol-[0-9a-f]*\\)$/\\1/p' | tail -n 1)`,
    `SNAPSHOT=null`,
    `if [ -n "$VOLUME" ]; then`,
    `  if timeout ${SNAPSHOT_CALL_SECONDS} aws ec2 describe-snapshots ${AWS_CLI_BOUNDS} --region ${q(s.region)} --owner-ids self --filters "Name=volume-id,Values=$VOLUME" --output json >"$DIR/snapshots" 2>"$DIR/error"; then`,
    `    SNAPSHOT=$(jq -c --arg volume "$VOLUME" '.Snapshots | {volumeId: $volume, latest: (if length == 0 then null else (max_by(.StartTime) | {id: .SnapshotId, state: .State, startTime: .StartTime, progress: .Progress}) end)}' "$DIR/snapshots" 2>/dev/null || echo null)`,
    `  else`,
    `    SNAPSHOT=$(jq -nc --arg volume "$VOLUME" --arg error "$(tail -n 1 "$DIR/error" | cut -c1-300)" '{volumeId: $volume, error: (if $error == "" then "describe-snapshots failed" else $error end)}')`,
    `  fi`,
    `fi`,
    `DATA_MOUNTED=false`,
    `if mountpoint -q ${q(c.dataMount)} 2>/dev/null; then DATA_MOUNTED=true; fi`,
    `DATA_DF=$(df -P -B1 ${q(c.dataMount)} 2>/dev/null | awk 'NR == 2 { print $2, $3, $4 }' || true)`,
    `ROOT_DF=$(df -P -B1 / 2>/dev/null | awk 'NR == 2 { print $2, $3, $4 }' || true)`,
    `MEMINFO=$(awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { print t, a }' /proc/meminfo 2>/dev/null || true)`,
    `GATEWAY_MEMORY=$(timeout 10 systemctl show -p MemoryCurrent --value ${q(c.gatewayUnit)} 2>/dev/null || true)`,
    `GATEWAY_MEMORY_MAX=$(timeout 10 systemctl show -p MemoryMax --value ${q(c.gatewayUnit)} 2>/dev/null || true)`,
    `WATCHDOG=$(head -n 1 ${q(c.watchdogStatusFile)} 2>/dev/null | cut -c1-300 || true)`,
    // The newest openclaw backup archive (modules/host/backup.ts): "<mtime> <bytes> <name>", the count, the last run's result.
    `BACKUP_LATEST=$(find ${q(c.backupsDir)} -maxdepth 1 -type f -name ${q(BACKUP_ARCHIVE_GLOB)} -printf '%T@ %s %f\\n' 2>/dev/null | sort -rn | head -n 1 || true)`,
    `BACKUP_COUNT=$(find ${q(c.backupsDir)} -maxdepth 1 -type f -name ${q(BACKUP_ARCHIVE_GLOB)} 2>/dev/null | wc -l || true)`,
    `BACKUP_RESULT=$(timeout 10 systemctl show -p Result --value ${q(c.backupServiceUnit)} 2>/dev/null || true)`,
    `MAINTENANCE=false`,
    `if [ -e ${q(c.maintenanceFile)} ]; then MAINTENANCE=true; fi`,
    `printf '%s\\n' "$BOOT" | jq -Rnc \\`,
    `  --argjson healthz "$HEALTHZ" --arg node "$NODE_VERSION" --arg openclaw "$OPENCLAW_VERSION" --arg traefik "$TRAEFIK_VERSION" \\`,
    `  --argjson units "$UNITS" --arg cert "$CERT" --argjson snapshot "$SNAPSHOT" \\`,
    `  --arg dataMount ${q(c.dataMount)} --argjson dataMounted "$DATA_MOUNTED" --arg dataDf "$DATA_DF" --arg rootDf "$ROOT_DF" \\`,
    `  --arg meminfo "$MEMINFO" --arg gatewayMemory "$GATEWAY_MEMORY" --arg gatewayMemoryMax "$GATEWAY_MEMORY_MAX" \\`,
    `  --arg watchdog "$WATCHDOG" --argjson maintenance "$MAINTENANCE" \\`,
    `  --arg backupLatest "$BACKUP_LATEST" --arg backupCount "$BACKUP_COUNT" --arg backupResult "$BACKUP_RESULT" '`,
    `  def text: if . == "" then null else . end;`,
    `  def bytes: tonumber? // null;`,
    `  def df($mount): split(" ") | if length == 3 then {mount: $mount, sizeBytes: (.[0] | bytes), usedBytes: (.[1] | bytes), availableBytes: (.[2] | bytes)} else null end;`,
    `  ($meminfo | split(" ")) as $kb |`,
    `  {checkedAt: (now | todate), healthz: {ok: $healthz},`,
    `   versions: {node: ($node | ltrimstr("v") | text), openclaw: ($openclaw | text), traefik: ($traefik | text)},`,
    `   units: $units, certificate: ($cert | fromjson? // null), boot: {lines: [inputs | select(length > 0)]},`,
    `   disk: {data: (($dataDf | df($dataMount)) as $d | if $d == null then null else $d + {mounted: $dataMounted} end), root: ($rootDf | df("/"))},`,
    `   memory: {gatewayBytes: ($gatewayMemory | bytes), gatewayMaxBytes: ($gatewayMemoryMax | bytes),`,
    `            hostTotalBytes: (($kb[0] // "" | bytes) as $t | if $t == null then null else $t * 1024 end),`,
    `            hostAvailableBytes: (($kb[1] // "" | bytes) as $a | if $a == null then null else $a * 1024 end)},`,
    `   snapshot: $snapshot, watchdog: {lastVerdict: ($watchdog | text), maintenance: $maintenance},`,
    `   backups: {count: ($backupCount | bytes), lastResult: ($backupResult | text),`,
    `             latest: ($backupLatest | split(" ") | if length >= 3 then {name: (.[2:] | join(" ")), sizeBytes: (.[1] | bytes),`,
    `                     modifiedAt: (.[0] | tonumber? | floor | todate)} else null end)}}'`,
  ];
}

// ---------------------------------------------------------------- what the host prints

/** The cert guard's status.json, as the document passes it on (modules/host/cert-guard.ts). */
export interface CertificateStatus {
  state: string;
  cert: string;
  issuer: string | null;
  subject: string | null;
  notAfter: string | null;
  daysLeft: number | null;
  checkedAt: string;
}

/** One mounted file system. */
export interface DiskStatus {
  mount: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  /** Data mount only: false when nothing is mounted there (df then measured the root disk). */
  mounted?: boolean;
}

/** The one JSON object the status document prints. */
export interface HostStatus {
  checkedAt: string;
  healthz: { ok: boolean };
  versions: { node: string | null; openclaw: string | null; traefik: string | null };
  /** systemctl is-active of each unit, by key (gateway, traefik, watchdog, certGuard, backup); "unknown" when systemctl said nothing. */
  units: Record<string, string>;
  certificate: CertificateStatus | null;
  boot: { lines: string[] };
  disk: { data: DiskStatus | null; root: DiskStatus | null };
  memory: { gatewayBytes: number | null; gatewayMaxBytes: number | null; hostTotalBytes: number | null; hostAvailableBytes: number | null };
  /** null when the boot log names no data volume. */
  snapshot: { volumeId: string; latest?: { id: string; state: string; startTime: string; progress: string } | null; error?: string } | null;
  watchdog: { lastVerdict: string | null; maintenance: boolean };
  /**
   * openclaw's backup archives on the data volume (modules/host/backup.ts): how many, the newest by
   * modification time (null: none yet), and the backup service's last Result= ("success" also before its first run).
   */
  backups: { count: number | null; lastResult: string | null; latest: { name: string; sizeBytes: number | null; modifiedAt: string | null } | null };
}

// ---------------------------------------------------------------- pure: the last boot

/** The last boot, from its log lines. */
export interface BootSummary {
  /** "succeeded": its summary line; "failed": its FAILED line; "unfinished": neither (still running, or killed); "unknown": no log. */
  result: "succeeded" | "failed" | "unfinished" | "unknown";
  startedAt: string | null;
  /** Seconds from its start to its summary (the script's own count) or its failure; null while unfinished. */
  seconds: number | null;
  /** The step it failed in, or the last step it reached. */
  step: string | null;
}

const LOG_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) /;
const timeOf = (line: string): number | undefined => {
  const m = LOG_TIME.exec(line);
  return m ? Date.parse(m[1]) / 1000 : undefined;
};

/** Reads the last boot's result and duration from the lines the document sent (BOOT_LINE_PATTERN). */
export function lastBoot(lines: readonly string[]): BootSummary {
  const start = lines.map((l) => l.includes("     openclaw-aws boot for environment ")).lastIndexOf(true);
  const boot = lines.slice(Math.max(start, 0));
  if (boot.length === 0) return { result: "unknown", startedAt: null, seconds: null, step: null };
  const begun = timeOf(boot[0]);
  const startedAt = begun === undefined ? null : new Date(begun * 1000).toISOString().replace(".000Z", "Z");
  const steps = boot.map((l) => / ==> (.+)$/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
  const lastStep = steps.at(-1) ?? null;
  const failed = boot.find((l) => l.includes("     FAILED in step "));
  if (failed) {
    const at = timeOf(failed);
    return { result: "failed", startedAt, seconds: at !== undefined && begun !== undefined ? at - begun : null, step: /FAILED in step '([^']*)'/.exec(failed)?.[1] ?? lastStep };
  }
  const summary = boot.find((l) => l.includes("     summary: "));
  if (summary) {
    const ready = /ready in (\d+)s$/.exec(summary);
    const at = timeOf(summary);
    return { result: "succeeded", startedAt, seconds: ready ? Number(ready[1]) : at !== undefined && begun !== undefined ? at - begun : null, step: lastStep };
  }
  return { result: "unfinished", startedAt, seconds: null, step: lastStep };
}

// ---------------------------------------------------------------- pure: the report

/** Limits past which a fact is marked as a problem. */
export const STATUS_LIMITS = {
  /** Percent of a file system in use. */
  diskPercent: 85,
  /** Percent of the gateway unit's MemoryMax in use (systemd kills it at 100). */
  gatewayMemoryPercent: 90,
  /** Percent of the host's memory still available, below which it is short. */
  hostAvailablePercent: 10,
  /** Days of certificate validity left. */
  certificateDays: 14,
  /** Hours since the latest snapshot started: DLM takes one a day (modules/constructs/storage.ts), so two missed. */
  snapshotHours: 50,
  /** Hours since the newest backup archive was written: one a night (modules/host/backup.ts), so two missed. */
  backupHours: 50,
} as const;

/** One line of the screen: a fact, and whether it is a problem. */
export interface StatusFact {
  key: string;
  text: string;
  problem: boolean;
}

/** What `npm run status -- --json` prints (documented in docs/operating.md#status). */
export interface StatusReport {
  environment: string;
  region: string;
  group: {
    name: string;
    desired: number;
    min: number;
    max: number;
    instances: Array<{ instanceId: string; lifecycleState: string; healthStatus: string; availabilityZone: string }>;
    /** True while an instance waits in the launch lifecycle hook (Pending:Wait): its boot has not completed it. */
    launchHookPending: boolean;
    latestRefresh: { id: string; status: string; statusReason: string; startTime: string | null; endTime: string | null; percentageComplete: number | null } | null;
  };
  /** The instance the document ran on, or null when none is InService. */
  instanceId: string | null;
  host: (Omit<HostStatus, "boot"> & { boot: BootSummary }) | null;
  /** Every fact, in screen order, with its problem mark. */
  facts: StatusFact[];
  /** The facts marked as problems. */
  problems: string[];
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const size = (bytes: number): string => (bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${Math.round(bytes / MIB)} MiB`);
const percent = (part: number, whole: number): number => Math.round((part / whole) * 100);
const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);
const ago = (hours: number): string => (hours < 48 ? `${Math.round(hours)} h ago` : `${Math.round(hours / 24)} days ago`);

function groupFacts(group: StatusReport["group"]): StatusFact[] {
  const facts: StatusFact[] = [{
    key: "group", text: `${group.name}: desired ${group.desired}, min ${group.min}, max ${group.max}`, problem: group.desired < 1,
  }];
  if (group.instances.length === 0) facts.push({ key: "instance", text: "none", problem: true });
  for (const i of group.instances) {
    facts.push({
      key: "instance",
      text: `${i.instanceId} ${i.lifecycleState} ${i.healthStatus}${i.availabilityZone ? ` (${i.availabilityZone})` : ""}`,
      problem: i.lifecycleState !== "InService" || i.healthStatus === "Unhealthy",
    });
  }
  facts.push(group.launchHookPending
    ? { key: "lifecycle", text: "launch hook pending: an instance is booting (Pending:Wait until its boot completes the hook)", problem: false }
    : { key: "lifecycle", text: "no launch hook pending", problem: false });
  const r = group.latestRefresh;
  facts.push(r
    ? {
      key: "refresh",
      text: `${r.status} ${r.id}, started ${r.startTime ?? "?"}${r.endTime ? `, ended ${r.endTime}` : ""}`
        + `${r.percentageComplete !== null ? ` (${r.percentageComplete}%)` : ""}${r.statusReason ? `: ${r.statusReason}` : ""}`,
      problem: /Failed|Rollback/.test(r.status),
    }
    : { key: "refresh", text: "none in the last six weeks", problem: false });
  return facts;
}

function diskFact(name: string, d: DiskStatus | null): StatusFact {
  if (!d || d.sizeBytes === null || d.usedBytes === null || d.sizeBytes === 0) return { key: `disk ${name}`, text: "unknown", problem: true };
  if (d.mounted === false) return { key: `disk ${name}`, text: `${d.mount} is not mounted`, problem: true };
  const used = percent(d.usedBytes, d.sizeBytes);
  return { key: `disk ${name}`, text: `${d.mount} ${size(d.usedBytes)} of ${size(d.sizeBytes)} used (${used}%)`, problem: used >= STATUS_LIMITS.diskPercent };
}

function hostFacts(host: NonNullable<StatusReport["host"]>, s: Pick<GatewaySettings, "versions">, nowMs: number): StatusFact[] {
  const facts: StatusFact[] = [];
  facts.push({ key: "healthz", text: host.healthz.ok ? "ok" : "FAILED: the gateway did not answer /healthz on loopback", problem: !host.healthz.ok });
  const v = host.versions;
  const pinned = { node: s.versions.node, openclaw: s.versions.openclaw, traefik: s.versions.traefik };
  const drift = (Object.keys(pinned) as Array<keyof typeof pinned>).filter((k) => v[k] !== pinned[k]);
  facts.push({
    key: "versions",
    text: `node ${v.node ?? "?"}, openclaw ${v.openclaw ?? "?"}, traefik ${v.traefik ?? "?"}`
      + (drift.length ? ` (settings.json pins ${drift.map((k) => `${k} ${pinned[k]}`).join(", ")}: not deployed yet, or not installed)` : ""),
    problem: drift.length > 0,
  });
  const units = Object.entries(host.units);
  facts.push({ key: "units", text: units.map(([k, state]) => `${k} ${state}`).join(", "), problem: units.some(([, state]) => state !== "active") });
  const c = host.certificate;
  facts.push(c
    ? {
      key: "certificate",
      text: `${c.cert} issued by ${c.issuer ?? "?"}, expires ${c.notAfter ?? "?"}${c.daysLeft !== null ? ` (${c.daysLeft} days)` : ""}; guard ${c.state} at ${c.checkedAt}`,
      problem: c.state !== "OK" || c.cert !== "OK" || (c.daysLeft !== null && c.daysLeft < STATUS_LIMITS.certificateDays),
    }
    : { key: "certificate", text: "unknown: the cert guard has not reported yet (it first runs 10 minutes after the boot)", problem: false });
  const b = host.boot;
  const bootText = {
    succeeded: `succeeded, started ${b.startedAt}, ready in ${b.seconds} s`,
    failed: `FAILED in step '${b.step}' after ${b.seconds ?? "?"} s (started ${b.startedAt})`,
    unfinished: `unfinished: started ${b.startedAt}, last step '${b.step}'`,
    unknown: "unknown: no boot log",
  }[b.result];
  facts.push({ key: "boot", text: bootText, problem: b.result !== "succeeded" });
  facts.push(diskFact("data", host.disk.data), diskFact("root", host.disk.root));
  const m = host.memory;
  const gateway = m.gatewayBytes !== null
    ? `gateway ${size(m.gatewayBytes)}${m.gatewayMaxBytes !== null ? ` of ${size(m.gatewayMaxBytes)} MemoryMax (${percent(m.gatewayBytes, m.gatewayMaxBytes)}%)` : ""}`
    : "gateway unknown";
  const hostMemory = m.hostAvailableBytes !== null && m.hostTotalBytes !== null
    ? `host ${size(m.hostAvailableBytes)} available of ${size(m.hostTotalBytes)}` : "host unknown";
  facts.push({
    key: "memory",
    text: `${gateway}; ${hostMemory}`,
    problem: (m.gatewayBytes !== null && m.gatewayMaxBytes !== null && percent(m.gatewayBytes, m.gatewayMaxBytes) >= STATUS_LIMITS.gatewayMemoryPercent)
      || (m.hostAvailableBytes !== null && m.hostTotalBytes !== null && percent(m.hostAvailableBytes, m.hostTotalBytes) < STATUS_LIMITS.hostAvailablePercent),
  });
  facts.push({
    key: "watchdog",
    text: `${host.watchdog.maintenance ? "PAUSED (maintenance switch on); " : ""}last verdict: ${host.watchdog.lastVerdict ?? "none yet"}`,
    problem: host.watchdog.maintenance,
  });
  facts.push(snapshotFact(host.snapshot, nowMs));
  facts.push(backupFact(host.backups, nowMs));
  return facts;
}

/** The newest openclaw backup archive: name, size, age; marked when the last run failed or the newest is two nights old. */
function backupFact(backups: HostStatus["backups"] | undefined, nowMs: number): StatusFact {
  if (!backups) return { key: "backup", text: "unknown: the host did not report its backups", problem: true };
  const failed = backups.lastResult !== null && backups.lastResult !== "success";
  const lastRun = failed ? `; the last run FAILED (${backups.lastResult}): journalctl -u openclaw-backup.service` : "";
  const latest = backups.latest;
  if (!latest) return { key: "backup", text: `none yet (openclaw-backup runs daily at 02:30 UTC)${lastRun}`, problem: failed };
  const hours = latest.modifiedAt ? (nowMs - Date.parse(latest.modifiedAt)) / 3_600_000 : undefined;
  const bytes = latest.sizeBytes === null ? "?" : latest.sizeBytes < MIB ? `${Math.max(1, Math.round(latest.sizeBytes / 1024))} KiB` : size(latest.sizeBytes);
  return {
    key: "backup",
    text: `${latest.name}, ${bytes}, ${hours === undefined ? "age unknown" : ago(hours)} (${backups.count ?? "?"} kept)${lastRun}`,
    problem: failed || hours === undefined || hours > STATUS_LIMITS.backupHours,
  };
}

function snapshotFact(snapshot: HostStatus["snapshot"], nowMs: number): StatusFact {
  if (!snapshot) return { key: "snapshot", text: "unknown: the boot log names no data volume", problem: true };
  if (snapshot.error) return { key: "snapshot", text: `of ${snapshot.volumeId}: the host could not list them: ${snapshot.error}`, problem: true };
  const latest = snapshot.latest;
  if (!latest) return { key: "snapshot", text: `of ${snapshot.volumeId}: none yet (DLM takes one a day at 03:00 UTC)`, problem: false };
  const hours = (nowMs - Date.parse(latest.startTime)) / 3_600_000;
  return {
    key: "snapshot",
    text: `${latest.id} of ${snapshot.volumeId}: ${latest.state}${latest.state === "completed" ? "" : ` ${latest.progress}`}, started ${latest.startTime} (${ago(hours)})`,
    problem: latest.state === "error" || hours > STATUS_LIMITS.snapshotHours,
  };
}

/** Joins what Auto Scaling and the host said into the report, with its facts and problems. */
export function statusReport(input: {
  target: Target;
  settings: Pick<GatewaySettings, "versions">;
  group: GroupState;
  refresh: InstanceRefreshState | undefined;
  instanceId: string | null;
  host: HostStatus | null;
  nowMs: number;
}): StatusReport {
  const { target, group, refresh, host } = input;
  const reportGroup: StatusReport["group"] = {
    name: target.autoScalingGroup,
    desired: group.desired,
    min: group.min,
    max: group.max,
    instances: group.instances,
    launchHookPending: group.instances.some((i) => i.lifecycleState === "Pending:Wait"),
    latestRefresh: refresh
      ? { id: refresh.id, status: refresh.status, statusReason: refresh.statusReason, startTime: iso(refresh.startTime), endTime: iso(refresh.endTime), percentageComplete: refresh.percentageComplete ?? null }
      : null,
  };
  const reportHost = host ? { ...host, boot: lastBoot(host.boot.lines) } : null;
  const facts = [
    ...groupFacts(reportGroup),
    ...(reportHost
      ? hostFacts(reportHost, input.settings, input.nowMs)
      : [{ key: "host", text: "not checked: no InService instance", problem: true }]),
  ];
  return {
    environment: target.environment,
    region: target.region,
    group: reportGroup,
    instanceId: input.instanceId,
    host: reportHost,
    facts,
    problems: facts.filter((f) => f.problem).map((f) => `${f.key}: ${f.text}`),
  };
}

/** The screen: a title, then one line per fact, problems marked with "!". Host strings are escaped (terminalSafe). */
export function renderStatus(report: StatusReport, checkedAt: string): string {
  const width = Math.max(...report.facts.map((f) => f.key.length));
  return [
    `openclaw-${report.environment} (${report.region}) at ${checkedAt}`,
    ...report.facts.map((f) => `${f.problem ? "!" : " "} ${f.key.padEnd(width)}  ${terminalSafe(f.text)}`),
    report.problems.length ? `${report.problems.length} problem(s), marked "!"` : "no problems",
  ].join("\n");
}

// ---------------------------------------------------------------- the CLI's side

/**
 * `npm run status`: the group, the latest refresh, the host's status (when an instance is
 * InService), printed as the screen or as JSON. Exit 1 (an OpsError after the output) when any
 * fact is a problem or no instance is InService, so scripts can use it as a check.
 */
export async function runStatus(ctx: OperationContext, op: DocumentOperation): Promise<void> {
  const { target } = ctx;
  const group = await ctx.call("describing the Auto Scaling group", () => ctx.aws.describeGroupState(target.autoScalingGroup));
  if (!group) {
    pickInstance(undefined, target); // throws: the group does not exist
    return;
  }
  const refresh = await ctx.call("describing the instance refreshes", () => ctx.aws.latestInstanceRefresh(target.autoScalingGroup));
  let instanceId: string | null = null;
  let noInstance = "";
  try {
    instanceId = pickInstance(group.instances, target);
  } catch (error) {
    if (!(error instanceof OpsError)) throw error;
    noInstance = error.message;
  }
  const host = instanceId ? parseHostJson(await ctx.runDocument(op), "status") as unknown as HostStatus : null;
  const report = statusReport({ target, settings: ctx.settings, group, refresh, instanceId, host, nowMs: ctx.now() });
  ctx.io.out(ctx.flags.json ? JSON.stringify(report, null, 2) : renderStatus(report, new Date(ctx.now()).toISOString()));
  if (noInstance) throw new OpsError(noInstance);
  if (report.problems.length) throw new OpsError(`${report.problems.length} problem(s):\n${report.problems.map((p) => `  ${p}`).join("\n")}`);
}
