/**
 * A model of downtime: for each way the gateway goes down and comes back (a watchdog-detected failure,
 * an EC2 status-check failure, an instance refresh, a host change), the ordered stages from
 * the moment users lose the gateway to the moment the new host's gateway answers again, each with a
 * figure and where the figure comes from:
 * - `measured`: our own stages, from the timing reports the tests write (reports/timings/*.json:
 *   the boot script in the bubblewrap sandbox, the real openclaw started natively, the VM proof);
 * - `cited`: AWS's stages, from documentation or a public measurement (URL + read date);
 * - `config`: this project's own constants (watchdog settings, the boot script's waits), imported;
 * - `unknown`: no citable number; a bound with its reasoning where one exists.
 * Parallel branches (the old host releasing the volume while the new one boots) join at the volume;
 * the critical path takes the longer branch. `npm run bench -- downtime` prints it; `npm run docs`
 * writes the README's "What to expect" table from it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { HEALTH_CHECK_GRACE_SECONDS } from "../constructs/host";
import { WAITS } from "../host/steps";
import { DEFAULT_WATCHDOG, toleratedStallSeconds, WATCHDOG_GET_TIMEOUT_SECONDS, WatchdogSettings } from "../settings/settings";

/** The day every cited figure below was read. */
export const CITED_ON = "2026-11-30";

/** Where a measured figure was taken. VM (TCG) figures are emulated (~2×+ slower) and never stand for EC2. */
export type MeasuredWhere = "sandbox" | "native openclaw" | "VM (TCG)";

/** One `==> step` line of a boot log: its UTC time (epoch seconds) and, on a serial console, the kernel's uptime. */
export interface StepMark { step: string; utc: number; uptime?: number }

/** How long one boot step took, in seconds. */
export interface StepTiming { step: string; seconds: number }

const STEP_LINE = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) ==> (.+?)\s*$/;
const UPTIME = /\[\s*(\d+\.\d+)\]/g;

/**
 * The step marks of a boot log (`YYYY-MM-DDTHH:MM:SSZ ==> <step>`, as `step()` in modules/host/steps.ts
 * prints them), also from a VM's serial console, where each line carries the kernel's `[ uptime ]`.
 */
export function parseBootLog(text: string): StepMark[] {
  return text.split("\n").flatMap((raw) => {
    // eslint-disable-next-line no-control-regex
    const line = raw.replace(/\x1b\[[0-9;]*m/g, "").replace(/\r$/, "");
    const m = STEP_LINE.exec(line);
    if (!m) return [];
    // The last [ uptime ] before the step (a console line may start with another message's text).
    const uptime = [...line.slice(0, m.index).matchAll(UPTIME)].pop();
    return [{ step: m[2], utc: Date.parse(m[1]) / 1000, ...(uptime ? { uptime: Number(uptime[1]) } : {}) }];
  });
}

/**
 * Seconds each step took, until the next step's mark (the last step has no duration). The kernel's
 * uptime when every mark has one (sub-second), else the UTC seconds (1 s resolution).
 */
export function stepTimings(marks: StepMark[]): StepTiming[] {
  const precise = marks.length > 0 && marks.every((m) => m.uptime !== undefined);
  const at = (m: StepMark) => (precise ? m.uptime! : m.utc);
  return marks.slice(0, -1).map((m, i) => ({ step: m.step, seconds: round(at(marks[i + 1]) - at(m)) }));
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

/** A boot's per-step timings, as reports/timings/{boot-sandbox,vm-<scenario>}.json hold them. */
export interface BootTimings {
  kind: "boot";
  where: MeasuredWhere;
  /** What ran, e.g. "boot-sandbox first boot" or "VM (TCG) replacement". */
  run: string;
  measuredAt: string;
  steps: StepTiming[];
  /** Seconds from the kernel's start to the first step (serial consoles only): image boot to user data. */
  firstStepAfterKernelStart?: number;
}

/** The real openclaw gateway's start and stop, natively (reports/timings/openclaw-start.json). */
export interface GatewayTimings {
  kind: "gateway";
  where: "native openclaw";
  measuredAt: string;
  /** Spawn to the first 200 on /healthz. */
  startupMs: number;
  /** Spawn to the first 200 on /readyz. */
  readyMs: number;
  /** SIGTERM to exit. */
  stopMs?: number;
}

/** The timing report of one boot log. */
export function bootTimings(where: MeasuredWhere, run: string, log: string, measuredAt: string): BootTimings {
  const marks = parseBootLog(log);
  const first = marks[0]?.uptime;
  return { kind: "boot", where, run, measuredAt, steps: stepTimings(marks), ...(first !== undefined ? { firstStepAfterKernelStart: first } : {}) };
}

/** The files a stage's figure comes from, and how each is produced. */
export const TIMING_REPORTS = {
  sandbox: { file: "reports/timings/boot-sandbox.json", produce: "npx jest __tests__/integration/boot-sandbox.test.ts" },
  gateway: { file: "reports/timings/openclaw-start.json", produce: "npx jest __tests__/integration/openclaw-gateway.test.ts" },
  vm: { file: "reports/timings/vm-<scenario>.json", produce: "npm run test:vm (writes one per scenario from its serial console)" },
} as const;

/** The measured inputs of the model; a missing one makes its stages `unknown`. */
export interface DowntimeInputs {
  sandbox?: BootTimings;
  gateway?: GatewayTimings;
  /** VM (TCG) boots by scenario: shown for comparison, never used as an EC2 figure. */
  vm?: Record<string, BootTimings>;
}

/** Where a stage's figure comes from. */
export type Source =
  | { kind: "measured"; where: MeasuredWhere; detail: string }
  | { kind: "cited"; url: string; read: string; says: string }
  | { kind: "config"; constant: string }
  | { kind: "unknown"; why: string; url?: string };

/** One stage: its expected seconds (absent when unknown) and an upper bound where one is known. */
export interface Stage { name: string; seconds?: number; upTo?: number; source: Source }

/** Stages in order; a `parallel` segment's branches run at the same time and the next stage waits for all. */
export type Segment = Stage | { parallel: Stage[][] };

/** One way down and back up. */
export interface DowntimePath {
  name: string;
  /** The event the downtime starts with. */
  starts: string;
  /** The event it ends with. */
  ends: string;
  segments: Segment[];
  /** What the stages leave out, e.g. a refresh's start (not downtime). */
  note?: string;
}

/** A path evaluated: the critical path, its known total, its bound and what is not known. */
export interface PathResult {
  path: DowntimePath;
  /** The stages the downtime waits for, in order (the longer branch of each parallel segment). */
  critical: Stage[];
  /** Stages that run meanwhile on a shorter branch. */
  overlapped: Stage[];
  /** Sum of the known figures on the critical path. */
  seconds: number;
  /**
   * Worst case of the bounded stages: the bounds (else figures) added up, the larger branch's at each
   * parallel segment; unknown stages without a bound add nothing and are listed in `unknown`.
   */
  upTo: number;
  /** Stages without a figure, on the critical path or overlapped (an unknown overlapped stage may be the longer one). */
  unknown: Stage[];
}

/** Every stage of a path, in order, parallel branches flattened. */
export const stagesOf = (path: DowntimePath): Stage[] => path.segments.flatMap((s) => ("parallel" in s ? s.parallel.flat() : [s]));

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const known = (stages: Stage[]) => sum(stages.map((s) => s.seconds ?? 0));
/** The stages' bounds added up: a stage's bound, else its figure; an unknown without a bound adds nothing (it is listed as unknown). */
const bounded = (stages: Stage[]) => sum(stages.map((s) => s.upTo ?? s.seconds ?? 0));

/** The critical path of a path: each parallel segment contributes its branch with the largest known total. */
export function evaluatePath(path: DowntimePath): PathResult {
  const critical: Stage[] = [];
  const overlapped: Stage[] = [];
  let upTo = 0;
  for (const segment of path.segments) {
    if (!("parallel" in segment)) {
      critical.push(segment);
      upTo += bounded([segment]);
      continue;
    }
    const longest = segment.parallel.reduce((best, branch) => (known(branch) > known(best) ? branch : best));
    critical.push(...longest);
    overlapped.push(...segment.parallel.filter((b) => b !== longest).flat());
    upTo += Math.max(...segment.parallel.map(bounded));
  }
  return { path, critical, overlapped, seconds: round(known(critical), 1), upTo: round(upTo, 1), unknown: stagesOf(path).filter((s) => s.seconds === undefined) };
}

/** Step names that open each phase of the boot (modules/host/steps.ts), matched by prefix. */
export const BOOT_PHASES = {
  /** Everything before the volume: metadata, SSM agent, packages, host name, swap, finding the volume. */
  beforeVolume: { from: "instance metadata", to: "wait for the data volume" },
  /** Attach call, filesystem check, mount, growth. */
  volume: { from: "attach the data volume", to: "associate the Elastic IP" },
  /** Address, runtimes (present on the volume after the first boot), users, files, secrets, units, DNS, start. */
  configure: { from: "associate the Elastic IP", to: "wait for the gateway's /healthz" },
} as const;

/** Seconds of the steps from the one starting with `from` up to (not including) the one starting with `to`; undefined when either is missing. */
export function phaseSeconds(steps: StepTiming[], phase: { from: string; to: string }): number | undefined {
  const start = steps.findIndex((s) => s.step.startsWith(phase.from));
  const end = steps.findIndex((s) => s.step.startsWith(phase.to));
  return start < 0 || end < start ? undefined : round(sum(steps.slice(start, end).map((s) => s.seconds)), 1);
}

// Cited figures (read on CITED_ON).
const ASG_HEALTH = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/set-up-a-custom-health-check.html";
const ASG_EC2_CHECKS = "http://docs.aws.amazon.com/autoscaling/latest/userguide/as-maintain-instance-levels.html";
const STATUS_METRIC = "https://pulumi.com/docs/reference/pkg/nodejs/pulumi/awsx/functions/classic.ec2.metrics.statusCheckFailed.html";
const DEPOT_BOOT = "https://depot.dev/blog/faster-ec2-boot-time";
const DAEMONOLOGY_BOOT = "http://www.daemonology.net/blog/2021-08-12-EC2-boot-time-benchmarking.html";
/** Our group's policy (0 % minimum healthy) is "Terminate and launch": the two branches of the replacement run together. */
const TERMINATE_AND_LAUNCH = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/set-instance-maintenance-policy.html";
const ELASTIC_IP = "http://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html";

/** A stage measured by a boot report's phase, or unknown (naming the report to produce) when the report is missing. */
function measuredPhase(name: string, boot: BootTimings | undefined, phase: { from: string; to: string }, note: string): Stage {
  const seconds = boot && phaseSeconds(boot.steps, phase);
  if (seconds === undefined) return { name, source: { kind: "unknown", why: `not measured yet: run ${TIMING_REPORTS.sandbox.produce} (writes ${TIMING_REPORTS.sandbox.file})` } };
  return { name, seconds, source: { kind: "measured", where: boot!.where, detail: `steps "${phase.from}" … before "${phase.to}" of ${boot!.run} (${boot!.measuredAt.slice(0, 10)}); ${note}` } };
}

/**
 * The replacement every path ends with: the old host releases the volume while the group launches
 * the new one ("Terminate and launch – New instances are provisioned at the same time your existing
 * instances are terminated", Amazon EC2 Auto Scaling User Guide, set-instance-maintenance-policy, read 2026-11-30), which boots to the volume; then attach, mount, address, configuration and the
 * gateway's start. Downtime ends when the new gateway answers /healthz (Traefik is already started:
 * the address, the DNS name and the certificates on the volume are the old ones).
 */
export function replacementStages(inputs: DowntimeInputs): Segment[] {
  const { sandbox, gateway } = inputs;
  const volumeWait = WAITS.volume.attempts * WAITS.volume.delay;
  return [
    {
      parallel: [
        [
          gateway?.stopMs !== undefined
            ? { name: "old host: the gateway stops on SIGTERM", seconds: round(gateway.stopMs / 1000, 1), source: { kind: "measured", where: "native openclaw", detail: `SIGTERM to exit (${gateway.measuredAt.slice(0, 10)})` } }
            : { name: "old host: the gateway stops on SIGTERM", source: { kind: "unknown", why: `not measured yet: run ${TIMING_REPORTS.gateway.produce}` } },
          {
            name: "EC2 shuts the old instance down and detaches the volume", upTo: volumeWait,
            source: { kind: "unknown", url: TERMINATE_AND_LAUNCH, why: `runs while the new instance launches ("New instances are provisioned at the same time your existing instances are terminated", ${TERMINATE_AND_LAUNCH}); no published figure for it; bounded by the new boot's wait for the volume (WAITS.volume: ${WAITS.volume.attempts} × ${WAITS.volume.delay} s), beyond which that boot fails and the group launches another` },
          },
          {
            name: "the new boot notices the free volume (poll interval)", seconds: WAITS.volume.delay / 2, upTo: WAITS.volume.delay,
            source: { kind: "config", constant: `WAITS.volume.delay = ${WAITS.volume.delay} s (modules/host/steps.ts): on average half of it` },
          },
        ],
        [
          {
            name: "the group launches the new instance; EC2 boots it to user data", seconds: 40,
            source: { kind: "cited", url: DEPOT_BOOT, read: CITED_ON, says: "about 40 s from RunInstances to a booted instance, before their optimizations (2024); ~24 s to the network in " + DAEMONOLOGY_BOOT + " (2021)" },
          },
          measuredPhase("new host: boot steps before the volume (metadata, SSM agent, packages, host name, swap, find the volume)", sandbox, BOOT_PHASES.beforeVolume, "the package manager and AWS are faked"),
        ],
      ],
    },
    {
      name: "EBS attaches the volume and its NVMe device appears", upTo: WAITS.aws.attempts * WAITS.aws.delay + WAITS.device.attempts * WAITS.device.delay,
      source: { kind: "unknown", why: `no published figure; bounded by the boot's attach retries and device wait (WAITS.aws ${WAITS.aws.attempts} × ${WAITS.aws.delay} s + WAITS.device ${WAITS.device.attempts} × ${WAITS.device.delay} s), beyond which the boot fails` },
    },
    measuredPhase("new host: attach call, filesystem check, mount, grow", sandbox, BOOT_PHASES.volume, "AWS is faked"),
    {
      name: "EC2 moves the Elastic IP to the new instance",
      source: { kind: "unknown", url: ELASTIC_IP, why: `AWS says "rapidly remapping" (${ELASTIC_IP}) with no figure for AssociateAddress to traffic arriving; the call itself is bounded by the boot's retries` },
    },
    measuredPhase("new host: address call, runtimes (already on the volume), users, files, secrets, units, start services", sandbox, BOOT_PHASES.configure, "AWS, the package manager and systemd are faked"),
    {
      // Inside the phase above, where the sandbox's fake npm takes no time: the real cost is on top of it.
      name: "new host: re-verify openclaw on the volume (x86_64: its tree hashed against the pinned manifest; arm64: a fresh offline install of its lock, compared file by file)",
      source: { kind: "unknown", why: "the sandbox's openclaw is a fake tree; no EC2 figure (a volume restored from a snapshot reads its blocks lazily). On this machine, the real tree (647 MB, ~20 000 files): hashing 4.8-5.5 s beside the VM proof (2026-12-02); the fresh offline install ~13 s natively, 301 s under TCG" },
    },
    gateway
      ? { name: "the gateway starts and answers /healthz", seconds: round(gateway.startupMs / 1000, 1), source: { kind: "measured", where: "native openclaw", detail: `spawn to the first 200 on /healthz, the real openclaw on this machine (${gateway.measuredAt.slice(0, 10)})` } }
      : { name: "the gateway starts and answers /healthz", source: { kind: "unknown", why: `not measured yet: run ${TIMING_REPORTS.gateway.produce} (writes ${TIMING_REPORTS.gateway.file})` } },
  ];
}

/**
 * The watchdog's detection: the first failed check comes on average half an interval after the failure,
 * then N−1 more; at most N intervals, plus the last GET's timeout when the gateway hangs instead of
 * refusing the connection.
 */
export function watchdogDetection(w: WatchdogSettings = DEFAULT_WATCHDOG): Stage {
  const { intervalSeconds: i, failuresBeforeReplacement: n } = w;
  return {
    name: `the watchdog sees ${n} failed checks in a row and marks the instance Unhealthy`,
    seconds: (n - 1) * i + i / 2, upTo: n * i + WATCHDOG_GET_TIMEOUT_SECONDS,
    source: { kind: "config", constant: `watchdog.intervalSeconds × failuresBeforeReplacement = ${i} s × ${n} (modules/settings/settings.ts), the first check on average half an interval after the failure; up to ${WATCHDOG_GET_TIMEOUT_SECONDS} s more for a hung GET. A healthy gateway is reported only after a stall of more than ${toleratedStallSeconds(w)} s` },
  };
}

/** The paths, for the given watchdog settings and measured inputs. */
export function downtimePaths(inputs: DowntimeInputs, watchdog: WatchdogSettings = DEFAULT_WATCHDOG): DowntimePath[] {
  const replacement = replacementStages(inputs);
  const asgActs: Stage = {
    name: "the group starts replacing the instance",
    source: { kind: "unknown", url: ASG_HEALTH, why: "AWS says a custom Unhealthy report \"causes Amazon EC2 Auto Scaling to immediately replace it\", with no figure" },
  };
  const refresh = "The refresh (0 % minimum healthy) terminates the old instance first; the time from its start to that termination is not downtime.";
  return [
    { name: "watchdog-detected failure", starts: "the gateway stops answering /healthz", ends: "the new host's gateway answers /healthz", segments: [watchdogDetection(watchdog), asgActs, ...replacement] },
    {
      name: "EC2 status-check failure", starts: "the instance becomes unreachable", ends: "the new host's gateway answers /healthz",
      segments: [
        {
          name: "EC2 reports the status check impaired; the group marks the instance unhealthy",
          source: { kind: "unknown", url: ASG_EC2_CHECKS, why: `the group "periodically" reads the EC2 status checks (${ASG_EC2_CHECKS}); the StatusCheckFailed metric has a 1-minute frequency (${STATUS_METRIC}); the number of failed checks before "impaired" is not published. At least one check (60 s); not acted on within the group's grace period (${HEALTH_CHECK_GRACE_SECONDS} s) after a launch` },
        },
        ...replacement,
      ],
    },
    { name: "instance refresh (upgrade, weekly patch)", starts: "the old instance is terminated", ends: "the new host's gateway answers /healthz", segments: replacement, note: refresh },
    {
      name: "host change (user data: versions, downloads, watchdog, alerts …; an instance refresh)", starts: "the old instance is terminated", ends: "the new host's gateway answers /healthz", segments: replacement,
      note: `Any change to the user data is a new launch template version, which starts a refresh. A change to openclaw.json alone (the openclaw overlay, model, toolPolicy) is not one: openclaw-apply-config applies it on the running host, hot (no downtime) or with a gateway restart (docs/operating.md "Changing the configuration"). ${refresh}`,
    },
  ];
}


const secondsText = (n: number | undefined) => (n === undefined ? "?" : `${Math.round(n)} s`);
const sourceText = (s: Source): string => {
  switch (s.kind) {
    case "measured": return `measured (${s.where}): ${s.detail}`;
    case "cited": return `cited (${s.url}, read ${s.read}): ${s.says}`;
    case "config": return `config: ${s.constant}`;
    case "unknown": return `unknown: ${s.why}`;
  }
};

/** The bench's text for the evaluated paths. */
export function renderPaths(results: PathResult[]): string {
  return results.map((r) => {
    const criticalSet = new Set(r.critical);
    const lines = stagesOf(r.path).map((s) =>
      `  ${criticalSet.has(s) ? "*" : " "} ${s.name}\n      ${secondsText(s.seconds).padStart(6)}  up to ${secondsText(s.upTo ?? s.seconds).padStart(6)}  ${sourceText(s.source)}`);
    return [
      `${r.path.name}: from "${r.path.starts}" to "${r.path.ends}"${r.path.note ? `\n  (${r.path.note})` : ""}`,
      ...lines,
      `  total (critical path, * above): ${secondsText(r.seconds)} from the known figures` +
        (r.unknown.length ? ` + ${r.unknown.length} unknown stage(s): ${r.unknown.map((s) => s.name).join("; ")}` : "") +
        `; up to ${secondsText(r.upTo)} for the bounded stages`,
    ].join("\n");
  }).join("\n\n");
}

/** The markers around the README's generated "What to expect" table. */
export const DOWNTIME_START = "<!-- downtime:start (generated by `npm run docs` from modules/review/downtime.ts) -->";
export const DOWNTIME_END = "<!-- downtime:end -->";

/** The known seconds of the critical path per kind of source, e.g. "config 270 s · cited 40 s · measured 24 s". */
export function byKind(stages: Stage[]): string {
  const kinds = [...new Set(stages.filter((s) => s.seconds !== undefined).map((s) => s.source.kind))];
  return kinds.map((k) => `${k} ${secondsText(known(stages.filter((s) => s.source.kind === k)))}`).join(" · ");
}

/** The README's table: per path, the known total of the critical path (by kind of source), its bound and its unknown stages. */
export function downtimeTable(results: PathResult[], inputs: DowntimeInputs): string {
  const dated = [inputs.sandbox && `sandbox boot ${inputs.sandbox.measuredAt.slice(0, 10)}`, inputs.gateway && `native openclaw ${inputs.gateway.measuredAt.slice(0, 10)}`].filter(Boolean).join(", ");
  return [
    `Measured here: ${dated || "nothing yet"}; cited figures read ${CITED_ON}. "Known" adds the figures of the critical path; the unknown stages come on top.`,
    "",
    "| path | from → to | known | of which | up to | not known yet |",
    "|---|---|---|---|---|---|",
    ...results.map((r) => `| ${r.path.name} | ${r.path.starts} → ${r.path.ends} | **${secondsText(r.seconds)}** | ${byKind(r.critical) || "—"} | ${secondsText(r.upTo)} | ${r.unknown.map((s) => s.name).join("; ") || "—"} |`),
  ].join("\n");
}

/** The page with the table between the markers replaced. */
export function withDowntimeTable(page: string, table: string): string {
  const start = page.indexOf(DOWNTIME_START);
  const end = page.indexOf(DOWNTIME_END);
  if (start < 0 || end < start) throw new Error(`the page lacks the markers ${DOWNTIME_START} … ${DOWNTIME_END}`);
  return `${page.slice(0, start + DOWNTIME_START.length)}\n${table}\n${page.slice(end)}`;
}

/**
 * The measured inputs the README's table is generated from: a copy of reports/timings/ taken with
 * `npm run bench -- downtime --record` (reports/ is not versioned; the table must not change with every test run).
 */
export const RECORDED_INPUTS_FILE = path.join(__dirname, "downtime-recorded.json");

/** The recorded inputs (empty when none were recorded). */
export function recordedInputs(file = RECORDED_INPUTS_FILE): DowntimeInputs {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DowntimeInputs) : {};
}

/** The measured inputs in a reports/timings folder: boot-sandbox.json, openclaw-start.json, vm-*.json (each optional). */
export function readTimingReports(dir: string): DowntimeInputs {
  const read = <T>(name: string): T | undefined => (existsSync(path.join(dir, name)) ? (JSON.parse(readFileSync(path.join(dir, name), "utf8")) as T) : undefined);
  const vmFiles = existsSync(dir) ? readdirSync(dir).filter((f) => /^vm-.+\.json$/.test(f)).sort() : [];
  const vm = Object.fromEntries(vmFiles.map((f) => [f.slice(3, -5), read<BootTimings>(f)!]));
  return {
    ...(read<BootTimings>("boot-sandbox.json") ? { sandbox: read<BootTimings>("boot-sandbox.json") } : {}),
    ...(read<GatewayTimings>("openclaw-start.json") ? { gateway: read<GatewayTimings>("openclaw-start.json") } : {}),
    ...(vmFiles.length ? { vm } : {}),
  };
}

/** What is missing from the inputs, and how to produce it. */
export function missingInputs(inputs: DowntimeInputs): string[] {
  return [
    ...(inputs.sandbox ? [] : [`${TIMING_REPORTS.sandbox.file}: ${TIMING_REPORTS.sandbox.produce}`]),
    ...(inputs.gateway ? [] : [`${TIMING_REPORTS.gateway.file}: ${TIMING_REPORTS.gateway.produce}`]),
    ...(inputs.vm ? [] : [`${TIMING_REPORTS.vm.file}: ${TIMING_REPORTS.vm.produce}`]),
  ];
}

/** The VM (TCG) boots per phase, for comparison only (emulated: never an EC2 figure). */
export function renderVmComparison(vm: Record<string, BootTimings>): string {
  const phases = Object.entries(BOOT_PHASES) as Array<[keyof typeof BOOT_PHASES, { from: string; to: string }]>;
  return Object.entries(vm).map(([scenario, boot]) => {
    const cells = phases.map(([name, phase]) => `${name} ${secondsText(phaseSeconds(boot.steps, phase))}`);
    const health = boot.steps.find((s) => s.step.startsWith("wait for the gateway's /healthz"));
    const toUserData = boot.firstStepAfterKernelStart === undefined ? "" : `kernel start → first step ${secondsText(boot.firstStepAfterKernelStart)}; `;
    return `  ${scenario}: ${toUserData}${cells.join(", ")}${health ? `, /healthz wait ${secondsText(health.seconds)}` : ""}`;
  }).join("\n");
}
