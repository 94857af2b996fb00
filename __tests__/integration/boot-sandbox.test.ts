import * as fs from "node:fs";
import * as path from "node:path";
import { ANTHROPIC_API_KEY, GATEWAY_TOKEN, secretParameterName, secretsInUse } from "../../modules/secrets-catalogue";
import { resourceNames } from "../../modules/names";
import { hostContract } from "../../modules/host/contract";
import { openclawConfigFile } from "../../modules/host/layout";
import { AWS_ATTEMPTS, renderTools } from "../../modules/host/tools";
import { HOST_SCRIPT_VERSIONS_SEARCHED, LAUNCH_HOOK, preserveHostNameFile, WAITS } from "../../modules/host/steps";
import { hostScriptLocation, openclawConfigLocation, openclawLock, openclawLockLocation, SHIPPED_PINS, shippedNodePin } from "../../modules/host/pins";
import { renderBootScript } from "../../modules/host";
import { renderUnits } from "../../modules/host/units";
import { requireInCi, testSettings } from "../helpers/settings";
import { BootSandbox, INSTANCE_ID, OLD_INSTANCE_ID, sandboxProblem, VOLUME_ID } from "../helpers/sandbox";
import type { AwsCliCall } from "../helpers/fake-cloud";
import { writeSandboxBootTimings } from "../helpers/timings";

/**
 * The real rendered boot script, run as root in a bubblewrap sandbox (see helpers/sandbox.ts for
 * what is real and what is faked), then its host tools: refresh-secrets, admin, watchdog.
 */
const canRun = requireInCi(sandboxProblem(), "the boot-script sandbox tests");
const describeSandbox = canRun ? describe : describe.skip;
jest.setTimeout(300_000); // generous: CI runs other suites beside this one on 2 cores

const settings = testSettings({ hostOs: "debian12" });
/** The same with alerts on (an e-mail address): the boot publishes its BootAbandoned data point. */
const alerting = testSettings({ hostOs: "debian12", alerts: ["ops@clawops.dev"] });
const layout = hostContract(settings);
/** The rendered units the host tools run under: the sandbox reproduces their /proc (ProcSubset=). */
const units = renderUnits(settings, layout);
const names = resourceNames(settings);

const ops = (calls: AwsCliCall[], operation: string) => calls.filter((c) => c.operation === operation);
const option = (call: AwsCliCall, name: string) => call.argv[call.argv.indexOf(name) + 1];
/** The secrets file as written (one line of JSON) and its gateway token. */
const secretsFileOf = (sb: BootSandbox) => fs.readFileSync(sb.host(layout.secretsFile), "utf8");
const tokenIn = (secretsFile: string) => (JSON.parse(secretsFile) as Record<string, string>)[GATEWAY_TOKEN.id];
/** The launch lifecycle results the boot sent, in order. */
const launchResults = (calls: AwsCliCall[]) => ops(calls, "complete-lifecycle-action").map((c) => option(c, "--lifecycle-action-result"));
/** The alarms' data points the boot sent (modules/host/metrics.ts), as their --metric-data shorthand. */
const dataPoints = (calls: AwsCliCall[]) => ops(calls, "put-metric-data").map((c) => `${option(c, "--namespace")} ${option(c, "--metric-data")}`);
const bootAbandoned = (value: number) => `OpenClaw MetricName=BootAbandoned,Value=${value},Unit=Count,Dimensions=[{Name=Environment,Value=${settings.environment}}]`;

/**
 * Network commands of a boot script that run without a time bound, as "line: why". Looks at the
 * script's own lines (not the here-documents it writes) with continuations joined and quoted
 * strings removed: a curl needs --max-time, an aws call --cli-connect-timeout and
 * --cli-read-timeout, npm a \`timeout\` in front of it.
 */
function unboundedNetworkLines(script: string): string[] {
  const code = script.replace(/<<'OPENCLAW_EOF'\n[\s\S]*?\nOPENCLAW_EOF/g, "").replace(/\\\n\s*/g, " ");
  const problems: string[] = [];
  for (const line of code.split("\n")) {
    const bare = line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""');
    if (/^\s*#/.test(bare) || /command -v /.test(bare)) continue;
    const runs = (cmd: string) => new RegExp(`(?:^|[\\s;(|&])${cmd}\\s`).test(bare);
    if (runs("curl") && !/--max-time \d+/.test(bare)) problems.push(`${line.trim()}: curl without --max-time`);
    if (runs("aws") && !(/--cli-connect-timeout \d+/.test(bare) && /--cli-read-timeout \d+/.test(bare))) {
      problems.push(`${line.trim()}: aws without --cli-connect-timeout/--cli-read-timeout`);
    }
    if (runs("npm") && !/\btimeout (?:--kill-after=\d+ )?\d+ npm\s/.test(bare)) problems.push(`${line.trim()}: npm without timeout`);
  }
  return problems;
}

describe("boot script: every network step is bounded in time (the rendered script, parsed)", () => {
  test.each(["al2023", "debian12"] as const)("%s: no curl, aws or npm line without a bound", (hostOs) => {
    const script = renderBootScript(testSettings({ hostOs }));
    expect(unboundedNetworkLines(script)).toEqual([]);
    // It does look at them: the script has each kind of line.
    expect(script).toMatch(/^.*\bnpm "\$@"/m);
    expect(script).toMatch(/aws ec2 attach-volume/);
    expect(script).toMatch(/curl -fsSL/);
  });

  test.each(["al2023", "debian12"] as const)("%s: no curl or aws line without a bound in the tools the host runs later (watchdog, secrets refresh, cert guard)", (hostOs) => {
    const settings = testSettings({ hostOs });
    const tools = renderTools(settings, hostContract(settings));
    const problems = Object.entries(tools).flatMap(([file, body]) => unboundedNetworkLines(body).map((p) => `${file}: ${p}`));
    expect(problems).toEqual([]);
    // It does look at them: the watchdog reports through aws, the refresh tool reads SSM.
    expect(Object.values(tools).join("\n")).toMatch(/aws autoscaling set-instance-health/);
    expect(Object.values(tools).join("\n")).toMatch(/aws ssm get-parameter/);
  });

  test("the parser finds an unbounded curl, aws or npm (also continued over lines)", () => {
    const bad = [
      'fetch() { curl -fsSL --retry 5 -o "$2" "$1"; }',
      'X=$(aws ec2 describe-volumes --cli-read-timeout 30 --output json)',
      'PATH="$NODE_DIR/bin:$PATH" npm install --global \\\n    openclaw@1',
      'log "curl and aws in a message are not commands"',
      "command -v aws >/dev/null 2>&1 || MISSING+=(awscli)",
      "cat <<'OPENCLAW_EOF'\ncurl http://unbounded.example/ in a file\nOPENCLAW_EOF",
    ].join("\n");
    expect(unboundedNetworkLines(bad).map((p) => p.replace(/^.*: /, ""))).toEqual([
      "curl without --max-time", "aws without --cli-connect-timeout/--cli-read-timeout", "npm without timeout"]);
  });
});

describeSandbox("boot script in a sandbox: first boot, then a re-run", () => {
  let sb: BootSandbox;
  let first: ReturnType<BootSandbox["boot"]>;
  let calls: AwsCliCall[];

  beforeAll(() => {
    sb = new BootSandbox(settings);
    first = sb.boot();
    writeSandboxBootTimings(sb.bootLog());
    calls = sb.awsCalls();
    // eslint-disable-next-line no-console
    console.log(`boot script sandbox run (first boot): ${first.ms.toFixed(0)} ms`);
  });
  afterAll(() => sb?.dispose());

  test("it succeeds and logs every step and a summary", () => {
    expect(first.status).toBe(0);
    const log = sb.bootLog();
    for (const step of ["instance metadata (IMDSv2)", "attach the data volume", "mount the data volume", "associate the Elastic IP",
      "install Node.js 24.21.0", "install openclaw 2026.9.6", "install Traefik 3.7.9", "secrets from SSM Parameter Store",
      "systemd units", "wait for DNS", "wait for the gateway's /healthz"]) {
      expect(log).toContain(`==> ${step}`);
    }
    // The domain resolves to the Elastic IP (sandbox /etc/hosts) and IMDS reports it once associated: no wait.
    expect(log).toContain(`openclaw-boot: DNS ready: ${settings.domainName} resolves to 203.0.113.10 (poll 1)`);
    expect(log).toMatch(/summary: instance i-0a1b2c3d4e5f60718, volume vol-0123456789abcdef0 .* address 203\.0\.113\.10/);
    expect(log).not.toContain("FAILED");
  });

  test("IMDSv2: a session token first, then metadata requests carrying it", () => {
    const imds = sb.lines("imds.log");
    expect(imds[0]).toBe("PUT /latest/api/token");
    expect(imds).toEqual(expect.arrayContaining(["GET /latest/meta-data/instance-id", "GET /latest/meta-data/placement/region"]));
    expect(calls.every((c) => c.region === "us-east-1")).toBe(true);
  });

  test("the host name becomes openclaw-<environment> before the gateway starts, and cloud-init keeps it", () => {
    // openclaw reclaims a dead gateway's state lease only on the same host name (openclaw/openclaw#155644).
    expect(sb.lines("hostnamectl.log")).toEqual([`set-hostname ${layout.hostName}`]);
    expect(fs.readFileSync(sb.host("/fake/state/hostname"), "utf8").trim()).toBe("openclaw-test");
    expect(fs.readFileSync(sb.host(preserveHostNameFile(layout).path), "utf8")).toMatch(/^preserve_hostname: true$/m);
    const log = sb.bootLog();
    expect(log.indexOf("==> host name")).toBeLessThan(log.indexOf("==> start services"));
  });

  test("the volume is found by its tags, attached to this instance and formatted once", () => {
    expect(ops(calls, "describe-volumes")[0].argv).toEqual(expect.arrayContaining([
      "Name=tag:openclaw:environment,Values=test", "Name=tag:openclaw:role,Values=data-volume"]));
    const attach = ops(calls, "attach-volume");
    expect(attach).toHaveLength(1);
    expect(option(attach[0], "--volume-id")).toBe(VOLUME_ID);
    expect(option(attach[0], "--instance-id")).toBe(INSTANCE_ID);
    expect(sb.lines("block.log").filter((l) => l.startsWith("mkfs.ext4"))).toEqual(["mkfs.ext4 -q -L openclaw-data /fake/state/nvme1n1"]);
    const uuid = fs.readFileSync(sb.host("/fake/state/fs-nvme1n1"), "utf8").trim();
    const fstab = fs.readFileSync(sb.host("/etc/fstab"), "utf8");
    expect(fstab).toContain(`UUID=${uuid} /opt/openclaw ext4 defaults,nofail,noatime,nosuid,nodev 0 2\n`);
    expect(fstab).toContain("UUID=0f0f0f0f-root / ext4"); // the rest of fstab is kept
    expect(sb.lines("block.log")).toContain("mount -o noatime,nosuid,nodev /fake/state/nvme1n1 /opt/openclaw");
  });

  test("the Elastic IP is found by its tags and associated with re-association allowed", () => {
    const associate = ops(calls, "associate-address");
    expect(associate).toHaveLength(1);
    expect(associate[0].argv).toEqual(expect.arrayContaining(["--allow-reassociation", "--instance-id", INSTANCE_ID]));
    expect(sb.readAws().address.holder).toBe(INSTANCE_ID);
  });

  test("downloads are verified and unpacked as root; openclaw is installed from its lock by nobody, then owned by root", () => {
    expect(sb.lines("downloads.log")).toEqual([
      `GET /ssm-agent/${SHIPPED_PINS.ssmAgent.version}/debian_arm64/amazon-ssm-agent.deb`, // first: the host stays reachable whatever fails later
      "GET /node/v24.21.0/SHASUMS256.txt", "GET /node/v24.21.0/node-v24.21.0-linux-arm64.tar.xz",
      "GET /traefik/v3.7.9/traefik_v3.7.9_checksums.txt", "GET /traefik/v3.7.9/traefik_v3.7.9_linux_arm64.tar.gz",
    ]);
    expect(sb.stat(layout.nodeBin)).toMatchObject({ user: "root", group: "root" });
    expect(sb.stat(layout.traefikBin)).toMatchObject({ user: "root" });
    const flags = "--registry http://127.0.0.1:8088/npm/ --no-fund --no-audit --loglevel=warn";
    expect(sb.lines("npm.log")).toEqual([`uid=65534 ci --ignore-scripts ${flags}`, `uid=65534 rebuild openclaw ${flags}`]);
    const lock = openclawLock();
    // The host script first (the loader's last step), then the lock, then openclaw.json (openclaw-apply-config --boot).
    expect(ops(calls, "get-object").map((c) => [option(c, "--bucket"), option(c, "--key")])).toEqual([
      [hostScriptLocation(settings).bucket, hostScriptLocation(settings).key],
      [openclawLockLocation(settings, lock).bucket, openclawLockLocation(settings, lock).key],
      [openclawConfigLocation(settings).bucket, openclawConfigLocation(settings).key]]);
    expect(fs.readFileSync(sb.host(`${layout.openclawPrefix}/lib/package-lock.json`), "utf8")).toBe(lock.lockText);
    expect(sb.stat(layout.openclawEntry)).toMatchObject({ user: "root", group: "root" });
    expect(sb.stat(`${layout.openclawPrefix}/lib/node_modules`)).toMatchObject({ user: "root" });
    expect(fs.readlinkSync(sb.host(layout.openclawBin))).toBe("../lib/node_modules/openclaw/openclaw.mjs");
    // npm's cache stays (root's): every later boot re-installs from it to check the tree.
    expect(sb.stat(`${layout.openclawPrefix}/.npm`)).toMatchObject({ user: "root", group: "root" });
    expect(fs.existsSync(sb.host(`${layout.openclawPrefix}/.installed`))).toBe(true);
  });

  test("secrets: every parameter in use read with decryption (no channel enabled: no channel token); the placeholder token replaced once, never shown", () => {
    const reads = ops(calls, "get-parameter");
    expect(reads.map((c) => option(c, "--name")).sort()).toEqual(secretsInUse(settings).map((secret) => secretParameterName(settings, secret)).sort());
    expect(reads.every((c) => c.argv.includes("--with-decryption"))).toBe(true);
    const puts = ops(calls, "put-parameter");
    expect(puts).toHaveLength(1);
    expect(puts[0].request).toEqual({ Name: secretParameterName(settings, GATEWAY_TOKEN), Type: "SecureString", KeyId: "alias/openclaw-test", Overwrite: true });
    expect(puts[0].requestFileMode).toBe("600");
    const stored = sb.readAws().parameters[secretParameterName(settings, GATEWAY_TOKEN)];
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(secretsFileOf(sb)).toBe(`{"gateway-token":"${stored}"}\n`); // the API key is still a placeholder: left out
    expect(sb.bootLog()).toContain("still holds its placeholder");
    expect(sb.bootLog()).not.toContain(stored);
    expect(first.output).not.toContain(stored);
    expect(JSON.stringify(calls)).not.toContain(stored);
    // no request file left behind (the watchdog directory holds the start mark the boot wrote)
    expect(fs.readdirSync(sb.host("/run/openclaw")).sort()).toEqual(["gateway-secrets.json", "watchdog"]);
  });

  test("files and modes: state 700, config 600, acme.json 600, secrets file 600 root on /run", () => {
    expect(sb.stat(layout.stateDir)).toEqual({ mode: "700", user: "openclaw", group: "openclaw" });
    expect(sb.stat(layout.configPath)).toEqual({ mode: "600", user: "openclaw", group: "openclaw" });
    expect(fs.readFileSync(sb.host(layout.configPath), "utf8")).toBe(openclawConfigFile(settings));
    expect(sb.stat("/opt/openclaw/traefik")).toEqual({ mode: "700", user: "traefik", group: "traefik" });
    expect(sb.stat(layout.acmeStorage)).toEqual({ mode: "600", user: "traefik", group: "traefik" });
    expect(sb.stat("/run/openclaw")).toEqual({ mode: "700", user: "root", group: "root" });
    expect(sb.stat(layout.secretsFile)).toEqual({ mode: "600", user: "root", group: "root" });
    expect(sb.stat(layout.backupsDir)).toEqual({ mode: "700", user: "openclaw", group: "openclaw" });
    expect(sb.stat(layout.gatewayCompileCache)).toEqual({ mode: "700", user: "openclaw", group: "openclaw" });
    for (const tool of [layout.refreshSecretsTool, layout.adminTool, layout.watchdogTool, layout.backupTool, layout.applyConfigTool]) {
      expect(sb.stat(tool)).toEqual({ mode: "755", user: "root", group: "root" });
    }
    for (const unit of ["openclaw-gateway.service", "traefik.service", "openclaw-secrets.service", "openclaw-watchdog.service", "openclaw-watchdog.timer",
      "openclaw-backup.service", "openclaw-backup.timer", "openclaw-apply-config.service", "openclaw-apply-config.timer"]) {
      expect(sb.stat(`/etc/systemd/system/${unit}`)).toEqual({ mode: "644", user: "root", group: "root" });
    }
    expect(sb.stat(layout.traefikStaticConfig).mode).toBe("644");
    const passwd = fs.readFileSync(sb.host("/etc/passwd"), "utf8");
    expect(passwd).toMatch(/^openclaw:x:\d+:\d+::\/opt\/openclaw\/state:\/usr\/sbin\/nologin$/m);
    expect(passwd).toMatch(/^traefik:x:\d+:\d+::\/nonexistent:\/usr\/sbin\/nologin$/m);
  });

  test("services: units enabled, gateway, Traefik and the watchdog timer started, then /healthz answered", () => {
    const systemctl = sb.lines("systemctl.log");
    expect(systemctl).toContain("enable --quiet openclaw-secrets.service openclaw-gateway.service traefik.service openclaw-watchdog.timer");
    expect(systemctl).toContain("daemon-reload");
    expect(systemctl).toContain("restart openclaw-gateway.service");
    expect(systemctl).toContain("restart traefik.service");
    expect(systemctl.indexOf("start openclaw-watchdog.timer")).toBeGreaterThan(systemctl.indexOf("restart traefik.service"));
    expect(systemctl).toContain("enable --now --quiet openclaw-cert-guard.timer");
    expect(systemctl).toContain("enable --now --quiet openclaw-backup.timer");
    expect(sb.lines("gateway.log")).toContain("GET /healthz");
    const log = sb.bootLog();
    expect(log.indexOf("==> wait for the gateway's /healthz")).toBeLessThan(log.indexOf("the gateway answers on /healthz"));
  });

  test("IMDS firewall: rules and unit written root-owned, the unit enabled and restarted before any service starts", () => {
    const unit = `${layout.unitDir}/${layout.imdsFirewallUnit}`;
    for (const file of [layout.imdsFirewallRules, unit]) expect(sb.stat(file)).toEqual({ mode: "644", user: "root", group: "root" });
    expect(fs.readFileSync(sb.host(layout.imdsFirewallRules), "utf8")).toContain("ip daddr 169.254.169.254 meta skuid != 0 reject");
    const systemctl = sb.lines("systemctl.log");
    expect(systemctl).toContain(`enable --quiet ${layout.imdsFirewallUnit}`);
    const restart = systemctl.indexOf(`restart ${layout.imdsFirewallUnit}`);
    expect(restart).toBeGreaterThan(systemctl.indexOf("daemon-reload"));
    expect(restart).toBeLessThan(systemctl.indexOf("restart openclaw-gateway.service"));
  });

  test("Debian: the SSM agent (absent from Debian's AMIs) is installed right after the metadata, before any step that can fail", () => {
    expect(sb.lines("downloads.log").some((l) => l.includes(`/ssm-agent/${SHIPPED_PINS.ssmAgent.version}/debian_arm64/amazon-ssm-agent.deb`))).toBe(true);
    expect(sb.lines("packages.log").filter((l) => l.startsWith("dpkg"))).toEqual([expect.stringMatching(/^dpkg -i .*amazon-ssm-agent\.deb$/)]);
    expect(sb.lines("systemctl.log")[0]).toBe("enable --now amazon-ssm-agent.service");
    const log = sb.bootLog();
    const steps = [...log.matchAll(/==> (.*)$/gm)].map((m) => m[1]);
    expect(steps.slice(0, 3)).toEqual(["instance metadata (IMDSv2)", "SSM agent", "OS packages"]);
    expect(log).toContain("installed and started the SSM agent");
    // No AWS call precedes it; the first is the loader's fetch of the host script.
    expect(sb.awsCalls().slice(0, 2).map((c) => c.operation)).toEqual(["get-object", "describe-volumes"]);
  });

  test("the launch is completed with CONTINUE exactly once, for this instance, hook and group, after /healthz answered", () => {
    const completions = ops(calls, "complete-lifecycle-action");
    expect(completions).toHaveLength(1);
    expect(completions[0].argv).toEqual(expect.arrayContaining([
      "--lifecycle-hook-name", LAUNCH_HOOK.name, "--auto-scaling-group-name", names.autoScalingGroup,
      "--instance-id", INSTANCE_ID, "--lifecycle-action-result", "CONTINUE", "--cli-connect-timeout", "10", "--cli-read-timeout", "30"]));
    expect(calls[calls.length - 1].operation).toBe("complete-lifecycle-action"); // the boot's last AWS call
    // Alerts off (the default): no alarm, so no data point (with alerts on: the CloudWatch tests below).
    expect(dataPoints(calls)).toEqual([]);
    const log = sb.bootLog();
    expect(log.indexOf("the gateway answers on /healthz")).toBeGreaterThan(0);
    expect(log.indexOf("the gateway answers on /healthz")).toBeLessThan(log.indexOf("launch lifecycle action completed: CONTINUE"));
    expect(log.indexOf("launch lifecycle action completed: CONTINUE")).toBeLessThan(log.indexOf("==> done"));
  });

  test("a second run changes nothing: same files, no attach/associate/put, no downloads, no restarts", () => {
    const before = sb.snapshot();
    sb.clearRecords();
    const second = sb.boot();
    expect(second.status).toBe(0);
    const after = sb.snapshot();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    expect(changed).toEqual([]);
    const again = sb.awsCalls();
    expect(again.map((c) => c.operation).sort()).toEqual(
      // One get-parameter per secret in use (the refresh reads them all).
      // The host script and openclaw.json (openclaw-apply-config --boot: unchanged, so not written again).
      ["get-object", "get-object", "complete-lifecycle-action", "describe-addresses", "describe-volumes", "describe-volumes", ...secretsInUse(settings).map(() => "get-parameter")].sort());
    // The host is InService: AWS refuses the completion; the re-run logs that and succeeds.
    expect(launchResults(again)).toEqual(["CONTINUE"]);
    expect(sb.bootLog()).toContain("launch lifecycle action CONTINUE not accepted (expected when this instance is not waiting in Pending:Wait, e.g. a re-run on an InService host); ignored");
    expect(sb.bootLog()).not.toContain("FAILED");
    expect(sb.lines("downloads.log")).toEqual([]);
    // Every boot re-verifies openclaw: the same install, offline from the volume's cache, into a scratch directory.
    const flags = "--registry http://127.0.0.1:8088/npm/ --no-fund --no-audit --loglevel=warn";
    expect(sb.lines("npm.log")).toEqual([`uid=65534 ci --offline --ignore-scripts ${flags}`, `uid=65534 rebuild openclaw ${flags}`]);
    expect(sb.bootLog()).toContain("openclaw 2026.9.6 on the volume matches a fresh install of its lock");
    expect(sb.bootLog()).not.toContain("REINSTALLING");
    expect(sb.lines("block.log").filter((l) => !l.startsWith("blkid"))).toEqual([]);
    expect(sb.lines("systemctl.log").filter((l) => /restart|daemon-reload/.test(l))).toEqual([]);
    expect(sb.bootLog()).toContain("Node.js 24.21.0 on the volume matches its verified archive");
    expect(sb.bootLog()).toContain("Traefik 3.7.9 on the volume matches its verified archive");
    expect(sb.bootLog()).toContain("the SSM agent is installed");
    expect(sb.lines("packages.log")).toEqual([]);
    expect(sb.lines("hostnamectl.log")).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`boot script sandbox run (re-run): ${second.ms.toFixed(0)} ms`);
  });

  test("openclaw-admin runs the openclaw CLI as the openclaw user with the gateway's environment and secrets credential", () => {
    const result = sb.run([layout.adminTool, "devices", "list", "--json"]);
    expect(result.status).toBe(0);
    // The fake systemd-run hands the credential over as systemd does (sandbox-fakes/bin/systemd-run).
    expect(result.output).toContain(
      "fake-openclaw user=openclaw pwd=/opt/openclaw/state home=/opt/openclaw/state state=/opt/openclaw/state config=/opt/openclaw/state/openclaw.json " +
      "credentials=gateway-secrets:openclaw:400:gateway-token env-secrets=none args=devices list --json");
  });

  test("openclaw-refresh-secrets picks up a new API key; --rotate-token --restart stores a new token and restarts", () => {
    sb.updateAws((s) => { s.parameters[secretParameterName(settings, ANTHROPIC_API_KEY)] = "sk-ant-api03-sandbox_Key-0123"; });
    sb.clearRecords();
    const oldToken = tokenIn(secretsFileOf(sb));
    const refreshed = sb.run([layout.refreshSecretsTool], undefined, units[layout.secretsUnit]);
    expect(refreshed.status).toBe(0);
    expect(secretsFileOf(sb)).toBe(`{"gateway-token":"${oldToken}","anthropic-api-key":"sk-ant-api03-sandbox_Key-0123"}\n`);
    expect(ops(sb.awsCalls(), "put-parameter")).toHaveLength(0);
    expect(refreshed.output).not.toContain("sk-ant-api03");

    const rotated = sb.run([layout.refreshSecretsTool, "--rotate-token", "--restart"], undefined, units[layout.secretsUnit]);
    expect(rotated.status).toBe(0);
    const newToken = tokenIn(secretsFileOf(sb));
    expect(newToken).toMatch(/^[0-9a-f]{64}$/);
    expect(newToken).not.toBe(oldToken);
    expect(sb.readAws().parameters[secretParameterName(settings, GATEWAY_TOKEN)]).toBe(newToken);
    expect(ops(sb.awsCalls(), "put-parameter")).toHaveLength(1);
    expect(sb.lines("systemctl.log")).toEqual(["restart openclaw-gateway.service"]);
    expect(rotated.output).not.toContain(newToken!);
    expect(sb.run([layout.refreshSecretsTool, "--bogus"]).status).toBe(64);
  });

  test("watchdog: gateway up → never marks the instance unhealthy; only /healthz is requested", () => {
    sb.setGateway("up");
    sb.clearRecords();
    const runs = settings.watchdog.failuresBeforeReplacement + 3;
    const result = sb.run(["/bin/bash", "-c", `for i in $(seq ${runs}); do ${layout.watchdogTool}; done`], undefined, units[layout.watchdogServiceUnit]);
    expect(result.status).toBe(0);
    expect(ops(sb.awsCalls(), "set-instance-health")).toHaveLength(0);
    expect(sb.lines("gateway.log")).toEqual(Array(runs).fill("GET /healthz"));
  });

  test("watchdog: gateway down → set-instance-health Unhealthy exactly once, after N consecutive failures", () => {
    sb.endStartWindow(); // the boot just started the gateway: its start window would hold any report
    sb.setGateway("down");
    sb.clearRecords();
    const n = settings.watchdog.failuresBeforeReplacement;
    const result = sb.run(["/bin/bash", "-c", `for i in $(seq ${n + 4}); do ${layout.watchdogTool} || echo "exit $?"; done`], undefined, units[layout.watchdogServiceUnit]);
    expect(result.status).toBe(0);
    const health = ops(sb.awsCalls(), "set-instance-health");
    expect(health).toHaveLength(1);
    expect(health[0].argv).toEqual(["autoscaling", "set-instance-health", "--cli-connect-timeout", "10", "--cli-read-timeout", "30", "--instance-id", INSTANCE_ID, "--health-status", "Unhealthy", "--no-should-respect-grace-period"]);
    expect(result.output).toContain(`failed (${n} consecutive; replacement after ${n})`);
    expect(result.output.indexOf(`failed (${n - 1} consecutive`)).toBeLessThan(result.output.indexOf("marked"));
    expect(sb.lines("gateway.log").every((l) => l === "GET /healthz")).toBe(true);
  });

  test("watchdog: a recovery resets the count; a later outage of N failures is reported again, once", () => {
    sb.endStartWindow();
    const n = settings.watchdog.failuresBeforeReplacement;
    const loop = (times: number) => sb.run(["/bin/bash", "-c", `for i in $(seq ${times}); do ${layout.watchdogTool} || true; done`], undefined, units[layout.watchdogServiceUnit]);
    sb.setGateway("up");
    expect(loop(1).status).toBe(0);
    sb.clearRecords();
    sb.setGateway("down");
    loop(n - 1);
    sb.setGateway("up");
    loop(1);
    sb.setGateway("down");
    loop(n - 1);
    expect(ops(sb.awsCalls(), "set-instance-health")).toHaveLength(0); // never N in a row
    loop(3);
    expect(ops(sb.awsCalls(), "set-instance-health")).toHaveLength(1);
  });
});

describeSandbox("boot script in a sandbox: injected faults", () => {
  let sb: BootSandbox;
  afterEach(() => sb?.dispose());

  test("alerts on, CloudWatch unreachable: BootAbandoned 0 is tried just before CONTINUE; the boot completes its launch all the same, the lost data point is one log line", () => {
    sb = new BootSandbox(alerting);
    sb.updateAws((s) => { s.faults.cloudwatchUnreachable = true; });
    const result = sb.boot();
    expect(result.status).toBe(0);
    const calls = sb.awsCalls();
    expect(dataPoints(calls)).toEqual([bootAbandoned(0)]);
    expect(calls.slice(-2).map((c) => c.operation)).toEqual(["put-metric-data", "complete-lifecycle-action"]);
    expect(launchResults(calls)).toEqual(["CONTINUE"]);
    const log = sb.bootLog();
    expect(log).toContain("could not publish the metric OpenClaw/BootAbandoned = 0 (ignored)");
    expect(log).not.toContain("FAILED");
  });

  test("SSM unreachable: bounded retries, then a loud failure naming the step; nothing is started", () => {
    sb = new BootSandbox(settings);
    sb.updateAws((s) => { s.faults.ssmUnreachable = true; });
    const result = sb.boot();
    expect(result.status).not.toBe(0);
    const reads = ops(sb.awsCalls(), "get-parameter");
    expect(reads).toHaveLength(AWS_ATTEMPTS);
    expect(sb.lines("sleeps.log")).toEqual(["3", "6", "9", "12"]);
    const log = sb.bootLog();
    expect(log).toContain(`FAILED: reading ${secretParameterName(settings, GATEWAY_TOKEN)} from SSM Parameter Store did not succeed after ${AWS_ATTEMPTS} attempts`);
    expect(log).toMatch(/FAILED in step 'secrets from SSM Parameter Store' \(exit 1, line \d+\)/);
    expect(log).toContain("Could not connect to the endpoint URL");
    expect(sb.lines("systemctl.log").filter((l) => l.includes("openclaw-gateway"))).toEqual([]);
    expect(fs.existsSync(sb.host(layout.secretsFile))).toBe(false);
    expect(launchResults(sb.awsCalls())).toEqual(["ABANDON"]);
  });

  test("a failing step abandons the launch exactly once, after the failure is logged, and never continues it (alerts on: BootAbandoned 1)", () => {
    sb = new BootSandbox(alerting);
    sb.tamperDownload("node/v24.21.0/node-v24.21.0-linux-arm64.tar.xz");
    const result = sb.boot();
    expect(result.status).not.toBe(0); // the exit trap keeps the boot's failure status
    const calls = sb.awsCalls();
    expect(launchResults(calls)).toEqual(["ABANDON"]);
    expect(dataPoints(calls)).toEqual([bootAbandoned(1)]); // the boot-abandoned alarm's source
    expect(ops(calls, "complete-lifecycle-action")[0].argv).toEqual(expect.arrayContaining(["--instance-id", INSTANCE_ID]));
    const log = sb.bootLog();
    expect(log.indexOf("FAILED in step 'install Node.js 24.21.0'")).toBeLessThan(log.indexOf("launch lifecycle action completed: ABANDON"));
    expect(sb.lines("systemctl.log").filter((l) => /gateway|traefik/.test(l))).toEqual([]);
  });

  test("a failed re-run on an InService host: ABANDON is refused and logged; the host is not taken down", () => {
    sb = new BootSandbox(settings);
    expect(sb.boot().status).toBe(0);
    sb.clearRecords();
    sb.updateAws((s) => { s.faults.ssmUnreachable = true; });
    const rerun = sb.boot();
    expect(rerun.status).not.toBe(0);
    expect(launchResults(sb.awsCalls())).toEqual(["ABANDON"]);
    expect(sb.bootLog()).toContain("launch lifecycle action ABANDON not accepted (expected when this instance is not waiting in Pending:Wait, e.g. a re-run on an InService host); ignored");
    expect(sb.lines("systemctl.log").filter((l) => /^(stop|disable)/.test(l))).toEqual([]);
  });

  test("volume still attached to the dying instance: waits (bounded), then attaches", () => {
    sb = new BootSandbox(settings);
    sb.updateAws((s) => { s.volume.holder = OLD_INSTANCE_ID; s.volume.busyDescribes = 4; });
    const result = sb.boot();
    expect(result.status).toBe(0);
    expect(sb.bootLog()).toContain(`volume ${VOLUME_ID} is in-use on ${OLD_INSTANCE_ID}; waiting`);
    expect(sb.bootLog()).not.toContain("FAILED"); // waiting is not an error
    expect(sb.lines("sleeps.log")).toEqual([String(WAITS.volume.delay), String(WAITS.volume.delay)]);
    const calls = sb.awsCalls().map((c) => c.operation);
    expect(calls.filter((c) => c === "describe-volumes")).toHaveLength(4);
    expect(calls.indexOf("attach-volume")).toBe(5); // right after the describe that found it available (after the host script's fetch)
    expect(sb.readAws().volume.holder).toBe(INSTANCE_ID);
  });

  test("volume attached elsewhere for good: gives up after the bounded wait and names the step", () => {
    sb = new BootSandbox(settings);
    sb.updateAws((s) => { s.volume.holder = OLD_INSTANCE_ID; s.volume.busyDescribes = 100_000; });
    const result = sb.boot();
    expect(result.status).not.toBe(0);
    expect(sb.lines("sleeps.log")).toHaveLength(WAITS.volume.attempts - 1);
    expect(sb.bootLog()).toMatch(/FAILED in step 'wait for the data volume'/);
    expect(ops(sb.awsCalls(), "attach-volume")).toHaveLength(0);
  });

  test("filesystem already present: no mkfs, fstab uses its UUID, the data on it is kept", () => {
    sb = new BootSandbox(settings);
    sb.formatDataVolume("5e1f0d2c-7a3b-4c9d-8e6f-0a1b2c3d4e5f");
    fs.mkdirSync(sb.host("/opt/openclaw/state/state"), { recursive: true });
    fs.writeFileSync(sb.host("/opt/openclaw/state/state/openclaw.sqlite"), "pairings");
    // The gateway's compile cache as a predecessor left it: this openclaw version's and an older one's.
    const cache = (version: string) => sb.host(`${layout.gatewayCompileCache}/openclaw/${version}/1764000000000-4096`);
    for (const version of [settings.versions.openclaw, "2026.1.1"]) {
      fs.mkdirSync(cache(version), { recursive: true });
      fs.writeFileSync(path.join(cache(version), "code.cache"), version);
    }
    const result = sb.boot();
    expect(result.status).toBe(0);
    expect(sb.lines("block.log").filter((l) => l.startsWith("mkfs"))).toEqual([]);
    expect(sb.bootLog()).toContain("already holds a filesystem; keeping it");
    expect(fs.readFileSync(sb.host("/etc/fstab"), "utf8")).toContain("UUID=5e1f0d2c-7a3b-4c9d-8e6f-0a1b2c3d4e5f /opt/openclaw ext4 defaults,nofail");
    expect(fs.readFileSync(sb.host("/opt/openclaw/state/state/openclaw.sqlite"), "utf8")).toBe("pairings");
    // files from an earlier host (another uid) are re-owned to this host's openclaw user
    expect(sb.stat("/opt/openclaw/state/state/openclaw.sqlite").user).toBe("openclaw");
    // The compile cache of this version is kept for the gateway (re-owned); another version's is pruned.
    expect(fs.readFileSync(path.join(cache(settings.versions.openclaw), "code.cache"), "utf8")).toBe(settings.versions.openclaw);
    expect(sb.stat(`${layout.gatewayCompileCache}/openclaw/${settings.versions.openclaw}/1764000000000-4096/code.cache`).user).toBe("openclaw");
    expect(fs.existsSync(sb.host(`${layout.gatewayCompileCache}/openclaw/2026.1.1`))).toBe(false);
  });

  test("the NVMe device is found by serial under udev's other namings, never a partition", () => {
    sb = new BootSandbox(settings);
    fs.writeFileSync(sb.host("/fake/state/nvme1n1p1"), "");
    sb.updateAws((s) => {
      s.deviceLinks = [
        { name: "nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0_1-part1", target: "/fake/state/nvme1n1p1" },
        { name: "nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0_1", target: s.deviceFile },
      ];
    });
    expect(sb.boot().status).toBe(0);
    expect(sb.bootLog()).toContain("device /fake/state/nvme1n1\n");
    expect(sb.lines("block.log")).toContain("mkfs.ext4 -q -L openclaw-data /fake/state/nvme1n1");
  });

  test("a test VM's disk (qemu -device nvme,serial=vol…) is found by the same glob", () => {
    sb = new BootSandbox(settings);
    sb.updateAws((s) => { s.deviceLinks = [{ name: "nvme-QEMU_NVMe_Ctrl_vol0123456789abcdef0", target: s.deviceFile }]; });
    expect(sb.boot().status).toBe(0);
    expect(sb.bootLog()).toContain("device /fake/state/nvme1n1\n");
  });

  test("Elastic IP held by another instance: re-associated to this one", () => {
    sb = new BootSandbox(settings);
    sb.updateAws((s) => { s.address.holder = OLD_INSTANCE_ID; });
    const result = sb.boot();
    expect(result.status).toBe(0);
    const associate = ops(sb.awsCalls(), "associate-address");
    expect(associate).toHaveLength(1);
    expect(associate[0].argv).toEqual(expect.arrayContaining(["--allow-reassociation", "--instance-id", INSTANCE_ID]));
    expect(sb.bootLog()).toContain(`associated 203.0.113.10 (was: ${OLD_INSTANCE_ID})`);
    expect(sb.readAws().address.holder).toBe(INSTANCE_ID);
  });

  test("a gateway that never answers /healthz: bounded wait, loud failure, the watchdog is armed anyway", () => {
    sb = new BootSandbox(settings);
    sb.setGateway("down");
    const result = sb.boot();
    expect(result.status).not.toBe(0);
    expect(sb.lines("sleeps.log")).toHaveLength(WAITS.health.attempts - 1);
    expect(sb.bootLog()).toMatch(/FAILED in step 'wait for the gateway's \/healthz'/);
    expect(sb.lines("systemctl.log")).toContain("start openclaw-watchdog.timer");
    expect(launchResults(sb.awsCalls())).toEqual(["ABANDON"]); // never InService
  });

  test("a host script in the bucket that is not the pinned one is refused before a line of it runs; the launch is abandoned", () => {
    sb = new BootSandbox(settings);
    sb.tamperHostScript("changed");
    const result = sb.boot();
    expect(result.status).not.toBe(0);
    const { bucket, key } = hostScriptLocation(settings);
    const log = sb.bootLog();
    expect(log).toContain(`REFUSED the host script s3://${bucket}/${key}: neither it nor its ${HOST_SCRIPT_VERSIONS_SEARCHED} newest versions are the one this user data pins`);
    expect(log).toMatch(/FAILED in step 'fetch the host script'/);
    expect(launchResults(sb.awsCalls())).toEqual(["ABANDON"]);
    // Nothing of it ran: no host step, no call after the fetch but the abandon, not its payload.
    expect(log).not.toContain("==> host name");
    // (the current version is fetched again by its id: the listing names no other)
    expect(sb.awsCalls().map((c) => c.operation)).toEqual(["get-object", "list-object-versions", "get-object", "complete-lifecycle-action"]);
    expect(fs.existsSync(sb.host("/fake/state/pwned"))).toBe(false);
    expect(fs.existsSync(sb.host(layout.hostScript))).toBe(false);
  });

  test("a launch from an earlier template version (a rollback) runs the host script it pins: an earlier version of the object", () => {
    sb = new BootSandbox(settings);
    sb.publishNewerHostScript("v0001");
    expect(sb.boot().status).toBe(0);
    const { bucket, key } = hostScriptLocation(settings);
    expect(sb.bootLog()).toContain(`the host script this user data pins is version v0001 of s3://${bucket}/${key} (a later deploy replaced it)`);
    const fetches = ops(sb.awsCalls(), "get-object").filter((c) => c.argv.includes(key));
    expect(fetches.map((c) => (c.argv.includes("--version-id") ? option(c, "--version-id") : "latest"))).toEqual(["latest", "current", "v0001"]);
    expect(launchResults(sb.awsCalls())).toEqual(["CONTINUE"]);
  });

  test("a missing host script: bounded retries, a failure naming the object, the launch abandoned", () => {
    sb = new BootSandbox(settings);
    sb.tamperHostScript("missing");
    expect(sb.boot().status).not.toBe(0);
    const { bucket, key } = hostScriptLocation(settings);
    expect(ops(sb.awsCalls(), "get-object")).toHaveLength(WAITS.aws.attempts);
    expect(sb.bootLog()).toContain(`could not fetch the host script s3://${bucket}/${key}`);
    expect(sb.bootLog()).toContain("NoSuchKey");
    expect(launchResults(sb.awsCalls())).toEqual(["ABANDON"]);
    expect(sb.bootLog()).not.toContain("==> host name");
  });

  test("a gateway token already in SSM is used as is: no put-parameter on a replacement host", () => {
    sb = new BootSandbox(settings);
    const existing = "a".repeat(64);
    sb.updateAws((s) => { s.parameters[secretParameterName(settings, GATEWAY_TOKEN)] = existing; });
    expect(sb.boot().status).toBe(0);
    expect(ops(sb.awsCalls(), "put-parameter")).toHaveLength(0);
    expect(tokenIn(secretsFileOf(sb))).toBe(existing);
  });

  test("a Node archive that does not match SHASUMS256.txt is refused; nothing is installed", () => {
    sb = new BootSandbox(settings);
    sb.tamperDownload("node/v24.21.0/node-v24.21.0-linux-arm64.tar.xz");
    const result = sb.boot();
    expect(result.status).not.toBe(0);
    expect(sb.bootLog()).toMatch(/sha256 of node-v24\.21\.0-linux-arm64\.tar\.xz is [0-9a-f]{64}; the published checksums say '[0-9a-f]{64}'/);
    expect(sb.bootLog()).toMatch(/FAILED in step 'install Node\.js 24\.21\.0'/);
    expect(fs.existsSync(sb.host(layout.nodeDir))).toBe(false);
  });

  test("pinned sha256: a wrong Traefik pin is refused, the right one accepted", () => {
    sb = new BootSandbox(settings);
    sb.useSettings(testSettings({ hostOs: "debian12", downloads: { traefikSha256: "f".repeat(64) } }));
    const wrong = sb.boot();
    expect(wrong.status).not.toBe(0);
    expect(sb.bootLog()).toContain(`the pin is ${"f".repeat(64)}`);
    expect(sb.bootLog()).toMatch(/FAILED in step 'install Traefik 3\.7\.9'/);
    const pin = sb.downloadSha256("traefik/v3.7.9/traefik_v3.7.9_linux_arm64.tar.gz");
    sb.useSettings(testSettings({ hostOs: "debian12", downloads: { traefikSha256: pin } }));
    expect(sb.boot().status).toBe(0);
  });

  test("a lock in the bucket that does not match the sha256 in the user data is refused before npm reads it", () => {
    sb = new BootSandbox(settings);
    sb.tamperLock();
    expect(sb.boot().status).not.toBe(0);
    expect(sb.bootLog()).toContain(`the pin is ${openclawLock().sha256}`);
    expect(sb.bootLog()).toMatch(/FAILED in step 'install openclaw 2026\.9\.6'/);
    expect(sb.lines("npm.log")).toEqual([]);
    expect(fs.existsSync(sb.host(`${layout.openclawPrefix}/.installed`))).toBe(false);
  });

  test("the shipped Node pin is checked: an archive that matches its SHASUMS256.txt but not modules/host/pins.ts is refused", () => {
    sb = new BootSandbox(settings);
    // The sandbox serves a fake archive with a matching SHASUMS256.txt (what a compromised origin serves).
    sb.useSettings(settings, { shippedPins: true });
    const result = sb.boot();
    expect(result.status).not.toBe(0);
    expect(sb.bootLog()).toContain(`the pin is ${shippedNodePin("24.21.0", "arm64")}`);
    expect(sb.bootLog()).toMatch(/FAILED in step 'install Node\.js 24\.21\.0'/);
    expect(fs.existsSync(sb.host(layout.nodeDir))).toBe(false);
  });

  test("a pinned SSM agent package (Debian) that does not match its pin is refused before dpkg sees it", () => {
    sb = new BootSandbox(settings);
    sb.useSettings(testSettings({ hostOs: "debian12", downloads: { ssmAgentSha256: "e".repeat(64) } }));
    expect(sb.boot().status).not.toBe(0);
    expect(sb.bootLog()).toContain(`the pin is ${"e".repeat(64)}`);
    expect(sb.lines("packages.log").filter((l) => l.startsWith("dpkg"))).toEqual([]);
    const pin = sb.downloadSha256(`ssm-agent/${SHIPPED_PINS.ssmAgent.version}/debian_arm64/amazon-ssm-agent.deb`);
    sb.useSettings(testSettings({ hostOs: "debian12", downloads: { ssmAgentSha256: pin } }));
    expect(sb.boot().status).toBe(0);
  });

  test("Debian: a missing command's package is installed (after apt-get update), and only then", () => {
    sb = new BootSandbox(settings);
    sb.hideCommand("jq");
    const result = sb.boot();
    expect(result.status).toBe(0);
    expect(sb.lines("packages.log").filter((l) => l.startsWith("apt-get"))).toEqual(["apt-get update -q", "apt-get install -y -q jq"]);
    sb.clearRecords();
    expect(sb.boot().status).toBe(0);
    expect(sb.lines("packages.log")).toEqual([]); // now present: no package manager call
  });

  test("Amazon Linux: a missing command's package is installed with dnf", () => {
    sb = new BootSandbox(testSettings());
    sb.hideCommand("xz");
    expect(sb.boot().status).toBe(0);
    expect(sb.lines("packages.log")).toEqual(["dnf install -y -q xz"]);
  });

  test("the Amazon Linux 2023 rendering boots the same way", () => {
    sb = new BootSandbox(testSettings());
    const result = sb.boot();
    expect(result.status).toBe(0);
    expect(fs.readFileSync(sb.host("/etc/passwd"), "utf8")).toMatch(/^openclaw:x:\d+:\d+::\/opt\/openclaw\/state:\/sbin\/nologin$/m);
    expect(sb.lines("packages.log")).toEqual([]); // every command is present: no package manager call
    expect(sb.bootLog()).not.toContain("SSM agent"); // AL2023 ships it
  });
});
