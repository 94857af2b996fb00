/**
 * The timing reports the tests leave for the downtime model (modules/review/downtime.ts), so
 * `npm run bench -- downtime` needs no re-run: reports/timings/boot-sandbox.json (the boot script in
 * the sandbox), openclaw-start.json (the real openclaw, natively) and vm-<scenario>.json (the VM
 * proof's serial consoles). Each test calls one function here, once; a failure to write is reported,
 * never a test failure.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { bootTimings, GatewayTimings } from "../../modules/review/downtime";

/** Where the reports go (gitignored). */
export const TIMINGS_DIR = path.resolve(__dirname, "../../reports/timings");

function writeReport(name: string, report: object, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, name), `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    // eslint-disable-next-line no-console
    console.warn(`timing report ${name} not written: ${(err as Error).message}`);
  }
}

/** The sandbox boot's per-step seconds, from its boot log. */
export function writeSandboxBootTimings(log: string, run = "boot-sandbox first boot", dir = TIMINGS_DIR): void {
  writeReport("boot-sandbox.json", bootTimings("sandbox", run, log, new Date().toISOString()), dir);
}

/** The real openclaw's start (spawn → /healthz, /readyz) and, when known, its stop. */
export function writeGatewayTimings(t: { startupMs: number; readyMs: number; stopMs?: number }, dir = TIMINGS_DIR): void {
  const report: GatewayTimings = { kind: "gateway", where: "native openclaw", measuredAt: new Date().toISOString(), ...t };
  writeReport("openclaw-start.json", report, dir);
}

/** One vm-<scenario>.json per `<runDir>/<scenario>/serial.log` that holds step lines. */
export function writeVmTimings(runDir: string, dir = TIMINGS_DIR): void {
  if (!existsSync(runDir)) return;
  for (const scenario of readdirSync(runDir)) {
    const serial = path.join(runDir, scenario, "serial.log");
    if (!existsSync(serial)) continue;
    const report = bootTimings("VM (TCG)", `VM (TCG) ${scenario}`, readFileSync(serial, "utf8"), new Date().toISOString());
    if (report.steps.length > 0) writeReport(`vm-${scenario}.json`, report, dir);
  }
}
