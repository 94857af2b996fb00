import { rmSync } from "node:fs";
import { hostContract } from "../../modules/host/contract";
import { freePort } from "../helpers/free-port";
import { GATEWAY_START_TIMEOUT_MS, OpenclawFixture, openclawFixture, openclawFixtureProblem, RunningGateway, startGateway } from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Why every instance takes the host name openclaw-<environment> (modules/host/steps.ts hostNameStep),
 * against the real openclaw: a gateway killed without a shutdown (an instance terminated by the ASG)
 * leaves its owner lease in the state database on the data volume. The successor reclaims it at once
 * only when it runs under the same host name; under another one (EC2's per-instance name) it refuses
 * to start until the lease's 5-minute TTL runs out (openclaw/openclaw#155644).
 * Each gateway runs in its own UTS namespace (unshare --uts, so root) with the given host name.
 */
function leaseTestProblem(): string | undefined {
  if (process.getuid && process.getuid() !== 0) return "unshare --uts needs root";
  return openclawFixtureProblem();
}
const canRun = requireInCi(leaseTestProblem(), "the real-openclaw owner-lease test");
const maybe = canRun ? describe : describe.skip;

const settings = testSettings();
const stableName = hostContract(settings).hostName;

maybe("openclaw's gateway owner lease after a killed gateway (why the host name is stable)", () => {
  let fixture: OpenclawFixture;
  let first: RunningGateway;
  let port: number; // one port for all three, as on a real host
  const root = (): string => first.root;

  beforeAll(async () => {
    fixture = openclawFixture() as OpenclawFixture;
    port = await freePort();
    // The first instance: up, then killed without a shutdown; its lease stays on the "volume".
    first = await startGateway(settings, fixture, { hostName: stableName, port });
    await first.kill();
  }, 2 * GATEWAY_START_TIMEOUT_MS + 30_000);
  afterAll(async () => {
    if (first) rmSync(first.root, { recursive: true, force: true });
  });

  test("under another host name the successor refuses to start: the lease is still active", async () => {
    const started = startGateway(settings, fixture, { root: root(), hostName: "ip-10-0-1-99", port, token: first.token });
    await expect(started).rejects.toThrow(/Another Gateway owner lease is still active for this state directory/);
  }, 120_000);

  test("under the same host name the successor reclaims the dead owner's lease and is healthy at once", async () => {
    const successor = await startGateway(settings, fixture, { root: root(), hostName: stableName, port, token: first.token });
    try {
      expect(successor.output()).not.toContain("owner lease is still active");
      // eslint-disable-next-line no-console
      console.log(`successor on the same host name: /healthz 200 after ${successor.startupMs} ms`);
    } finally {
      await successor.stop();
    }
  }, 120_000);
});
