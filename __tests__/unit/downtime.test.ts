import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  bootTimings, BOOT_PHASES, CITED_ON, DowntimeInputs, DowntimePath, downtimePaths, downtimeTable, evaluatePath, missingInputs,
  parseBootLog, phaseSeconds, readTimingReports, stagesOf, stepTimings, watchdogDetection, withDowntimeTable, DOWNTIME_START, DOWNTIME_END,
} from "../../modules/review/downtime";
import { WAITS } from "../../modules/host/steps";
import { DEFAULT_WATCHDOG } from "../../modules/settings/settings";
import { DOWNTIME_PAGE, downtimeDocsTable } from "../../scripts/docs";
import { writeGatewayTimings, writeSandboxBootTimings, writeVmTimings } from "../helpers/timings";

/** Lines of the VM proof's serial console (CI rehearsal, replacement scenario), as written: CRLF, colours, a login prompt in front. */
const SERIAL = [
  "replacement login: [   38.535946] cloud-init[436]: Cloud-init v. 22.4.2 running 'modules:final' at Mon, 30 Nov 2026 18:01:28 +0000. Up 38.24 seconds.",
  "[   39.061560] cloud-init[436]: 2026-11-30T18:01:29Z     openclaw-aws boot for environment vmtest",
  "[   39.135406] cloud-init[436]: 2026-11-30T18:01:29Z ==> instance metadata (IMDSv2)",
  "[   39.838097] cloud-init[436]: 2026-11-30T18:01:30Z     instance i-0b000000000000002 in us-east-1",
  "[   39.896628] cloud-init[436]: 2026-11-30T18:01:30Z ==> SSM agent",
  "[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mamazon-ssm-agent.s…azon-ssm-agent stand-in (VM test).\r",
  "[   44.401843] cloud-init[436]: 2026-11-30T18:01:34Z ==> OS packages",
  "[   48.046182] cloud-init[436]: 2026-11-30T18:01:38Z ==> find the data volume",
  "[   60.793441] cloud-init[436]: 2026-11-30T18:01:51Z ==> wait for the data volume",
  "[   69.975874] cloud-init[436]: 2026-11-30T18:02:00Z ==> attach the data volume",
  "[   78.302444] cloud-init[436]: 2026-11-30T18:02:08Z ==> filesystem on the data volume",
  "[   82.367562] cloud-init[436]: 2026-11-30T18:02:12Z ==> associate the Elastic IP",
  "[  150.101139] cloud-init[436]: 2026-11-30T18:03:20Z ==> start services",
  "[  159.090051] cloud-init[436]: 2026-11-30T18:03:29Z ==> wait for the gateway's /healthz",
  "[  343.569929] cloud-init[436]: 2026-11-30T18:06:34Z ==> launch complete",
].map((l) => `${l}\r`).join("\n");

/** Lines of a boot log as the script writes it (/var/log/openclaw-bootstrap.log), with its failure line. */
const BOOT_LOG = [
  "2026-11-30T18:15:19Z     openclaw-aws boot for environment prod",
  "2026-11-30T18:15:19Z ==> instance metadata (IMDSv2)",
  "2026-11-30T18:15:20Z ==> SSM agent",
  "2026-11-30T18:15:25Z ==> OS packages",
  "2026-11-30T18:15:29Z ==> find the data volume",
  "2026-11-30T18:15:42Z ==> wait for the data volume",
  "2026-11-30T18:15:50Z ==> attach the data volume",
  "2026-11-30T18:16:50Z     FAILED in step 'attach the data volume' (exit 1, line 252); the boot did not complete",
].join("\n");

describe("boot log parser", () => {
  test("a serial console: every step line with the kernel's uptime, nothing else; timings to the next step, sub-second", () => {
    const marks = parseBootLog(SERIAL);
    expect(marks.map((m) => m.step)).toEqual(["instance metadata (IMDSv2)", "SSM agent", "OS packages", "find the data volume",
      "wait for the data volume", "attach the data volume", "filesystem on the data volume", "associate the Elastic IP", "start services",
      "wait for the gateway's /healthz", "launch complete"]);
    expect(marks[0]).toEqual({ step: "instance metadata (IMDSv2)", utc: Date.parse("2026-11-30T18:01:29Z") / 1000, uptime: 39.135406 });
    const timings = stepTimings(marks);
    expect(timings).toHaveLength(marks.length - 1);
    expect(timings[0]).toEqual({ step: "instance metadata (IMDSv2)", seconds: 0.76 });
    expect(timings.find((t) => t.step === "wait for the gateway's /healthz")).toEqual({ step: "wait for the gateway's /healthz", seconds: 184.48 });
  });

  test("a plain boot log: UTC seconds; a log line (also FAILED) is no step", () => {
    const marks = parseBootLog(BOOT_LOG);
    expect(marks.every((m) => m.uptime === undefined)).toBe(true);
    expect(stepTimings(marks)).toEqual([
      { step: "instance metadata (IMDSv2)", seconds: 1 }, { step: "SSM agent", seconds: 5 }, { step: "OS packages", seconds: 4 },
      { step: "find the data volume", seconds: 13 }, { step: "wait for the data volume", seconds: 8 },
    ]);
  });

  test("marks without an uptime on some lines fall back to UTC seconds for all", () => {
    const mixed = `${SERIAL.split("\n").slice(0, 5).join("\n")}\n2026-11-30T18:01:40Z ==> OS packages`;
    expect(stepTimings(parseBootLog(mixed))).toEqual([{ step: "instance metadata (IMDSv2)", seconds: 1 }, { step: "SSM agent", seconds: 10 }]);
  });

  test("phases add their steps' seconds, from one step up to another; a missing step gives no figure", () => {
    const steps = stepTimings(parseBootLog(SERIAL));
    expect(phaseSeconds(steps, BOOT_PHASES.beforeVolume)).toBe(21.7);
    expect(phaseSeconds(steps, BOOT_PHASES.volume)).toBe(12.4);
    expect(phaseSeconds(steps, BOOT_PHASES.configure)).toBe(76.7);
    expect(phaseSeconds(stepTimings(parseBootLog(BOOT_LOG)), BOOT_PHASES.volume)).toBeUndefined();
  });

  test("the VM report keeps the kernel's uptime at the first step (image boot to user data)", () => {
    expect(bootTimings("VM (TCG)", "VM (TCG) replacement", SERIAL, "2026-11-30T18:10:00Z")).toMatchObject({ where: "VM (TCG)", firstStepAfterKernelStart: 39.135406 });
    expect(bootTimings("sandbox", "sandbox", BOOT_LOG, "2026-11-30T18:10:00Z")).not.toHaveProperty("firstStepAfterKernelStart");
  });
});

describe("the model: critical path and totals", () => {
  const stage = (name: string, seconds?: number, upTo?: number) => ({ name, seconds, upTo, source: { kind: "config" as const, constant: "test" } });
  const path: DowntimePath = {
    name: "p", starts: "a", ends: "b",
    segments: [
      stage("detect", 10, 20),
      { parallel: [[stage("old", 5), stage("old unknown", undefined, 100)], [stage("new", 30, 40), stage("new boot", 2)]] },
      stage("unknown after", undefined),
      stage("start", 7),
    ],
  };

  test("a parallel segment contributes its longer known branch; the other is overlapped", () => {
    const r = evaluatePath(path);
    expect(r.critical.map((s) => s.name)).toEqual(["detect", "new", "new boot", "unknown after", "start"]);
    expect(r.overlapped.map((s) => s.name)).toEqual(["old", "old unknown"]);
    expect(r.seconds).toBe(10 + 30 + 2 + 7);
  });

  test("the bound takes each branch's bounds, the larger branch, and lists every unknown (overlapped ones too)", () => {
    const r = evaluatePath(path);
    expect(r.upTo).toBe(20 + Math.max(5 + 100, 40 + 2) + 7);
    expect(r.unknown.map((s) => s.name)).toEqual(["old unknown", "unknown after"]);
  });

  test("the watchdog's detection comes from the settings: (N−1) intervals and half of one on average, N at most", () => {
    expect(watchdogDetection(DEFAULT_WATCHDOG)).toMatchObject({ seconds: 4.5 * 60, upTo: 5 * 60 });
    expect(watchdogDetection({ intervalSeconds: 20, failuresBeforeReplacement: 3 })).toMatchObject({ seconds: 50, upTo: 60 });
  });

  const inputs: DowntimeInputs = {
    sandbox: bootTimings("sandbox", "test boot", SERIAL, "2026-11-30T18:10:00Z"),
    gateway: { kind: "gateway", where: "native openclaw", measuredAt: "2026-11-30T18:10:00Z", startupMs: 6000, readyMs: 7000, stopMs: 1500 },
  };

  test("the watchdog path: detection + launch (cited) + the measured boot phases + the gateway's start", () => {
    const [watchdog, status, refresh, config] = downtimePaths(inputs).map(evaluatePath);
    expect(watchdog.seconds).toBeCloseTo(270 + 40 + 21.7 + 12.4 + 76.7 + 6, 5);
    // The other paths share the replacement; they differ in what comes before it.
    expect(refresh.seconds).toBeCloseTo(40 + 21.7 + 12.4 + 76.7 + 6, 5);
    expect(config.seconds).toBe(refresh.seconds);
    expect(status.seconds).toBe(refresh.seconds);
    expect(status.unknown.map((s) => s.name)).toContain("EC2 reports the status check impaired; the group marks the instance unhealthy");
    // The old host's release of the volume is bounded by the new boot's wait for it.
    expect(refresh.upTo).toBeGreaterThanOrEqual(WAITS.volume.attempts * WAITS.volume.delay);
  });

  test("every stage says where its figure comes from: cited ones a URL and the read date, unknown ones why", () => {
    const stages = downtimePaths(inputs).flatMap(stagesOf);
    const cited = stages.filter((s) => s.source.kind === "cited");
    expect(cited.length).toBeGreaterThan(0);
    for (const s of stages) {
      const src = s.source;
      if (src.kind === "cited") expect([s.name, src.url, src.read]).toEqual([s.name, expect.stringMatching(/^https?:\/\/\S+$/), CITED_ON]);
      if (src.kind === "unknown") expect([s.name, src.why.length > 20, src.url ?? "https://none"]).toEqual([s.name, true, expect.stringMatching(/^https?:\/\/\S+$/)]);
      if (src.kind === "measured") expect(["sandbox", "native openclaw"]).toContain(src.where); // never VM (TCG)
      if (s.seconds === undefined) expect(src.kind).toBe("unknown");
    }
  });

  test("without measured inputs their stages are unknown and say which test produces them", () => {
    const stages = downtimePaths({}).flatMap(stagesOf);
    const gateway = stages.find((s) => s.name === "the gateway starts and answers /healthz")!;
    expect(gateway.source).toMatchObject({ kind: "unknown", why: expect.stringContaining("openclaw-gateway.test.ts") });
    expect(missingInputs({})).toEqual([
      expect.stringContaining("boot-sandbox.test.ts"), expect.stringContaining("openclaw-gateway.test.ts"), expect.stringContaining("test:vm"),
    ]);
    expect(missingInputs(inputs)).toEqual([expect.stringContaining("test:vm")]);
  });
});

describe("timing reports: the tests write them, the bench reads them", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "timings-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("sandbox, gateway and VM reports round-trip into the model's inputs", () => {
    const out = path.join(dir, "timings");
    writeSandboxBootTimings(BOOT_LOG, "sandbox test", out);
    writeGatewayTimings({ startupMs: 6000, readyMs: 7000, stopMs: 1500 }, out);
    mkdirSync(path.join(dir, "run/replacement"), { recursive: true });
    writeFileSync(path.join(dir, "run/replacement/serial.log"), SERIAL);
    mkdirSync(path.join(dir, "run/empty"));
    writeFileSync(path.join(dir, "run/empty/serial.log"), "no steps here\n");
    writeVmTimings(path.join(dir, "run"), out);
    const read = readTimingReports(out);
    expect(read.sandbox).toMatchObject({ where: "sandbox", run: "sandbox test", steps: stepTimings(parseBootLog(BOOT_LOG)) });
    expect(read.gateway).toMatchObject({ where: "native openclaw", startupMs: 6000, stopMs: 1500 });
    expect(Object.keys(read.vm!)).toEqual(["replacement"]);
    expect(read.vm!.replacement.steps).toEqual(stepTimings(parseBootLog(SERIAL)));
    expect(readTimingReports(path.join(dir, "nothing"))).toEqual({});
  });
});

describe("the README's What to expect table", () => {
  test("is the one generated from the model and the recorded inputs (run `npm run docs`)", () => {
    const page = readFileSync(DOWNTIME_PAGE, "utf8");
    expect(page).toContain(DOWNTIME_START);
    expect(page).toBe(withDowntimeTable(page, downtimeDocsTable()));
  });

  test("has one row per path with its known total, and names the unknown stages", () => {
    const table = downtimeTable(downtimePaths({}).map(evaluatePath), {});
    expect(table).toContain("Measured here: nothing yet");
    expect(table.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| path"))).toHaveLength(4);
    expect(table).toContain("the gateway starts and answers /healthz");
    expect(() => withDowntimeTable("no markers", table)).toThrow(DOWNTIME_END);
  });
});
