import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { hostContract } from "../../modules/host/contract";
import { localSsmAgent, LocalSsmAgent, openclawAdminStub, OpsRun, runDevices } from "../helpers/local-ssm-agent";
import { connectDevice, DeviceConnectResult } from "../helpers/openclaw-device-client";
import {
  OpenclawFixture,
  openclawFixture,
  openclawFixtureProblem,
  RunningGateway,
  RunningProxy,
  startGateway,
  startProxy,
} from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * The whole operator path against the real openclaw: `npm run devices -- …` (runOps) sends
 * the stack's SSM documents to a local stand-in for the SSM agent (helpers/local-ssm-agent.ts), which checks the parameters
 * against the documents' allowedPattern as SSM does, runs the documents' exact scripts with `sh`
 * and the parameter as $SSM_<name>, with `openclaw-admin` replaced by a stub that runs the
 * fixture's openclaw with the gateway's environment (what the real tool does, minus the user switch).
 * A real client device connects through the loopback proxy and is listed, approved, rejected.
 */
const canRun = requireInCi(openclawFixtureProblem(), "the SSM documents against the real openclaw");
const maybe = canRun ? describe : describe.skip;

const CLIENT_ADDRESS = "203.0.113.10";
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

maybe("the SSM documents and the operator CLI against the real openclaw", () => {
  const settings = testSettings();
  let fixture: OpenclawFixture;
  let gateway: RunningGateway;
  let proxy: RunningProxy;
  let work: string;
  let aws: LocalSsmAgent;
  const sent: string[] = [];
  const printed: string[] = [];

  /** `npm run devices -- <argv>` with the local agent; resolves exit code and output. */
  async function devices(argv: string[]): Promise<OpsRun> {
    const result = await runDevices(settings, aws, argv);
    printed.push(...[result.out, result.err].filter((t) => t !== ""));
    return result;
  }
  const connect = (name: string): Promise<DeviceConnectResult> => {
    const dir = path.join(work, "devices", name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return connectDevice(fixture, proxy.url.replace(/^http/, "ws"), gateway.token, dir, name);
  };
  const pairingRequired = (result: DeviceConnectResult): string => {
    expect(result).toMatchObject({ ok: false, code: "PAIRING_REQUIRED" });
    return (result as { requestId: string }).requestId;
  };

  beforeAll(async () => {
    fixture = openclawFixture() as OpenclawFixture;
    work = mkdtempSync(path.join(tmpdir(), "openclaw-ops-real-"));
    gateway = await startGateway(settings, fixture);
    proxy = await startProxy(gateway.port, CLIENT_ADDRESS);
    const stub = openclawAdminStub(gateway, fixture, work);
    expect(readFileSync(stub, "utf8")).not.toContain(gateway.token);
    aws = localSsmAgent(settings, { replace: { [hostContract(settings).adminTool]: stub }, sent });
  }, 90_000);

  afterAll(async () => {
    await proxy?.stop();
    await gateway?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`documents run:\n  ${sent.join("\n  ")}`);
  }, 30_000);

  test("list shows a real client's pending request; approve lets its next connection in", async () => {
    const requestId = pairingRequired(await connect("laptop"));

    const list = await devices(["list"]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${requestId}\\s+laptop\\s+\\S*\\s*operator\\s+${CLIENT_ADDRESS.replace(/\./g, "\\.")}\\s+[34]m \\d\\ds left`));
    expect(list.out).toContain("Paired devices: none.");

    const json = await devices(["list", "--json"]);
    expect(JSON.parse(json.out).pending.map((p: { requestId: string }) => p.requestId)).toEqual([requestId]);

    const approve = await devices(["approve", requestId]);
    expect(approve).toEqual({ code: 0, out: `Approved request ${requestId} (device laptop). The device's next connection succeeds.`, err: "" });
    expect(await connect("laptop")).toMatchObject({ ok: true, role: "operator" });

    const after = await devices(["list"]);
    expect(after.out).toContain("Pending requests: none.");
    expect(after.out).toMatch(/Paired devices \(1\):[\s\S]*laptop\s+\S*\s*operator\s+(yes|no)/);
  }, 120_000);

  test("approving the same request again: it is gone, the CLI says so (exit 1)", async () => {
    const requestId = pairingRequired(await connect("tablet"));
    expect((await devices(["approve", requestId])).code).toBe(0);
    const again = await devices(["approve", requestId]);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`No pending pairing request ${requestId} on the gateway`);
    expect(again.err).toContain("expired (pending requests vanish after 5 minutes)");
  }, 120_000);

  test("reject keeps the device out; it asks again with a new request id", async () => {
    const requestId = pairingRequired(await connect("phone"));
    const reject = await devices(["reject", requestId]);
    expect(reject.code).toBe(0);
    expect(reject.out).toContain(`Rejected request ${requestId}`);
    const again = pairingRequired(await connect("phone"));
    expect(again).not.toBe(requestId);
  }, 120_000);

  test("unknown request ids: approve and reject both report the expired/unknown request", async () => {
    for (const command of ["approve", "reject"]) {
      const result = await devices([command, UNKNOWN_ID]);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`No pending pairing request ${UNKNOWN_ID}`);
    }
  }, 60_000);

  test("dashboard prints a one-time link on the public origin; Run Command keeps only the sealed link", async () => {
    const result = await devices(["dashboard"]);
    expect(result.code).toBe(0);
    const link = new URL(result.out.split("\n").find((l) => l.startsWith("https://"))!);
    expect(link.origin).toBe(`https://${settings.domainName}`);
    const fragment = new URLSearchParams(link.hash.slice(1));
    expect(fragment.get("bootstrapToken")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(fragment.get("bootstrapProfile")).toBe("owner");
    expect(fragment.get("gatewayUrl")).toBe(`wss://${settings.domainName}`);
    expect(result.out).toMatch(/expires in (9|10) minutes/);
    // What Run Command keeps for later readers: no link, no token, only the sealed answer.
    const kept = [...aws.invocations.values()].at(-1)!;
    expect(kept.status).toBe("Success");
    expect(`${kept.stdout}${kept.stderr}`).not.toMatch(/http|ws:|bootstrapToken/);
    expect(`${kept.stdout}${kept.stderr}`).not.toContain(fragment.get("bootstrapToken"));
    expect(Object.keys(JSON.parse(kept.stdout)).sort()).toEqual(["browserBootstrapExpiresAtMs", "ok", "sealedBrowserUrl"]);
  }, 60_000);

  test("nothing the CLI printed contains the gateway token", () => {
    expect(printed.length).toBeGreaterThan(5);
    expect(printed.join("\n")).not.toContain(gateway.token);
  });
});
