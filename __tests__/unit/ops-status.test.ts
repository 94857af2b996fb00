import { spawnSync } from "node:child_process";
import { mockClient } from "aws-sdk-client-mock";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeInstanceRefreshesCommand } from "@aws-sdk/client-auto-scaling";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { CapturedIo, testOpsIo } from "../helpers/ops-io";
import { OpsIo } from "../../modules/ops/context";
import { runOps } from "../../modules/ops/cli";
import { commandDocument } from "../../modules/ops/documents";
import { STATUS } from "../../modules/ops/operations";
import { HostStatus, lastBoot, StatusReport } from "../../modules/ops/status";
import { STATUS_OPERATIONS } from "../helpers/fake-cloud";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * `npm run status` against the real SDK v3 clients mocked at the transport (aws-sdk-client-mock):
 * GIVEN what Auto Scaling answers and what the host's status document printed, WHEN the CLI runs,
 * THEN the screen or the JSON, the exit code and the requests it made.
 */
const ssm = mockClient(SSMClient);
const autoScaling = mockClient(AutoScalingClient);

const NOW = Date.parse("2026-12-01T03:00:00Z");
const SETTINGS_FILE = { environments: [{ environment: "prod", domainName: "gateway.example.org", acmeEmail: "ops@example.org", region: "eu-west-1" }] };
const pins = testSettings().versions;

const testIo = () => testOpsIo({ settingsFile: SETTINGS_FILE, now: NOW });
const status = (argv: string[], io: OpsIo) => runOps("status", argv, io);

const BOOT_LINES = [
  "2026-11-30T10:00:00Z     openclaw-aws boot for environment prod",
  "2026-11-30T10:00:01Z ==> metadata",
  "2026-11-30T10:00:20Z ==> find the data volume",
  "2026-11-30T10:00:21Z     data volume vol-0123456789abcdef0",
  "2026-11-30T10:05:11Z ==> done",
  "2026-11-30T10:05:11Z     summary: instance i-0123456789abcdef0, volume vol-0123456789abcdef0 (/dev/nvme1n1) at /opt/openclaw, address 203.0.113.5, node 24, openclaw 2026.9.6, traefik 3, https://gateway.example.org/ ready in 311s",
];

/** A healthy host, as the status document prints it. */
function healthyHost(overrides: Partial<HostStatus> = {}): HostStatus {
  return {
    checkedAt: "2026-12-01T03:00:00Z",
    healthz: { ok: true },
    versions: { node: pins.node, openclaw: pins.openclaw, traefik: pins.traefik },
    units: { gateway: "active", traefik: "active", watchdog: "active", certGuard: "active", backup: "active" },
    certificate: {
      state: "OK", cert: "OK", issuer: "CN=R11,O=Let's Encrypt,C=US", subject: "CN=gateway.example.org",
      notAfter: "2027-02-01T00:00:00Z", daysLeft: 61.88, checkedAt: "2026-12-01T02:45:00Z",
    },
    boot: { lines: BOOT_LINES },
    disk: {
      data: { mount: "/opt/openclaw", sizeBytes: 20 * 1024 ** 3, usedBytes: 2 * 1024 ** 3, availableBytes: 18 * 1024 ** 3, mounted: true },
      root: { mount: "/", sizeBytes: 8 * 1024 ** 3, usedBytes: 3 * 1024 ** 3, availableBytes: 5 * 1024 ** 3 },
    },
    memory: { gatewayBytes: 600 * 1024 ** 2, gatewayMaxBytes: 1536 * 1024 ** 2, hostTotalBytes: 2 * 1024 ** 3, hostAvailableBytes: 900 * 1024 ** 2 },
    snapshot: { volumeId: "vol-0123456789abcdef0", latest: { id: "snap-0aaaabbbbccccdddd", state: "completed", startTime: "2026-11-30T03:00:12.000Z", progress: "100%" } },
    watchdog: { lastVerdict: "ok", maintenance: false },
    backups: {
      count: 7, lastResult: "success",
      latest: { name: "2026-12-01T02-31-40.512+00-00-openclaw-backup.tar.gz", sizeBytes: 3 * 1024 ** 2, modifiedAt: "2026-12-01T02:31:42Z" },
    },
    ...overrides,
  };
}

const group = (instances: Array<{ id: string; state: string; health?: string }>) => ({
  AutoScalingGroups: [{
    AutoScalingGroupName: "openclaw-prod", MinSize: 1, MaxSize: 1, DesiredCapacity: 1, DefaultCooldown: 300,
    AvailabilityZones: ["eu-west-1a"], HealthCheckType: "EC2", CreatedTime: new Date(),
    Instances: instances.map((i) => ({
      InstanceId: i.id, LifecycleState: i.state as any, HealthStatus: i.health ?? "Healthy", AvailabilityZone: "eu-west-1a", ProtectedFromScaleIn: false,
    })),
  }],
});
const hostAnswers = (host: HostStatus) => ssm.on(GetCommandInvocationCommand).resolves({
  Status: "Success", StatusDetails: "Success", ResponseCode: 0, StandardOutputContent: `${JSON.stringify(host)}\n`, StandardErrorContent: "",
});
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });
const lineOf = (c: CapturedIo, key: string) => c.out.join("\n").split("\n").find((l) => l.slice(2).startsWith(`${key} `)) ?? "";

beforeEach(() => {
  ssm.reset();
  autoScaling.reset();
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(group([{ id: "i-0123456789abcdef0", state: "InService" }]));
  autoScaling.on(DescribeInstanceRefreshesCommand).resolves({
    InstanceRefreshes: [{ InstanceRefreshId: "ir-1", Status: "Successful", StartTime: new Date("2026-11-30T09:59:00Z"), EndTime: new Date("2026-11-30T10:06:00Z"), PercentageComplete: 100 }],
  });
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
});

describe("npm run status: a healthy environment", () => {
  test("one line per fact, none marked; the status document sent to the InService instance; exit 0", async () => {
    hostAnswers(healthyHost());
    const c = testIo();
    expect(await status([], c.io)).toBe(0);
    expect(autoScaling.commandCalls(DescribeInstanceRefreshesCommand)[0].args[0].input).toEqual({ AutoScalingGroupName: "openclaw-prod", MaxRecords: 1 });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toMatchObject({
      DocumentName: "openclaw-prod-status", InstanceIds: ["i-0123456789abcdef0"], Parameters: {},
    });
    const screen = c.out.join("\n");
    expect(screen.split("\n")[0]).toBe("openclaw-prod (eu-west-1) at 2026-12-01T03:00:00.000Z");
    expect(screen).not.toMatch(/^!/m);
    expect(screen.split("\n").at(-1)).toBe("no problems");
    expect(lineOf(c, "group")).toContain("openclaw-prod: desired 1, min 1, max 1");
    expect(lineOf(c, "instance")).toContain("i-0123456789abcdef0 InService Healthy (eu-west-1a)");
    expect(lineOf(c, "lifecycle")).toContain("no launch hook pending");
    expect(lineOf(c, "refresh")).toContain("Successful ir-1, started 2026-11-30T09:59:00.000Z, ended 2026-11-30T10:06:00.000Z (100%)");
    expect(lineOf(c, "healthz")).toMatch(/healthz\s+ok$/);
    expect(lineOf(c, "versions")).toContain(`node ${pins.node}, openclaw ${pins.openclaw}, traefik ${pins.traefik}`);
    expect(lineOf(c, "certificate")).toContain("OK issued by CN=R11,O=Let's Encrypt,C=US, expires 2027-02-01T00:00:00Z (61.88 days)");
    expect(lineOf(c, "boot")).toContain("succeeded, started 2026-11-30T10:00:00Z, ready in 311 s");
    expect(lineOf(c, "disk data")).toContain("/opt/openclaw 2.0 GiB of 20.0 GiB used (10%)");
    expect(lineOf(c, "memory")).toContain("gateway 600 MiB of 1.5 GiB MemoryMax (39%); host 900 MiB available of 2.0 GiB");
    expect(lineOf(c, "snapshot")).toContain("snap-0aaaabbbbccccdddd of vol-0123456789abcdef0: completed, started 2026-11-30T03:00:12.000Z (24 h ago)");
    expect(lineOf(c, "backup")).toMatch(/^ {2}backup\s+2026-12-01T02-31-40\.512\+00-00-openclaw-backup\.tar\.gz, 3 MiB, 0 h ago \(7 kept\)$/);
    expect(c.err).toEqual([]);
  });

  test("--json: the documented shape, stable keys; the boot read from its lines", async () => {
    hostAnswers(healthyHost());
    const c = testIo();
    expect(await status(["--json", "--env", "prod"], c.io)).toBe(0);
    const report: StatusReport = JSON.parse(c.out.join("\n"));
    expect(Object.keys(report)).toEqual(["environment", "region", "group", "instanceId", "host", "facts", "problems"]);
    expect(Object.keys(report.group)).toEqual(["name", "desired", "min", "max", "instances", "launchHookPending", "latestRefresh"]);
    expect(Object.keys(report.host!).sort()).toEqual(["boot", "certificate", "checkedAt", "disk", "healthz", "memory", "snapshot", "units", "versions", "watchdog", "backups"].sort());
    expect(report.host!.boot).toEqual({ result: "succeeded", startedAt: "2026-11-30T10:00:00Z", seconds: 311, step: "done" });
    expect(report.host!.backups).toEqual(healthyHost().backups);
    expect(report.problems).toEqual([]);
    expect(report.instanceId).toBe("i-0123456789abcdef0");
  });

  test("--help: no command word, the one operation's summary and its options", async () => {
    const c = testIo();
    expect(await status(["--help"], c.io)).toBe(0);
    expect(c.out.join("\n")).toMatch(/^usage: npm run status -- \[--env NAME\] \[--json\]\n\n {2}one screen: /);
    expect(c.out.join("\n")).toContain("--json       print the report as JSON (its shape: docs/operating.md#status)");
    const wrong = testIo();
    expect(await status(["list"], wrong.io)).toBe(2);
    expect(wrong.err.join("\n")).toMatch(/^error: status takes no arguments\n\nusage: npm run status/);
  });
});

describe("npm run status: problems are marked and make the exit code 1", () => {
  test("a host that fails /healthz: the healthz line is marked, the error names it", async () => {
    hostAnswers(healthyHost({ healthz: { ok: false }, units: { gateway: "activating", traefik: "active", watchdog: "active", certGuard: "active" } }));
    const c = testIo();
    expect(await status([], c.io)).toBe(1);
    expect(lineOf(c, "healthz")).toMatch(/^! healthz\s+FAILED: the gateway did not answer \/healthz on loopback$/);
    expect(lineOf(c, "units")).toMatch(/^! units\s+gateway activating, traefik active/);
    expect(c.out.join("\n").split("\n").at(-1)).toBe('2 problem(s), marked "!"');
    expect(c.err.join("\n")).toBe("error: 2 problem(s):\n  healthz: FAILED: the gateway did not answer /healthz on loopback\n"
      + "  units: gateway activating, traefik active, watchdog active, certGuard active");
  });

  test.each([
    ["a full data disk", { disk: { data: { mount: "/opt/openclaw", sizeBytes: 100, usedBytes: 90, availableBytes: 10, mounted: true }, root: healthyHost().disk.root } }, "disk data"],
    ["an unmounted data volume", { disk: { data: { mount: "/opt/openclaw", sizeBytes: 100, usedBytes: 1, availableBytes: 99, mounted: false }, root: healthyHost().disk.root } }, "disk data"],
    ["the gateway near its MemoryMax", { memory: { ...healthyHost().memory, gatewayBytes: 1500 * 1024 ** 2 } }, "memory"],
    ["Traefik's default certificate", { certificate: { ...healthyHost().certificate!, state: "DNS_NOT_READY", cert: "DEFAULT_CERT" } }, "certificate"],
    ["a certificate close to expiry", { certificate: { ...healthyHost().certificate!, daysLeft: 3.5 } }, "certificate"],
    ["a failed boot", { boot: { lines: [...BOOT_LINES, "2026-12-01T02:00:00Z     openclaw-aws boot for environment prod", "2026-12-01T02:00:09Z ==> node", "2026-12-01T02:03:00Z     FAILED in step 'node' (exit 1, line 88); the boot did not complete"] } }, "boot"],
    ["a stale snapshot", { snapshot: { volumeId: "vol-1", latest: { id: "snap-1", state: "completed", startTime: "2026-11-27T03:00:00.000Z", progress: "100%" } } }, "snapshot"],
    ["a snapshot list the host could not read", { snapshot: { volumeId: "vol-1", error: "An error occurred (UnauthorizedOperation) when calling the DescribeSnapshots operation" } }, "snapshot"],
    ["versions other than the settings pin", { versions: { ...healthyHost().versions, openclaw: "2026.8.1" } }, "versions"],
    ["the watchdog paused", { watchdog: { lastVerdict: "ok", maintenance: true } }, "watchdog"],
    ["a backup archive two nights old", { backups: { ...healthyHost().backups, latest: { ...healthyHost().backups.latest!, modifiedAt: "2026-11-28T02:31:00Z" } } }, "backup"],
    ["a failed backup run", { backups: { ...healthyHost().backups, lastResult: "exit-code" } }, "backup"],
    ["no backup yet and a failed run", { backups: { count: 0, lastResult: "timeout", latest: null } }, "backup"],
    ["a status document without backups (a stack older than this CLI)", { backups: undefined }, "backup"],
  ] as Array<[string, Partial<HostStatus>, string]>)("%s", async (_what, overrides, key) => {
    hostAnswers(healthyHost(overrides));
    const c = testIo();
    expect(await status([], c.io)).toBe(1);
    expect(c.out.join("\n").split("\n").filter((l) => l.startsWith("!")).map((l) => l.slice(2).split(/\s{2,}/)[0])).toEqual([key]);
  });

  test("a snapshot not taken yet is no problem (DLM's first one comes at 03:00 UTC)", async () => {
    hostAnswers(healthyHost({ snapshot: { volumeId: "vol-1", latest: null } }));
    const c = testIo();
    expect(await status([], c.io)).toBe(0);
    expect(lineOf(c, "snapshot")).toContain("of vol-1: none yet");
  });

  test("no backup archive yet is no problem before the first night (openclaw-backup runs at 02:30 UTC)", async () => {
    hostAnswers(healthyHost({ backups: { count: 0, lastResult: "success", latest: null } }));
    const c = testIo();
    expect(await status([], c.io)).toBe(0);
    expect(lineOf(c, "backup")).toContain("none yet (openclaw-backup runs daily at 02:30 UTC)");
  });

  test("a rolled-back refresh is marked", async () => {
    autoScaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: "ir-2", Status: "RollbackSuccessful", StatusReason: "the new instance failed its health checks", StartTime: new Date(NOW - 3_600_000) }] });
    hostAnswers(healthyHost());
    const c = testIo();
    expect(await status([], c.io)).toBe(1);
    expect(lineOf(c, "refresh")).toMatch(/^! refresh\s+RollbackSuccessful ir-2, started .*: the new instance failed its health checks$/);
  });
});

describe("npm run status: clear errors", () => {
  test("no credentials: one sentence, no stack trace, nothing sent", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));
    const c = testIo();
    expect(await status([], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(/^error: No AWS credentials found\. Configure them/);
    expect(c.err.join("\n")).not.toMatch(/\n\s+at /);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test("no InService instance: the group, the pending launch hook and the refresh are shown; the error says why; nothing sent", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(group([{ id: "i-0new", state: "Pending:Wait" }]));
    autoScaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: "ir-3", Status: "InProgress", StartTime: new Date(NOW - 120_000), PercentageComplete: 0 }] });
    const c = testIo();
    expect(await status([], c.io)).toBe(1);
    expect(lineOf(c, "instance")).toMatch(/^! instance\s+i-0new Pending:Wait Healthy/);
    expect(lineOf(c, "lifecycle")).toContain("launch hook pending");
    expect(lineOf(c, "refresh")).toContain("InProgress ir-3");
    expect(lineOf(c, "host")).toMatch(/^! host\s+not checked: no InService instance$/);
    expect(c.err.join("\n")).toContain("error: No running instance in Auto Scaling group openclaw-prod (eu-west-1): i-0new Pending:Wait");
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test("no group: the stack is not deployed (or wrong --env/region)", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    const c = testIo();
    expect(await status([], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("Auto Scaling group openclaw-prod not found in eu-west-1");
    expect(c.out).toEqual([]);
  });

  test("a document that is not deployed yet (a stack older than this CLI)", async () => {
    ssm.on(SendCommandCommand).rejects(awsError("InvalidDocument"));
    const c = testIo();
    expect(await status([], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("Deploy the stack first (cdktf deploy openclaw-prod)");
  });
});

describe("the last boot, from the boot log's lines", () => {
  test("the last of several boots counts; its failure names the step and the seconds to it", () => {
    const failed = [...BOOT_LINES, "2026-12-01T02:00:00Z     openclaw-aws boot for environment prod", "2026-12-01T02:00:09Z ==> node",
      "2026-12-01T02:03:00Z     FAILED in step 'node' (exit 1, line 88); the boot did not complete"];
    expect(lastBoot(failed)).toEqual({ result: "failed", startedAt: "2026-12-01T02:00:00Z", seconds: 180, step: "node" });
    expect(lastBoot(BOOT_LINES)).toEqual({ result: "succeeded", startedAt: "2026-11-30T10:00:00Z", seconds: 311, step: "done" });
    expect(lastBoot(BOOT_LINES.slice(0, 3))).toEqual({ result: "unfinished", startedAt: "2026-11-30T10:00:00Z", seconds: null, step: "find the data volume" });
    expect(lastBoot([])).toEqual({ result: "unknown", startedAt: null, seconds: null, step: null });
  });
});

describe("the status document", () => {
  const settings = testSettings();
  const script = commandDocument(STATUS, settings).mainSteps[0].inputs.runCommand.join("\n");

  test("its only AWS call is STATUS_OPERATIONS' (the host role allows it: iam-boundary.test.ts), bounded, in the stack's region", () => {
    const calls = [...script.matchAll(/\baws (ec2|ssm|autoscaling|s3api) ([a-z][a-z-]*)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(calls).toEqual(STATUS_OPERATIONS.map((o) => `${o.service} ${o.operation}`));
    expect(script).toMatch(/timeout 60 aws ec2 describe-snapshots --cli-connect-timeout 10 --cli-read-timeout 30 --region us-east-1 --owner-ids self /);
    expect(script).toContain("curl -fsS --max-time 5 http://127.0.0.1:18789/healthz");
  });

  test("a version bump does not change it: it finds the runtimes from the installed units (an upgrade plan stays three updates)", () => {
    const bumped = testSettings({ versions: { ...settings.versions, node: "24.99.0", traefik: "3.99.0" } });
    expect(commandDocument(STATUS, bumped)).toEqual(commandDocument(STATUS, settings));
    expect(script).not.toContain(settings.versions.node);
  });

  test("read-only: it starts, stops, restarts, writes nothing (no systemctl verb but cat/is-active/show, no redirect but to its temp dir)", () => {
    const verbs = [...script.matchAll(/systemctl (\S+)/g)].map((m) => m[1]);
    expect([...new Set(verbs)].sort()).toEqual(["cat", "is-active", "show"]);
    // Redirections to a file (a path or a variable; jq's `length > 0` is no redirection), stderr's included.
    const redirects = [...script.matchAll(/[0-9]?>\s*("?[$/][^\s&|;)]*)/g)].map((m) => m[1]).filter((target) => target !== "/dev/null");
    expect(redirects).toEqual(['"$DIR/snapshots"', '"$DIR/error"']);
  });

  test("shellcheck finds nothing in it as POSIX sh (the agent runs sh)", () => {
    const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (!requireInCi(probe.error ? `shellcheck is not installed (${probe.error.message})` : undefined, "shellcheck of the status document")) return;
    const result = spawnSync("shellcheck", ["-s", "sh", "-"], { input: script, encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
    for (const shell of ["dash", "bash"]) expect(spawnSync(shell, ["-n", "-c", script]).status).toBe(0);
  });
});
