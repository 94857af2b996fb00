import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { memoryBudget } from "../../modules/host/memory";
import { connectDevice } from "../helpers/openclaw-device-client";
import {
  descendants, GATEWAY_START_TIMEOUT_MS, OpenclawFixture, openclawFixture, openclawFixtureProblem, RunningGateway, RunningProxy, startGateway, startProxy,
} from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";
import { recordSkip } from "../helpers/skips";

/**
 * The real gateway's memory, measured to choose the unit's limits (modules/host/memory.ts): VmRSS
 * and VmHWM (peak RSS) from /proc/<pid>/status of the gateway and every helper process it starts,
 * summed (the cgroup's MemoryMax counts them all), idle after /readyz and after a device pairing
 * round (connect → pairing required → approve → connect again). A chat turn needs a model
 * provider; none is reachable here (see the recorded skip).
 */
const canRun = requireInCi(openclawFixtureProblem(), "the real-openclaw memory measurement");
const maybe = canRun ? describe : describe.skip;
jest.setTimeout(120_000);
const settings = testSettings(); // t4g.small: the default and smallest host (2 GiB)
const budget = memoryBudget(settings.instanceType);
/**
 * MemoryMax must hold the measured peak this many times over. Measured on 2026-11-30 (x64 fixture,
 * openclaw 2026.9.6, 3 processes): idle RSS 1161–1219 MiB (Pss ~1057), peak (VmHWM, the start-up
 * spike) 1235–1240 MiB, after pairing 1122 MiB. A 2 GiB host cannot give 2× that (openclaw#45160
 * reports such spikes): 1.3× is what t4g.small allows with 384 MiB left to the OS, and the rest of
 * a spike goes to MemoryHigh's reclaim and the 1 GiB swap before the OOM kill. Larger instances
 * get proportionally more (modules/host/memory.ts).
 */
const MARGIN = 1.3;

/** RSS and peak RSS summed over the processes (shared pages counted once per process: an upper bound); Pss: shared pages split, what the cgroup is charged, roughly. */
interface Sample { rssMiB: number; hwmMiB: number; pssMiB?: number; processes: number }

/** Sum of VmRSS and VmHWM (MiB) over the gateway and its descendants. */
function sample(pid: number): Sample {
  let rss = 0;
  let hwm = 0;
  let pss = 0;
  const pids = [pid, ...descendants(pid)];
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      rss += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
      hwm += Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited between the listing and the read
    }
  }
  return { rssMiB: Math.round(rss / 1024), hwmMiB: Math.round(hwm / 1024), pssMiB: Math.round(pss / 1024), processes: pids.length };
}

maybe("the real gateway's memory against the unit's limits (t4g.small)", () => {
  let fixture: OpenclawFixture;
  let gateway: RunningGateway;
  let proxy: RunningProxy;
  let devicesRoot: string;
  const samples: Record<string, Sample> = {};

  beforeAll(async () => {
    fixture = openclawFixture() as OpenclawFixture;
    devicesRoot = mkdtempSync(path.join(tmpdir(), "openclaw-memory-"));
    gateway = await startGateway(settings, fixture);
    proxy = await startProxy(gateway.port);
  }, 2 * GATEWAY_START_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await proxy?.stop();
    await gateway?.stop();
    if (devicesRoot) rmSync(devicesRoot, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`gateway memory (MiB, gateway + helpers): ${JSON.stringify(samples)}; limits: ${JSON.stringify(budget)}`);
  }, 30_000);

  test("idle after /readyz: sampled for 10 s", async () => {
    let idle: Sample = { rssMiB: 0, hwmMiB: 0, processes: 0 };
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const s = sample(gateway.pid);
      idle = { rssMiB: Math.max(idle.rssMiB, s.rssMiB), hwmMiB: s.hwmMiB, pssMiB: Math.max(idle.pssMiB ?? 0, s.pssMiB ?? 0), processes: s.processes };
    }
    samples.idle = idle;
    expect(idle.rssMiB).toBeGreaterThan(20); // a real Node process, measured
  });

  test("a pairing round through the proxy: pairing required, approve, connect again", async () => {
    const dir = path.join(devicesRoot, "laptop");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ws = proxy.url.replace(/^http/, "ws");
    const first = await connectDevice(fixture, ws, gateway.token, dir, "laptop");
    expect(first).toMatchObject({ ok: false, code: "PAIRING_REQUIRED" });
    const requestId = (first as { requestId: string }).requestId;
    expect(gateway.cli(["devices", "approve", requestId, "--json"]).status).toBe(0);
    expect(await connectDevice(fixture, ws, gateway.token, dir, "laptop")).toMatchObject({ ok: true });
    samples.pairing = sample(gateway.pid);
  });

  test("a chat turn: not measured here (recorded skip)", () => {
    // The gateway needs a reachable model provider for a turn; the test machine has none and
    // openclaw 2026.9.6 has no offline mock provider we could point it at without changing its config.
    recordSkip("the chat-turn memory sample", "no model provider is reachable from the test machine");
    expect(samples.idle).toBeDefined();
  });

  test(`MemoryMax (${budget.maxMiB} MiB) holds the measured peak ×${MARGIN}; MemoryHigh sits above the idle RSS`, () => {
    const peak = Math.max(samples.idle.hwmMiB, samples.pairing.hwmMiB);
    samples.peak = { rssMiB: samples.pairing.rssMiB, hwmMiB: peak, processes: samples.pairing.processes };
    expect(budget.maxMiB).toBeGreaterThanOrEqual(peak * MARGIN);
    expect(budget.highMiB).toBeGreaterThan(samples.idle.rssMiB);
    expect(budget.heapMiB).toBeLessThan(budget.highMiB); // V8 collects before the cgroup reclaims
  });
});
