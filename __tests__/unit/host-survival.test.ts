import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hostContract, HostContract } from "../../modules/host/contract";
import { APT_SOURCES_OVER_HTTPS } from "../../modules/host/host-os";
import { instanceMemoryMiB, memoryBudget } from "../../modules/host/memory";
import { growStep, pruneRuntimesStep, shellHelpers } from "../../modules/host/steps";
import { CONFIG_ERROR_STATUS, MAINTENANCE_MAX_MINUTES, watchdogTool } from "../../modules/host/tools";
import { renderUnits } from "../../modules/host/units";
import { START_GRACE_SECONDS } from "../../modules/host/posix";
import { testSettings } from "../helpers/settings";

/**
 * The host's survival pieces (issue 12, point 3), as rendered, run here in bash against temporary
 * directories and stand-in commands: symlink-safe modes, runtime pruning, online growth, apt over
 * HTTPS and the watchdog's decisions. The sandbox (integration/boot-sandbox-survival.test.ts)
 * runs the same through the whole boot script.
 */
const settings = testSettings();

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-survival-")); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs bash with the boot script's helpers and `bin` (stand-in commands) first on PATH. */
function bash(body: string, bin?: string): { status: number | null; stdout: string; stderr: string } {
  const script = `set -euo pipefail\nlog() { echo "LOG $*"; }\n${shellHelpers()}\n${body}`;
  const env = { ...process.env, PATH: bin ? `${bin}:${process.env.PATH}` : process.env.PATH };
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const owner = () => spawnSync("bash", ["-c", "printf '%s:%s' \"$(id -un)\" \"$(id -gn)\""], { encoding: "utf8" }).stdout;
const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
function stub(bin: string, name: string, body: string): void {
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
}

describe("symbolic links on the data volume are never followed", () => {
  test("ensure_mode refuses a link loudly and leaves its target's mode alone", () => {
    const target = path.join(dir, "target");
    fs.writeFileSync(target, "root's file", { mode: 0o644 });
    fs.symlinkSync(target, path.join(dir, "acme.json"));
    const result = bash(`ensure_mode ${dir}/acme.json 600 ${owner()}`);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain(`LOG REFUSED to chown/chmod ${dir}/acme.json: it is a symbolic link (to ${target})`);
    expect(mode(target)).toBe("644");
  });

  test("put_file replaces a link holding the same content by a file of its own; the target is untouched", () => {
    const target = path.join(dir, "target");
    fs.writeFileSync(target, "same\n", { mode: 0o644 });
    fs.symlinkSync(target, path.join(dir, "openclaw.json"));
    const result = bash(`put_file ${dir}/openclaw.json 600 ${owner()} <<<"same"; echo "changed=$FILE_CHANGED"`);
    expect(result.stdout).toContain("changed=1");
    expect(fs.lstatSync(path.join(dir, "openclaw.json")).isSymbolicLink()).toBe(false);
    expect(mode(path.join(dir, "openclaw.json"))).toBe("600");
    expect(mode(target)).toBe("644");
  });
});

describe("runtimes: per architecture; the current and the previous are kept, the rest pruned", () => {
  const contract = (versions: { node: string; openclaw: string; traefik: string }, instanceType = "t4g.small"): HostContract => {
    const c = hostContract({ ...settings, instanceType, versions: { ...settings.versions, ...versions } });
    const under = (p: string) => p.replace(c.runtimeDir, dir);
    return { ...c, runtimeDir: dir, runtimesCurrentList: under(c.runtimesCurrentList), runtimesPreviousList: under(c.runtimesPreviousList),
      nodeDir: under(c.nodeDir), openclawPrefix: under(c.openclawPrefix), traefikDir: under(c.traefikDir) };
  };
  const boot = (c: HostContract) => {
    for (const d of [c.nodeDir, c.openclawPrefix, c.traefikDir]) fs.mkdirSync(d, { recursive: true });
    const result = bash(pruneRuntimesStep(c).replace(/^step .*$/m, ""));
    expect(result.status).toBe(0);
    return result.stdout;
  };
  const listing = () => fs.readdirSync(dir).filter((e) => !e.startsWith(".")).sort();

  test("the runtime directories carry the architecture: a t3 host never runs a t4g host's installs", () => {
    const arm = hostContract({ ...settings, instanceType: "t4g.small" });
    const x86 = hostContract({ ...settings, instanceType: "t3.small" });
    expect(arm.nodeDir).toBe("/opt/openclaw/runtime/node-v24.21.0-arm64");
    expect(x86.openclawPrefix).toBe("/opt/openclaw/runtime/openclaw-2026.9.6-x86_64");
    for (const key of ["nodeDir", "openclawPrefix", "traefikDir", "nodeBin", "openclawEntry", "traefikBin"] as const) {
      expect(arm[key]).not.toBe(x86[key]);
    }
  });

  test("three upgrades and an architecture switch: only the current and the previous set remain", () => {
    fs.mkdirSync(path.join(dir, "node-v20.0.0")); // an install from before the architecture was in the name
    fs.mkdirSync(path.join(dir, "openclaw-2026.1.1-arm64.partial")); // an interrupted install
    boot(contract({ node: "24.1.0", openclaw: "2026.8.1", traefik: "3.5.0" }));
    expect(listing()).toEqual(["node-v24.1.0-arm64", "openclaw-2026.8.1-arm64", "traefik-v3.5.0-arm64"]);
    boot(contract({ node: "24.2.0", openclaw: "2026.9.6", traefik: "3.5.0" }));
    expect(listing()).toEqual(["node-v24.1.0-arm64", "node-v24.2.0-arm64", "openclaw-2026.8.1-arm64", "openclaw-2026.9.6-arm64", "traefik-v3.5.0-arm64"]);
    const log = boot(contract({ node: "24.2.0", openclaw: "2026.9.6", traefik: "3.5.0" }, "t3.small"));
    expect(listing()).toEqual(["node-v24.2.0-arm64", "node-v24.2.0-x86_64", "openclaw-2026.9.6-arm64", "openclaw-2026.9.6-x86_64",
      "traefik-v3.5.0-arm64", "traefik-v3.5.0-x86_64"]);
    expect(log).toContain(`LOG pruned ${dir}/node-v24.1.0-arm64 (neither the current nor the previous runtime)`);
    // A re-run with the same versions keeps the previous set (the rollback target) and prunes nothing.
    expect(boot(contract({ node: "24.2.0", openclaw: "2026.9.6", traefik: "3.5.0" }, "t3.small"))).not.toContain("pruned");
    expect(listing()).toHaveLength(6);
  });
});

describe("the data filesystem grows online to its device", () => {
  const fakes = (deviceBytes: number, fsBlocks: number) => {
    const bin = path.join(dir, "bin");
    stub(bin, "blockdev", `echo ${deviceBytes}`);
    stub(bin, "dumpe2fs", `echo "dumpe2fs 1.47.0 (5-Feb-2023)"; printf 'Block count:              %s\\nBlock size:               4096\\n' "$(cat ${dir}/blocks 2>/dev/null || echo ${fsBlocks})"`);
    stub(bin, "resize2fs", `echo "resize2fs $*" >>${dir}/resize.log; echo $((${deviceBytes} / 4096)) >${dir}/blocks`);
    return bin;
  };

  test("a 20 GiB volume holding a 10 GiB filesystem: resize2fs on the mounted device, sizes logged before and after", () => {
    const result = bash(`DEVICE=/dev/nvme1n1\n${growStep()}`.replace(/^step .*$/m, ""), fakes(20 * 2 ** 30, 10 * 2 ** 18));
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "resize.log"), "utf8")).toBe("resize2fs /dev/nvme1n1\n");
    expect(result.stdout).toContain("LOG the filesystem on /dev/nvme1n1 has 10737418240 of the device's 21474836480 bytes; growing it online");
    expect(result.stdout).toContain("LOG the filesystem on /dev/nvme1n1 now has 21474836480 bytes");
  });

  test("a filesystem that fills its device is left alone", () => {
    const result = bash(`DEVICE=/dev/nvme1n1\n${growStep()}`.replace(/^step .*$/m, ""), fakes(10 * 2 ** 30, 10 * 2 ** 18));
    expect(result.status).toBe(0);
    expect(fs.existsSync(path.join(dir, "resize.log"))).toBe(false);
    expect(result.stdout).toContain("LOG the filesystem fills /dev/nvme1n1 (10737418240 bytes)");
  });
});

describe("Debian: apt sources move to HTTPS (the security group allows only 443 out)", () => {
  test("one-line, deb822 and mirror-list sources of Debian's hosts are rewritten; others and https ones untouched", () => {
    const apt = path.join(dir, "apt");
    fs.mkdirSync(path.join(apt, "sources.list.d"), { recursive: true });
    fs.mkdirSync(path.join(apt, "mirrors"));
    fs.writeFileSync(path.join(apt, "sources.list"), "deb http://cdn-aws.deb.debian.org/debian bookworm main\ndeb http://security.debian.org/debian-security bookworm-security main\n");
    fs.writeFileSync(path.join(apt, "sources.list.d", "debian.sources"),
      "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n");
    fs.writeFileSync(path.join(apt, "mirrors", "debian.list"), "http://cdn-aws.deb.debian.org/debian\n");
    fs.writeFileSync(path.join(apt, "sources.list.d", "other.list"), "deb http://apt.example.org/x stable main\n");
    const result = bash(APT_SOURCES_OVER_HTTPS.replace(/\/etc\/apt/g, apt));
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(apt, "sources.list"), "utf8")).toBe(
      "deb https://cdn-aws.deb.debian.org/debian bookworm main\ndeb https://security.debian.org/debian-security bookworm-security main\n");
    expect(fs.readFileSync(path.join(apt, "sources.list.d", "debian.sources"), "utf8")).toContain("URIs: https://deb.debian.org/debian\n");
    expect(fs.readFileSync(path.join(apt, "mirrors", "debian.list"), "utf8")).toBe("https://cdn-aws.deb.debian.org/debian\n");
    expect(fs.readFileSync(path.join(apt, "sources.list.d", "other.list"), "utf8")).toBe("deb http://apt.example.org/x stable main\n");
    expect(result.stdout.match(/now use HTTPS/g)).toHaveLength(3);
    expect(bash(APT_SOURCES_OVER_HTTPS.replace(/\/etc\/apt/g, apt)).stdout).toBe(""); // a second run changes nothing
  });
});

describe("memory: heap cap, MemoryHigh/MemoryMax and OOM policy from the instance's memory", () => {
  test("t4g.small (2 GiB): 960 MiB heap, MemoryHigh 1408M, MemoryMax 1664M, 1 GiB swap", () => {
    expect(memoryBudget("t4g.small")).toEqual({ instanceMiB: 2048, heapMiB: 960, highMiB: 1408, maxMiB: 1664, swapMiB: 1024 });
    const unit = renderUnits(settings, hostContract(settings))["openclaw-gateway.service"];
    expect(unit).toContain("Environment=NODE_OPTIONS=--max-old-space-size=960\n");
    expect(unit).toMatch(/^MemoryHigh=1408M\nMemoryMax=1664M\nOOMPolicy=stop$/m);
    expect(unit).toContain("Restart=always\n");
  });

  test("EC2's sizes: burstable small/medium 2/4 GiB; c/m/r/t large 4/8/16/8 GiB, doubling per size", () => {
    expect(["t3.medium", "c7g.large", "m7i.xlarge", "r6g.2xlarge", "t4g.2xlarge", "c6i.4xlarge"].map(instanceMemoryMiB))
      .toEqual([4096, 4096, 16384, 65536, 32768, 32768]);
    const big = memoryBudget("m7i.xlarge");
    expect(big.heapMiB).toBeLessThan(big.highMiB);
    expect(big.highMiB).toBeLessThan(big.maxMiB);
    expect(big.maxMiB).toBeLessThan(big.instanceMiB);
  });
});

describe("watchdog: maintenance switch, liveness body, config error", () => {
  const n = settings.watchdog.failuresBeforeReplacement;
  /** The rendered watchdog over temporary state, with stand-ins for curl (IMDS and /healthz), systemctl and aws. */
  function watchdog(gateway: { body?: string; unitState?: string }, s = settings) {
    const bin = path.join(dir, "bin");
    const c = hostContract(s);
    const layout: HostContract = { ...c, watchdogStateDir: `${dir}/state`, watchdogStatusFile: `${dir}/state/status`, maintenanceFile: `${dir}/maintenance`, gatewayStartMark: `${dir}/state/gateway-started` };
    fs.writeFileSync(path.join(dir, "watchdog"), watchdogTool(s, layout), { mode: 0o755 });
    stub(bin, "curl", `url=\${*: -1}
case "$url" in
  */api/token) echo token ;;
  */meta-data/instance-id) echo i-0a1b2c3d4e5f60718 ;;
  */healthz) echo healthz >>${dir}/healthz.log; ${gateway.body === undefined ? "exit 7" : `printf '%s' '${gateway.body}'`} ;;
esac`);
    stub(bin, "systemctl", `printf '%s\\n' ${gateway.unitState ?? "ActiveState=activating ExecMainStatus=1"}`);
    stub(bin, "aws", `echo "$*" >>${dir}/aws.log`);
    const run = (times: number) => spawnSync("bash", ["-c", `for i in $(seq ${times}); do ${dir}/watchdog || echo "exit $?"; done`],
      { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const calls = () => (fs.existsSync(`${dir}/aws.log`) ? fs.readFileSync(`${dir}/aws.log`, "utf8").trim().split("\n") : []);
    // The alarms' data points (host-metrics.test.ts) apart: check_resources reads this machine's own memory.events.
    return { run, awsCalls: () => calls().filter((call) => !call.startsWith("cloudwatch put-metric-data ")),
      metricCalls: () => calls().filter((call) => call.startsWith("cloudwatch put-metric-data ")),
      status: () => fs.readFileSync(`${dir}/state/status`, "utf8") };
  }

  test("live body: healthy, nothing reported, the status file says so", () => {
    const w = watchdog({ body: '{"ok":true,"status":"live"}' });
    expect(w.run(n + 2).stdout).toBe("");
    expect(w.awsCalls()).toEqual([]);
    expect(w.status()).toMatch(/^\S+Z healthy\n$/);
  });

  test.each([["off (the default): no data point", [] as string[], 0], ["on: one WatchdogReplacement data point", ["ops@clawops.dev"], 1]])(
    "200 with the Control UI's HTML is a failure: replaced after N like any other; alerts %s", (_name, alerts, points) => {
      const w = watchdog({ body: "<!doctype html><title>OpenClaw Control</title>" }, testSettings({ alerts }));
      const result = w.run(n);
      expect(w.awsCalls()).toEqual(["autoscaling set-instance-health --cli-connect-timeout 10 --cli-read-timeout 30 --instance-id i-0a1b2c3d4e5f60718 --health-status Unhealthy --no-should-respect-grace-period"]);
      expect(result.stderr).toContain(`failed (${n} consecutive; replacement after ${n})`);
      expect(w.status()).toContain("replacing: marked i-0a1b2c3d4e5f60718 Unhealthy");
      w.run(2);
      expect(w.awsCalls()).toHaveLength(1);
      expect(w.status()).toContain("replacing: this instance is marked Unhealthy");
      expect(w.metricCalls().filter((call) => call.includes("WatchdogReplacement"))).toHaveLength(points);
      if (points === 0) expect(w.metricCalls()).toEqual([]);
    });

  test("maintenance switch: a stopped gateway is not checked and the host not replaced; the switch expires", () => {
    const w = watchdog({});
    fs.writeFileSync(`${dir}/maintenance`, "");
    const result = w.run(n + 3);
    expect(result.stdout).toBe("");
    expect(w.awsCalls()).toEqual([]);
    expect(fs.existsSync(`${dir}/healthz.log`)).toBe(false);
    expect(result.stderr).toContain(`maintenance switch ${dir}/maintenance is on`);
    expect(w.status()).toMatch(/ maintenance\n$/);
    // Forgotten: older than the limit, it is removed and the checks resume.
    const old = new Date(Date.now() - (MAINTENANCE_MAX_MINUTES + 5) * 60_000);
    fs.utimesSync(`${dir}/maintenance`, old, old);
    const later = w.run(n);
    expect(later.stderr).toContain("was older than");
    expect(fs.existsSync(`${dir}/maintenance`)).toBe(false);
    expect(w.awsCalls()).toHaveLength(1);
  });

  test(`a gateway stopped by its config error (${CONFIG_ERROR_STATUS}): reported in the log and the status file, never replaced`, () => {
    const w = watchdog({ unitState: `ActiveState=failed ExecMainStatus=${CONFIG_ERROR_STATUS}` });
    const result = w.run(n + 3);
    expect(w.awsCalls()).toEqual([]);
    expect(result.stderr).toContain(`ALERT: openclaw-gateway.service stopped with status ${CONFIG_ERROR_STATUS} (configuration error)`);
    expect(w.status()).toContain(`config-error: openclaw-gateway.service exited with status ${CONFIG_ERROR_STATUS}; not replacing the host`);
    expect(result.stdout.match(/exit 1/g)).toHaveLength(n + 3); // each run still fails (the timer unit shows it)
  });

  test("any other failed exit (e.g. 1) is replaced after N", () => {
    const w = watchdog({ unitState: "ActiveState=failed ExecMainStatus=1" });
    w.run(n);
    expect(w.awsCalls()).toHaveLength(1);
  });

  /** systemd's properties of a gateway run that entered active `ageSeconds` ago (this machine's monotonic clock) after `restarts` automatic restarts. */
  const run = (ageSeconds: number, restarts: number) => {
    const uptime = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    return `ActiveState=active ExecMainStatus=0 ActiveEnterTimestampMonotonic=${Math.round((uptime - ageSeconds) * 1e6)} NRestarts=${restarts}`;
  };

  test(`the start window: failures in the first ${START_GRACE_SECONDS} s of a run the boot or an operator started are not counted`, () => {
    const w = watchdog({ unitState: run(30, 0) });
    const result = w.run(n + 3);
    expect(w.awsCalls()).toEqual([]);
    expect(result.stdout).toBe(""); // each run exits 0
    expect(w.status()).toMatch(new RegExp(` starting: not counted for ${START_GRACE_SECONDS} s; openclaw-gateway\\.service started 3\\d s ago\\n$`));
  });

  test("after the start window, failures count: replaced after N", () => {
    const w = watchdog({ unitState: run(START_GRACE_SECONDS + 5, 0) });
    w.run(n);
    expect(w.awsCalls()).toHaveLength(1);
  });

  /** The boot's start mark, `ageSeconds` ago on this machine's uptime clock. */
  const markStart = (ageSeconds: number) => {
    const uptime = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    fs.mkdirSync(`${dir}/state`, { recursive: true });
    fs.writeFileSync(`${dir}/state/gateway-started`, `${Math.floor(uptime - ageSeconds)}\n`);
  };

  test("inside the boot's start window, a start systemd restarted (the 5 s lease-heartbeat cap on a slow machine) is not counted", () => {
    markStart(100);
    const w = watchdog({ unitState: run(10, 2) });
    w.run(n + 3);
    expect(w.awsCalls()).toEqual([]);
    expect(w.status()).toMatch(/ starting: not counted for \d+ s; openclaw-gateway\.service started 1\d\d s ago\n$/);
  });

  test("a crash loop that outlasts the boot's start window is replaced after N", () => {
    markStart(START_GRACE_SECONDS + 5);
    const w = watchdog({ unitState: run(10, 2) });
    w.run(n);
    expect(w.awsCalls()).toHaveLength(1);
  });

  test("a run systemd restarted after a crash gets no grace: a crash loop is replaced after N", () => {
    const w = watchdog({ unitState: run(10, 3) });
    w.run(n);
    expect(w.awsCalls()).toHaveLength(1);
  });
});
