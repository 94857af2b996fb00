import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { hostContract } from "../../modules/host/contract";
import { shellQuote } from "../../modules/host/shell";
import type { StatusReport } from "../../modules/ops/status";
import { localSsmAgent, LocalSsmAgent, openclawAdminStub, OpsRun, runOpsCli } from "../helpers/local-ssm-agent";
import { connectDevice, DeviceConnectResult } from "../helpers/openclaw-device-client";
import {
  GATEWAY_START_TIMEOUT_MS,
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
 * The whole operator path against the real openclaw: `npm run devices -- …` and `npm run status` (runOps) send
 * the stack's SSM documents to a local stand-in for the SSM agent (helpers/local-ssm-agent.ts), which checks the parameters
 * against the documents' allowedPattern as SSM does, runs the documents' exact scripts with `sh`
 * and the parameter as $SSM_<name>, with `openclaw-admin` replaced by a stub that runs the
 * fixture's openclaw with the gateway's environment (what the real tool does, minus the user switch).
 * A real client device connects through the loopback proxy and is listed, approved, rejected.
 * The status document runs with the host's files replaced by test files (boot log, cert guard status,
 * data mount, run directory), the pinned runtimes by the fixture's, and `aws`, `systemctl`,
 * `mountpoint` and Traefik by stubs (no systemd, no AWS here); its /healthz is the real gateway's.
 */
const canRun = requireInCi(openclawFixtureProblem(), "the SSM documents against the real openclaw");
const maybe = canRun ? describe : describe.skip;

const CLIENT_ADDRESS = "203.0.113.10";
const SNAPSHOT_ID = "snap-0123456789abcdef0";
const VOLUME_ID = "vol-0123456789abcdef0";
/** An hour ago: the status marks a snapshot older than 50 hours. */
const SNAPSHOT_TIME = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000).toISOString();
/** An archive openclaw-backup wrote (modules/host/backup.ts: openclaw 2026.9.6 names them so). */
const BACKUP_NAME = "2026-12-01T02-31-40.512+00-00-openclaw-backup.tar.gz";
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

  /** `npm run <cli> -- <argv>` with the local agent; resolves exit code and output. */
  async function ops(cli: "devices" | "status", argv: string[]): Promise<OpsRun> {
    const result = await runOpsCli(settings, aws, cli, argv);
    printed.push(...[result.out, result.err].filter((t) => t !== ""));
    return result;
  }
  const devices = (argv: string[]) => ops("devices", argv);
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
    aws = localSsmAgent(settings, { replace: { [hostContract(settings).adminTool]: stub, ...statusHost() }, sent, path: `${path.join(work, "bin")}:/usr/bin:/bin` });
  }, 2 * GATEWAY_START_TIMEOUT_MS + 30_000);

  /**
   * The status document's host, in `work`: a boot log of two boots (the last one succeeded; a line
   * outside the lines the document forwards carries the token), the cert guard's status file, the
   * watchdog's verdict, a data mount; stubs for aws (one snapshot of the volume the boot attached),
   * systemctl (every unit active; the gateway's memory), mountpoint and Traefik. The replacements, most
   * specific path first (the data mount is a prefix of the runtimes).
   */
  function statusHost(): Record<string, string> {
    const layout = hostContract(settings);
    const bin = path.join(work, "bin");
    mkdirSync(bin, { recursive: true });
    const script = (name: string, lines: string[]) => writeFileSync(path.join(bin, name), ["#!/bin/sh", ...lines, ""].join("\n"), { mode: 0o755 });
    const traefik = path.join(work, "traefik");
    writeFileSync(traefik, `#!/bin/sh\nprintf 'Version:      ${settings.versions.traefik}\\nCodename:     test\\n'\n`, { mode: 0o755 });
    script("aws", [
      `[ "$1 $2" = "ec2 describe-snapshots" ] || { echo "unexpected aws call: $*" >&2; exit 1; }`,
      `case "$*" in *"--owner-ids self --filters Name=volume-id,Values=${VOLUME_ID} "*) ;; *) echo "unexpected arguments: $*" >&2; exit 1 ;; esac`,
      `echo '{"Snapshots":[{"SnapshotId":"snap-0older","State":"completed","StartTime":"2026-11-29T03:00:09.000Z","Progress":"100%"},`
        + `{"SnapshotId":"${SNAPSHOT_ID}","State":"completed","StartTime":"${SNAPSHOT_TIME}","Progress":"100%"}]}'`,
    ]);
    script("systemctl", [
      `case "$1" in`,
      `  is-active) echo active ;;`,
      `  show) case "$3" in MemoryCurrent) echo 314572800 ;; MemoryMax) echo 1610612736 ;; Result) echo success ;; *) exit 1 ;; esac ;;`,
      // The installed units as systemctl cat prints them: the fixture's node and openclaw, Traefik's stand-in.
      `  cat) case "$2" in`,
      `    ${layout.gatewayUnit}) printf '# /etc/systemd/system/%s\\n[Service]\\nExecStart=%s %s gateway run\\n' "$2" ${shellQuote(fixture.nodeBin)} ${shellQuote(fixture.openclawEntry)} ;;`,
      `    ${layout.traefikUnit}) printf '# /etc/systemd/system/%s\\n[Service]\\nExecStart=%s --configFile=/etc/traefik/traefik.yml\\n' "$2" ${shellQuote(traefik)} ;;`,
      `    *) exit 1 ;; esac ;;`,
      `  *) echo "unexpected systemctl $*" >&2; exit 1 ;;`,
      `esac`,
    ]);
    script("mountpoint", ["exit 0"]);
    const host = (p: string) => path.join(work, "host", p);
    mkdirSync(host("var/log"), { recursive: true });
    mkdirSync(host("cert-guard"), { recursive: true });
    mkdirSync(host("run/watchdog"), { recursive: true });
    mkdirSync(host("data/backups"), { recursive: true });
    // One archive of openclaw-backup's (its name and size; an hour old) and a file that is not one.
    writeFileSync(host(`data/backups/${BACKUP_NAME}`), Buffer.alloc(3 * 1024));
    utimesSync(host(`data/backups/${BACKUP_NAME}`), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    writeFileSync(host("data/backups/notes.txt"), "not an archive");
    writeFileSync(host("var/log/openclaw-bootstrap.log"), [
      "2026-11-29T10:00:00Z     openclaw-aws boot for environment test",
      "2026-11-29T10:00:05Z     FAILED in step 'node' (exit 1, line 88); the boot did not complete",
      "2026-11-30T10:00:00Z     openclaw-aws boot for environment test",
      "2026-11-30T10:00:01Z ==> metadata",
      "2026-11-30T10:00:20Z ==> find the data volume",
      `2026-11-30T10:00:21Z     data volume ${VOLUME_ID}`,
      `2026-11-30T10:00:22Z     openclaw-refresh-secrets: wrote {"gateway-token":"${gateway.token}"}`,
      "npm notice a line without a timestamp",
      "2026-11-30T10:05:11Z ==> done",
      `2026-11-30T10:05:11Z     summary: instance i-local, volume ${VOLUME_ID} (/dev/nvme1n1) at /opt/openclaw, address 203.0.113.5, https://${settings.domainName}/ ready in 311s`,
      "",
    ].join("\n"));
    writeFileSync(host("cert-guard/status.json"), `${JSON.stringify({
      state: "OK", cert: "OK", action: "none", domain: settings.domainName, issuer: "CN=R11,O=Let's Encrypt,C=US", subject: `CN=${settings.domainName}`,
      notBefore: "2026-11-30T00:00:00Z", notAfter: "2099-02-28T00:00:00Z", daysLeft: 26388.5, lastRestart: null, restartsToday: 0,
      checkedAt: "2026-11-30T10:15:00Z", detail: "issuer=CN=R11",
    })}\n`);
    writeFileSync(host("run/watchdog/status"), "ok gateway healthy\n");
    return {
      [layout.healthUrl]: `http://127.0.0.1:${gateway.port}/healthz`,
      [layout.bootstrapLog]: host("var/log/openclaw-bootstrap.log"),
      [layout.certGuardStateDir]: host("cert-guard"),
      [layout.runDir]: host("run"),
      [layout.dataMount]: host("data"),
    };
  }

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

  test("status: the document's one JSON object from the real gateway and the host's files; the screen has no problem; no secret", async () => {
    const result = await ops("status", ["--json"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const kept = [...aws.invocations.values()].at(-1)!;
    expect(kept.status).toBe("Success");
    expect(`${kept.stdout}${kept.stderr}`).not.toContain(gateway.token);
    const host = JSON.parse(kept.stdout);
    expect(Object.keys(host)).toEqual(["checkedAt", "healthz", "versions", "units", "certificate", "boot", "disk", "memory", "snapshot", "watchdog", "backups"]);
    expect(host.healthz).toEqual({ ok: true });
    expect(host.versions).toEqual({ node: fixture.nodeVersion, openclaw: fixture.openclawVersion, traefik: settings.versions.traefik });
    expect(host.units).toEqual({ gateway: "active", traefik: "active", watchdog: "active", certGuard: "active", backup: "active" });
    expect(host.certificate).toEqual({ state: "OK", cert: "OK", issuer: "CN=R11,O=Let's Encrypt,C=US", subject: `CN=${settings.domainName}`,
      notAfter: "2099-02-28T00:00:00Z", daysLeft: 26388.5, checkedAt: "2026-11-30T10:15:00Z" });
    // Only the last boot's lines of the forwarded kinds: the token's line and the line without a timestamp stay on the host.
    expect(host.boot.lines).toHaveLength(6);
    expect(host.boot.lines[0]).toBe("2026-11-30T10:00:00Z     openclaw-aws boot for environment test");
    expect(host.snapshot).toEqual({ volumeId: VOLUME_ID, latest: { id: SNAPSHOT_ID, state: "completed", startTime: SNAPSHOT_TIME, progress: "100%" } });
    expect(host.disk.data).toMatchObject({ mount: path.join(work, "host", "data"), mounted: true });
    expect(host.disk.root.sizeBytes).toBeGreaterThan(host.disk.root.usedBytes);
    expect(host.memory).toMatchObject({ gatewayBytes: 314572800, gatewayMaxBytes: 1610612736 });
    expect(host.memory.hostTotalBytes).toBeGreaterThan(host.memory.hostAvailableBytes);
    expect(host.watchdog).toEqual({ lastVerdict: "ok gateway healthy", maintenance: false });
    expect(host.backups).toEqual({ count: 1, lastResult: "success", latest: { name: BACKUP_NAME, sizeBytes: 3 * 1024, modifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) } });

    const report: StatusReport = JSON.parse(result.out);
    expect(report.problems).toEqual([]);
    expect(report.host!.boot).toEqual({ result: "succeeded", startedAt: "2026-11-30T10:00:00Z", seconds: 311, step: "done" });
    const screen = await ops("status", []);
    expect(screen.out).toMatch(/^ {2}healthz\s+ok$/m);
    expect(screen.out).toContain(`${SNAPSHOT_ID} of ${VOLUME_ID}: completed`);
    expect(screen.out).toMatch(new RegExp(`^ {2}backup\\s+${BACKUP_NAME.replace(/[.+]/g, "\\$&")}, 3 KiB, 1 h ago \\(1 kept\\)$`, "m"));
  }, 60_000);

  test("nothing the CLI printed contains the gateway token", () => {
    expect(printed.length).toBeGreaterThan(5);
    expect(printed.join("\n")).not.toContain(gateway.token);
  });
});
