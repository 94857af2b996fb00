import { spawnSync, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ENVIRONMENT_TAG, ROLE_TAG } from "../../modules/names";
import { architectureOfSettings, GatewaySettings } from "../../modules/settings/settings";
import { renderUserData } from "../../modules/host/user-data";
import { hostContract } from "../../modules/host/contract";
import { openclawConfigFile } from "../../modules/host/layout";
import { nodeArch, traefikArch } from "../../modules/host/host-os";
import { hostScriptLocation, openclawConfigLocation, openclawLock, openclawLockLocation, SHIPPED_PINS } from "../../modules/host/pins";
import { AwsCliCall, secretParameters } from "./fake-cloud";

/**
 * A bubblewrap sandbox that runs the real rendered boot (the loader as the user data carries it, which fetches the
 * host script from the fake S3 as the stack uploads it) with the host's real tools
 * (bash, curl, tar, sha256sum, jq, useradd, chown, setpriv…) over temporary directories bound at
 * /opt, /etc (a copy of the host's), /run, /var, /usr/local, /tmp, /root and /dev/disk, in its own
 * network namespace. Fakes exist only for what cannot exist here (see sandbox-fakes/): the AWS API
 * (`aws` on PATH), IMDS (169.254.169.254 on the namespace's loopback), release downloads (a local
 * HTTP server with a small fake Node/Traefik archive and real checksum files), systemd, package
 * managers, block devices (blkid/mkfs.ext4/mount/mountpoint) and `sleep` (records pauses, waits 20 ms).
 */

/** Mount points inside the sandbox, each backed by a directory of the same name in the temp root. */
const BOUND = ["/opt", "/etc", "/run", "/var", "/usr/local", "/tmp", "/root", "/dev/disk", "/fake"] as const;
const FAKES = path.join(__dirname, "sandbox-fakes");
const SANDBOX_PATH = "/fake/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The data volume's fake NVMe device (a regular file) and the instance that boots. */
export const INSTANCE_ID = "i-0a1b2c3d4e5f60718";
export const OLD_INSTANCE_ID = "i-0dying0000000000a";
export const VOLUME_ID = "vol-0123456789abcdef0";
export const DOWNLOAD_BASE = "http://127.0.0.1:8088";

/**
 * The fake AWS account's state (aws.json), read and written by the fake `aws` command
 * (sandbox-fakes/bin/aws); tests change it to inject faults. Its calls are `AwsCliCall`s (fake-cloud.ts).
 */
export interface FakeAccount {
  instanceId: string;
  deviceFile: string;
  /** Links attach-volume creates under /dev/disk/by-id (default: the EC2 name → deviceFile). */
  deviceLinks?: Array<{ name: string; target: string }>;
  volume: { id: string; tags: Record<string, string>; holder: string | null; busyDescribes: number };
  address: { allocationId: string; publicIp: string; tags: Record<string, string>; holder: string | null };
  /** SSM parameter values by name: one per secret of the catalogue. */
  parameters: Record<string, string>;
  faults: { ssmUnreachable: boolean; cloudwatchUnreachable?: boolean };
}

/** The sandbox's account as Terraform leaves it: tagged volume and address, every secret holding its placeholder. */
export function sandboxAccount(s: Pick<GatewaySettings, "environment">): FakeAccount {
  const env = s.environment;
  return {
    instanceId: INSTANCE_ID,
    deviceFile: "/fake/state/nvme1n1",
    volume: { id: VOLUME_ID, tags: { [ENVIRONMENT_TAG]: env, [ROLE_TAG]: "data-volume" }, holder: null, busyDescribes: 0 },
    address: { allocationId: "eipalloc-0123456789abcdef0", publicIp: "203.0.113.10", tags: { [ENVIRONMENT_TAG]: env, [ROLE_TAG]: "address" }, holder: null },
    parameters: Object.fromEntries(secretParameters(s).map(({ name, secret }) => [name, secret.placeholder])),
    faults: { ssmUnreachable: false },
  };
}

export interface RunResult {
  status: number | null;
  output: string;
  ms: number;
}

/** Settings whose download locations point at the sandbox's local server. */
export function sandboxSettings(settings: GatewaySettings): GatewaySettings {
  return {
    ...settings,
    downloads: {
      ...settings.downloads,
      nodeBaseUrl: `${DOWNLOAD_BASE}/node`,
      traefikBaseUrl: `${DOWNLOAD_BASE}/traefik`,
      npmRegistry: `${DOWNLOAD_BASE}/npm/`,
      ssmAgentBaseUrl: `${DOWNLOAD_BASE}/ssm-agent`,
    },
  };
}

/** Why the sandbox cannot run on this machine, or undefined when it can. */
export function sandboxProblem(): string | undefined {
  for (const tool of ["bwrap", "ip", "curl", "jq", "tar", "xz", "useradd", "setpriv"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = spawnSync("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
    "sh", "-c", "ip link set lo up && ip addr add 169.254.169.254/32 dev lo"], { encoding: "utf8" });
  if (probe.status !== 0) return `bubblewrap cannot create a network namespace here: ${probe.stderr.trim()}`;
  if (process.getuid?.() !== 0) return "the sandbox needs root (useradd, chown inside bubblewrap)";
  return undefined;
}

/** The machine's root, read-only, top-level entry by entry (so /fake can exist), minus the bound mounts. */
function hostRoot(): string[] {
  const skip = new Set(["proc", "dev", ...BOUND.filter((m) => m.lastIndexOf("/") === 0).map((m) => m.slice(1))]);
  return fs.readdirSync("/").filter((entry) => !skip.has(entry)).flatMap((entry) => {
    const full = `/${entry}`;
    const st = fs.lstatSync(full);
    if (st.isSymbolicLink()) return ["--symlink", fs.readlinkSync(full), full];
    return st.isDirectory() ? ["--ro-bind", full, full] : [];
  });
}

const sha256 = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

function writeExecutable(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o755 });
}

export class BootSandbox {
  /** Temporary root holding one directory per bound mount point. */
  readonly dir: string;
  readonly settings: GatewaySettings;

  constructor(settings: GatewaySettings) {
    this.settings = sandboxSettings(settings);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-sandbox-"));
    for (const mount of BOUND) fs.mkdirSync(this.host(mount), { recursive: true });
    for (const sub of ["/var/log", "/var/tmp", "/var/lib", "/usr/local/bin", "/usr/local/sbin", "/dev/disk/by-id", "/fake/state", "/fake/www"]) {
      fs.mkdirSync(this.host(sub), { recursive: true });
    }
    fs.chmodSync(this.host("/tmp"), 0o1777);
    execFileSync("cp", ["-a", "/etc/.", this.host("/etc")]);
    fs.writeFileSync(this.host("/etc/fstab"), "# /etc/fstab of the sandbox\nUUID=0f0f0f0f-root / ext4 defaults 0 1\n");
    // The user's A record: the domain resolves (through the real resolver, getent) to the Elastic IP.
    fs.appendFileSync(this.host("/etc/hosts"), `\n${sandboxAccount(this.settings).address.publicIp} ${this.settings.domainName}\n`);
    execFileSync("cp", ["-a", `${FAKES}/.`, this.host("/fake")]);
    for (const f of fs.readdirSync(this.host("/fake/bin"))) fs.chmodSync(this.host(`/fake/bin/${f}`), 0o755);
    // The root volume is there from the start; the data volume's link appears on attach-volume.
    fs.writeFileSync(this.host("/fake/state/nvme0n1"), "");
    fs.writeFileSync(this.host("/fake/state/nvme1n1"), "");
    fs.symlinkSync("/fake/state/nvme0n1", this.host("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0aaaaaaaaaaaaaaaa"));
    this.writeAws(sandboxAccount(this.settings));
    this.uploadLock();
    this.openNpmLog();
    this.buildDownloads();
    this.settings = this.pinServed(this.settings);
    this.render();
  }

  /**
   * Writes the loader to /fake/boot.sh and uploads the host script and openclaw.json where the fake
   * `aws s3api get-object` serves them (as the stack's S3 objects).
   */
  private render(): void {
    const { script, hostScript } = renderUserData(this.settings);
    fs.writeFileSync(this.host("/fake/boot.sh"), script, { mode: 0o755 });
    this.putObject(hostScriptLocation(this.settings), hostScript);
    this.putObject(openclawConfigLocation(this.settings), openclawConfigFile(this.settings));
  }

  /** Puts `content` where the fake `aws s3api get-object` serves s3://bucket/key. */
  putObject({ bucket, key }: { bucket: string; key: string }, content: string): void {
    const file = this.host(`/fake/state/s3/${bucket}/${key}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }

  /**
   * A later deploy replaced the host script: the pinned one becomes the object's noncurrent version
   * `version` (the versioned bucket keeps it) and other bytes are current.
   */
  publishNewerHostScript(version: string): void {
    const { bucket, key } = hostScriptLocation(this.settings);
    const file = this.host(`/fake/state/s3/${bucket}/${key}`);
    const older = this.host(`/fake/state/s3-versions/${bucket}/${key}/${version}`);
    fs.mkdirSync(path.dirname(older), { recursive: true });
    fs.copyFileSync(file, older);
    fs.appendFileSync(file, "\n# a later deploy's host script\n");
  }

  /** The boot's start window for the watchdog has passed: its start mark says the kernel's boot (uptime 0). */
  endStartWindow(): void {
    fs.writeFileSync(this.host(hostContract(this.settings).gatewayStartMark), "0\n");
  }

  /** Replaces the uploaded host script with other bytes (a tampered bucket), or deletes it (`missing`). */
  tamperHostScript(how: "changed" | "missing"): void {
    const { bucket, key } = hostScriptLocation(this.settings);
    const file = this.host(`/fake/state/s3/${bucket}/${key}`);
    if (how === "missing") fs.rmSync(file);
    else fs.appendFileSync(file, "\ntouch /fake/state/pwned\n");
  }

  /**
   * The settings with `downloads.nodeSha256`/`traefikSha256` set to the sha256 of the fake archives
   * the sandbox serves, unless the test set a pin itself: the shipped pins (modules/host/pins.ts) name
   * the real archives, which the sandbox does not have. `{ shippedPins: true }` in useSettings keeps
   * the shipped pins instead (a test that proves they are checked).
   */
  private pinServed(s: GatewaySettings): GatewaySettings {
    const arch = architectureOfSettings(s);
    const { node, traefik } = s.versions;
    return {
      ...s,
      downloads: {
        ...s.downloads,
        nodeSha256: s.downloads.nodeSha256 ?? this.downloadSha256(`node/v${node}/node-v${node}-linux-${nodeArch(arch)}.tar.xz`),
        traefikSha256: s.downloads.traefikSha256 ?? this.downloadSha256(`traefik/v${traefik}/traefik_v${traefik}_linux_${traefikArch(arch)}.tar.gz`),
      },
    };
  }

  /**
   * Re-renders the boot script from changed settings (downloads stay pointed at the sandbox). Another
   * instance type's architecture gets its own release archives (a volume moving from t4g to t3).
   */
  useSettings(settings: GatewaySettings, options: { shippedPins?: boolean } = {}): void {
    (this as { settings: GatewaySettings }).settings = sandboxSettings(settings);
    if (!this.builtArchitectures.has(architectureOfSettings(this.settings))) this.buildDownloads();
    if (!options.shippedPins) (this as { settings: GatewaySettings }).settings = this.pinServed(this.settings);
    this.render();
  }

  /** The path on this machine behind a path inside the sandbox. */
  host(inside: string): string {
    const mount = BOUND.filter((m) => inside === m || inside.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
    if (!mount) throw new Error(`${inside} is not inside a bound directory of the sandbox`);
    return path.join(this.dir, mount, inside.slice(mount.length));
  }

  readAws(): FakeAccount {
    return JSON.parse(fs.readFileSync(this.host("/fake/state/aws.json"), "utf8"));
  }

  writeAws(state: FakeAccount): void {
    fs.writeFileSync(this.host("/fake/state/aws.json"), JSON.stringify(state, null, 2));
  }

  /** Changes the fake AWS state (fault injection). */
  updateAws(change: (state: FakeAccount) => void): void {
    const state = this.readAws();
    change(state);
    this.writeAws(state);
  }

  /** Gives the fake data volume a filesystem, as a volume that was used before has. */
  formatDataVolume(uuid = "5e1f0d2c-7a3b-4c9d-8e6f-0a1b2c3d4e5f"): void {
    fs.writeFileSync(this.host("/fake/state/fs-nvme1n1"), `${uuid}\n`);
  }

  /**
   * Makes the stand-in gateway answer /healthz with 200 and openclaw's liveness body (up), 503 (down),
   * or every path with 200 and an HTML page (html: what the Control UI does for paths it does not know).
   */
  setGateway(state: "up" | "down" | "html"): void {
    fs.writeFileSync(this.host("/fake/state/gateway"), `${state}\n`);
  }

  /** The stack's upload of the openclaw lock, where the fake \`aws s3api get-object\` finds it. */
  private uploadLock(): void {
    const lock = openclawLock();
    const { bucket, key } = openclawLockLocation(this.settings, lock);
    const file = this.host(`/fake/state/s3/${bucket}/${key}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(lock.lockPath, file);
  }

  /** Replaces the uploaded lock with other bytes (a tampered bucket). */
  tamperLock(): void {
    const { bucket, key } = openclawLockLocation(this.settings, openclawLock());
    fs.appendFileSync(this.host(`/fake/state/s3/${bucket}/${key}`), " ");
  }

  /** Architectures whose release archives the download server has. */
  private readonly builtArchitectures = new Set<string>();

  /** A small fake Node archive (bin/node, bin/npm) and Traefik archive, with real checksum files. */
  private buildDownloads(): void {
    const { node, traefik } = this.settings.versions;
    const arch = architectureOfSettings(this.settings);
    this.builtArchitectures.add(arch);
    const build = path.join(this.dir, "build");
    const nodeName = `node-v${node}-linux-${nodeArch(arch)}`;
    writeExecutable(`${build}/${nodeName}/bin/node`,
      `#!/bin/bash\n# fake node from the sandbox's release archive: the fake openclaw entry it runs is a bash script\nif [ "\${1:-}" = --version ]; then echo v${node}; exit 0; fi\nif [ -f "\${1:-}" ]; then exec /bin/bash "$@"; fi\necho "fake node $*"\n`);
    writeExecutable(`${build}/${nodeName}/bin/npm`, FAKE_NPM);
    const nodeDir = this.host(`/fake/www/node/v${node}`);
    fs.mkdirSync(nodeDir, { recursive: true });
    execFileSync("tar", ["-cJf", `${nodeDir}/${nodeName}.tar.xz`, "-C", build, "--owner=1001", "--group=1001", nodeName]);
    const nodeSums = [
      `${"0".repeat(64)}  node-v${node}-darwin-arm64.tar.gz`,
      `${sha256(`${nodeDir}/${nodeName}.tar.xz`)}  ${nodeName}.tar.xz`,
      `${"1".repeat(64)}  node-v${node}-linux-${nodeArch(arch)}.tar.gz`,
    ];
    // Both architectures' lines when both were built (as nodejs.org publishes them).
    fs.appendFileSync(`${nodeDir}/SHASUMS256.txt`, `${nodeSums.join("\n")}\n`);

    const traefikName = `traefik_v${traefik}_linux_${traefikArch(arch)}.tar.gz`;
    writeExecutable(`${build}/traefik/traefik`,
      `#!/bin/bash\n# fake traefik from the sandbox's release archive\nif [ "\${1:-}" = version ]; then printf 'Version:      ${traefik}\\nCodename:     sandbox\\n'; exit 0; fi\necho "fake traefik $*"\n`);
    fs.writeFileSync(`${build}/traefik/LICENSE.md`, "fake\n");
    const traefikDir = this.host(`/fake/www/traefik/v${traefik}`);
    fs.mkdirSync(traefikDir, { recursive: true });
    execFileSync("tar", ["-czf", `${traefikDir}/${traefikName}`, "-C", `${build}/traefik`, "traefik", "LICENSE.md"]);
    fs.appendFileSync(`${traefikDir}/traefik_v${traefik}_checksums.txt`,
      `${"2".repeat(64)}  traefik_v${traefik}_windows_amd64.zip\n${sha256(`${traefikDir}/${traefikName}`)}  ${traefikName}\n`);

    // The SSM agent package for images without it (the fake dpkg "installs" it).
    const agentDir = this.host(`/fake/www/ssm-agent/${SHIPPED_PINS.ssmAgent.version}/debian_${arch === "arm64" ? "arm64" : "amd64"}`);
    fs.mkdirSync(agentDir, { recursive: true });
    fs.writeFileSync(`${agentDir}/amazon-ssm-agent.deb`, "!<arch>\nfake amazon-ssm-agent package\n");
  }

  /** The sha256 of a download as served (for pin tests). */
  downloadSha256(relative: string): string {
    return sha256(this.host(`/fake/www/${relative}`));
  }

  /** Replaces a download with different bytes (its published checksum no longer matches). */
  tamperDownload(relative: string): void {
    fs.appendFileSync(this.host(`/fake/www/${relative}`), "tampered");
  }

  /** Commands hidden from the sandbox until the fake package manager "installs" them. */
  private hidden: string[] = [];

  /**
   * Hides a command of this machine's /usr/bin from the sandbox, as if its package were not
   * installed: the sandbox's /usr/bin becomes a farm of links to the real one (bound at
   * /fake/realbin) without it. The fake apt-get/dnf link a copy into /usr/local/bin on install.
   */
  hideCommand(name: string): void {
    const real = fs.realpathSync(execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim());
    if (path.dirname(real) !== "/usr/bin") throw new Error(`${name} is not in /usr/bin (${real}); cannot hide it`);
    fs.mkdirSync(this.host("/fake/pkg"), { recursive: true });
    fs.copyFileSync(real, this.host(`/fake/pkg/${name}`));
    fs.chmodSync(this.host(`/fake/pkg/${name}`), 0o755);
    this.hidden.push(name);
    const farm = path.join(this.dir, "usr-bin");
    fs.rmSync(farm, { recursive: true, force: true });
    fs.mkdirSync(farm);
    for (const entry of fs.readdirSync("/usr/bin")) {
      if (this.hidden.includes(entry)) continue;
      const st = fs.lstatSync(`/usr/bin/${entry}`);
      // Links keep their own target (relative ones resolve the same at /usr/bin); files point to the real copy.
      fs.symlinkSync(st.isSymbolicLink() ? fs.readlinkSync(`/usr/bin/${entry}`) : `/fake/realbin/${entry}`, path.join(farm, entry));
    }
  }

  private hidingArgs(): string[] {
    if (this.hidden.length === 0) return [];
    return ["--ro-bind", "/usr/bin", "/fake/realbin", "--ro-bind", path.join(this.dir, "usr-bin"), "/usr/bin"];
  }

  /**
   * Runs a command inside the sandbox (after the fake servers are up). `asUnit`: the rendered systemd
   * unit that runs it on the host; its ProcSubset=pid is reproduced (/proc remounted with
   * subset=pid, as systemd mounts it for the unit: only process directories are left, no /proc/uptime).
   */
  run(command: string[], timeoutMs = 240_000, asUnit?: string): RunResult {
    const procSubset = asUnit !== undefined && /^ProcSubset=pid$/m.test(asUnit)
      ? ["/bin/sh", "-c", '/usr/bin/mount -t proc -o subset=pid proc /proc && exec "$@"', "sh"] // the real mount (/fake/bin has a fake)
      : [];
    const args = [
      "--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox",
      ...hostRoot(), "--dev", "/dev", "--proc", "/proc",
      ...BOUND.flatMap((mount) => ["--bind", this.host(mount), mount]),
      ...this.hidingArgs(),
      "--chdir", "/", "--clearenv",
      "--setenv", "PATH", SANDBOX_PATH, "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", "/root",
      "/bin/bash", "/fake/inside.sh", ...procSubset, ...command,
    ];
    const started = process.hrtime.bigint();
    const result = spawnSync("bwrap", args, { encoding: "utf8", timeout: timeoutMs, env: {} });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}`, ms };
  }

  /** Runs the rendered boot script as cloud-init would (as root, from /). */
  boot(): RunResult {
    return this.run(["/bin/bash", "/fake/boot.sh"]);
  }

  /** Recorded `aws` calls, in order. */
  awsCalls(): AwsCliCall[] {
    return this.lines("aws-calls.jsonl").map((line) => JSON.parse(line));
  }

  /** Lines of a fake's record file under /fake/state. */
  lines(name: string): string[] {
    const file = this.host(`/fake/state/${name}`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  }

  /** Forgets the records of earlier runs (state stays). */
  clearRecords(): void {
    for (const name of ["aws-calls.jsonl", "systemctl.log", "packages.log", "block.log", "sleeps.log", "downloads.log", "npm.log", "imds.log", "gateway.log", "hostnamectl.log", "swap.log"]) {
      fs.rmSync(this.host(`/fake/state/${name}`), { force: true });
    }
    this.openNpmLog();
  }

  /** npm runs as nobody (uid 65534): its log must be writable by everyone. */
  private openNpmLog(): void {
    fs.writeFileSync(this.host("/fake/state/npm.log"), "", { mode: 0o666 });
    fs.chmodSync(this.host("/fake/state/npm.log"), 0o666);
  }

  /** The boot log as the script left it. */
  bootLog(): string {
    const file = this.host("/var/log/openclaw-bootstrap.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  }

  /** `stat`-like facts of a path inside the sandbox: octal mode, owner names from the sandbox's /etc. */
  stat(inside: string): { mode: string; user: string; group: string } {
    const st = fs.statSync(this.host(inside));
    return { mode: (st.mode & 0o7777).toString(8), user: this.userName(st.uid), group: this.groupName(st.gid) };
  }

  /** uid of a user of the sandbox's /etc/passwd. */
  uidOf(user: string): number | undefined {
    const line = fs.readFileSync(this.host("/etc/passwd"), "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
    return line ? Number(line.split(":")[2]) : undefined;
  }

  private userName(uid: number): string {
    const line = fs.readFileSync(this.host("/etc/passwd"), "utf8").split("\n").find((l) => l.split(":")[2] === String(uid));
    return line ? line.split(":")[0] : String(uid);
  }

  private groupName(gid: number): string {
    const line = fs.readFileSync(this.host("/etc/group"), "utf8").split("\n").find((l) => l.split(":")[2] === String(gid));
    return line ? line.split(":")[0] : String(gid);
  }

  /**
   * Every path under the host-like mounts with type, mode, owner, mtime and content hash —
   * two equal snapshots mean a run changed nothing. The boot log (appended on purpose), /tmp and /var/tmp are left out.
   */
  snapshot(): Map<string, string> {
    const facts = new Map<string, string>();
    const walk = (inside: string) => {
      const st = fs.lstatSync(this.host(inside));
      const common = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.mtimeMs}`;
      if (st.isSymbolicLink()) facts.set(inside, `link ${fs.readlinkSync(this.host(inside))}`);
      else if (st.isDirectory()) {
        facts.set(inside, `dir ${common}`);
        for (const entry of fs.readdirSync(this.host(inside)).sort()) walk(`${inside}/${entry}`);
      } else if (st.isFile()) facts.set(inside, `file ${common} ${sha256(this.host(inside))}`);
      else facts.set(inside, `other ${common}`);
    };
    for (const mount of ["/opt", "/etc", "/run", "/var", "/usr/local", "/dev/disk"]) walk(mount);
    facts.delete("/var/log/openclaw-bootstrap.log");
    // Scratch space like /tmp: the openclaw check installs into a directory there and removes it.
    for (const inside of [...facts.keys()]) if (inside === "/var/tmp" || inside.startsWith("/var/tmp/")) facts.delete(inside);
    return facts;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The fake `npm` inside the fake Node archive: records its arguments and "installs" openclaw into the working
 * directory; like npm, it keeps the package in its cache (npm_config_cache), and \`ci --offline\` installs only from it.
 */
const FAKE_NPM = `#!/bin/bash
# fake npm from the sandbox's Node archive: records who runs it and its arguments; \`ci\` "installs" the
# openclaw that the package-lock.json in the working directory locks.
set -euo pipefail
echo "uid=$(id -u) $*" >>/fake/state/npm.log
if [ "$1" != ci ]; then exit 0; fi
version=$(jq -r '.packages["node_modules/openclaw"].version' package-lock.json)
cached="$npm_config_cache/_cacache/openclaw-$version.tgz"
if [[ " $* " == *" --offline "* ]]; then
  [ -f "$cached" ] || { echo "npm error code ENOTCACHED" >&2; exit 1; }
else
  mkdir -p "$(dirname "$cached")"
  echo "openclaw $version" >"$cached"
fi
package="node_modules/openclaw"
mkdir -p "$package"
printf '{"name":"openclaw","version":"%s"}\\n' "$version" >"$package/package.json"
cat >"$package/openclaw.mjs" <<'FAKE'
#!/bin/bash
# credentials=<names>:<owner>:<mode>:<keys of gateway-secrets>; env-secrets=the secret values found in the environment.
creds=none leaks=none
if [ -n "\${CREDENTIALS_DIRECTORY:-}" ]; then
  file="$CREDENTIALS_DIRECTORY/gateway-secrets"
  creds="$(ls "$CREDENTIALS_DIRECTORY" | paste -sd,):$(stat -c '%U:%a' "$file"):$(jq -r 'keys_unsorted | join(",")' "$file")"
  while IFS= read -r value; do
    if env | grep -qF -- "$value"; then leaks=found; fi
  done < <(jq -r '.[]' "$file")
fi
echo "fake-openclaw user=$(id -un) pwd=$PWD home=$HOME state=$OPENCLAW_STATE_DIR config=$OPENCLAW_CONFIG_PATH credentials=$creds env-secrets=$leaks args=$*"
FAKE
chmod 755 "$package/openclaw.mjs"
`;
