import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { memoryBudget } from "../../modules/host/memory";
import { connectDevice } from "../helpers/openclaw-device-client";
import {
  descendants, OpenclawFixture, openclawFixture, openclawFixtureProblem, RunningGateway, RunningProxy, startGateway, startProxy,
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
const settings = testSettings(); // t4g.small: the default and smallest host (2 GiB)
const budget = memoryBudget(settings.instanceType);
/**
 * MemoryMax must hold the measured peak this many times over: what is measured here (idle, pairing)
 * is a floor; a chat turn (model stream, tool output), days of sessions and V8's lazy collection
 * add to it, and openclaw's own reports show spikes of 2× its usual footprint (openclaw#45160).
 */
const MARGIN = 2;

interface Sample { rssMiB: number; hwmMiB: number; processes: number }

/** Sum of VmRSS and VmHWM (MiB) over the gateway and its descendants. */
function sample(pid: number): Sample {
  let rss = 0;
  let hwm = 0;
  const pids = [pid, ...descendants(pid)];
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      rss += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
      hwm += Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    } catch {
      // exited between the listing and the read
    }
  }
  return { rssMiB: Math.round(rss / 1024), hwmMiB: Math.round(hwm / 1024), processes: pids.length };
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
  }, 90_000);

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
      idle = { rssMiB: Math.max(idle.rssMiB, s.rssMiB), hwmMiB: s.hwmMiB, processes: s.processes };
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

  test(`MemoryMax (${budget.maxMiB} MiB) holds the measured peak ×${MARGIN}; MemoryHigh and the heap cap sit above the idle RSS`, () => {
    const peak = Math.max(samples.idle.hwmMiB, samples.pairing.hwmMiB);
    samples.peak = { rssMiB: samples.pairing.rssMiB, hwmMiB: peak, processes: samples.pairing.processes };
    expect(budget.maxMiB).toBeGreaterThanOrEqual(peak * MARGIN);
    expect(budget.highMiB).toBeGreaterThan(samples.idle.rssMiB * MARGIN);
    expect(budget.heapMiB).toBeGreaterThan(samples.idle.rssMiB);
  });
});
