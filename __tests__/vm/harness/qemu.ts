import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The guest's user network: link-local, so 169.254.169.254 (IMDS) is inside it and guestfwd may claim it. */
export const GUEST_NET = { net: "169.254.0.0/16", host: "169.254.0.2", dhcpStart: "169.254.0.15" } as const;
/** Address inside the guest network where the host's services (fake AWS, mirrors, agent control) answer. */
export const SERVICES_IP = "169.254.0.10";
export const IMDS_IP = "169.254.169.254";

/** A guest address:port that qemu forwards, per connection, to a host port (restrict=on allows nothing else). */
export interface GuestForward {
  guestIp: string;
  guestPort: number;
  hostPort: number;
}

/** One VM: what it boots and how it is wired. */
export interface VmSpec {
  /** Folder for this VM's overlay, seed ISO and serial log (created, then owned by the VM). */
  workDir: string;
  /** Folder with vmlinuz, initrd.img and root.qcow2 (__tests__/vm/image/build-image.sh). */
  imageDir: string;
  /** NoCloud user-data bytes: exactly what EC2 would hand cloud-init (here, gzip of the boot script). */
  userData: Buffer;
  instanceId: string;
  hostname: string;
  /** Persistent data disk (qcow2) and its NVMe serial (`vol` + 17 hex digits, like EBS). */
  dataDisk: { path: string; serial: string };
  guestForwards: GuestForward[];
  /** Host port → guest port forwards (bound on 127.0.0.1). */
  hostForwards: { hostPort: number; guestPort: number }[];
  /** cloud-init vendor-data for the NoCloud seed (test-only files, e.g. tcg-lease-cap.ts); none when absent. */
  vendorData?: string;
  cpus?: number;
  memoryMiB?: number;
  /** Wall-clock limit after which qemu is killed no matter what. */
  timeoutMs: number;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every qemu this process started; also runs when the process exits. */
export function killAllVms(): void {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
  running.clear();
}

/** Creates a blank sparse qcow2 disk (a brand-new EBS volume). */
export function createBlankDisk(path: string, sizeGiB: number): void {
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", path, `${sizeGiB}G`]);
}

/**
 * Kernel arguments for an emulated (TCG) guest; the guest kernel stands in for the instance's, the emulator for its
 * CPU. `clocksource=tsc tsc=reliable`: the kernel finds the emulated vCPUs' TSCs "unsynchronized" and falls back to
 * the HPET, whose every read traps into qemu's device model (TCG's TSC derives from one host clock for all vCPUs).
 * `mitigations=off`: retpolines, RSB filling and the like defend a real CPU's speculation, which an emulator does
 * not have, and cost far more emulated than on hardware. Measured in this image (openclaw's state-lease heartbeat
 * worker, spawn → its body, the step openclaw caps at 5 s): 5.0–5.7 s idle and 6.7 s beside a busy main thread with
 * the defaults, 3.4–3.6 s and 4.2 s with these (4 runs each, one VM at a time, 2026-12-01); natively 0.25 s.
 */
export const TCG_KERNEL_ARGS = "clocksource=tsc tsc=reliable mitigations=off";

/** The qemu command line for a spec (pure; paths are inside spec.workDir). */
export function qemuArgs(spec: VmSpec): string[] {
  const net = [
    "user", "id=net0", "restrict=on", `net=${GUEST_NET.net}`, `host=${GUEST_NET.host}`, `dhcpstart=${GUEST_NET.dhcpStart}`,
    ...spec.guestForwards.map((f) => `guestfwd=tcp:${f.guestIp}:${f.guestPort}-cmd:socat - TCP:127.0.0.1:${f.hostPort}`),
    ...spec.hostForwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`),
  ].join(",");
  return [
    "-accel", "tcg,thread=multi",
    "-cpu", "max",
    "-smp", String(spec.cpus ?? 2),
    "-m", String(spec.memoryMiB ?? 2048),
    "-nodefaults", "-display", "none", "-vga", "none",
    "-kernel", join(spec.imageDir, "vmlinuz"),
    "-initrd", join(spec.imageDir, "initrd.img"),
    "-append", `root=/dev/vda rw console=ttyS0,115200 net.ifnames=1 ${TCG_KERNEL_ARGS}`,
    "-drive", `file=${join(spec.workDir, "root.qcow2")},if=virtio,format=qcow2,cache=unsafe`,
    "-drive", `file=${join(spec.workDir, "seed.iso")},if=virtio,format=raw,readonly=on`,
    "-drive", `file=${spec.dataDisk.path},if=none,id=data,format=qcow2,cache=writeback`,
    "-device", `nvme,serial=${spec.dataDisk.serial},drive=data`,
    "-netdev", net,
    "-device", "virtio-net-pci,netdev=net0",
    "-serial", `file:${join(spec.workDir, "serial.log")}`,
    "-monitor", "none",
  ];
}

/** A running VM. `exited` resolves with qemu's exit code (or the signal) when it stops. */
export class Vm {
  readonly startedAt = Date.now();
  readonly exited: Promise<string>;
  private readonly child: ChildProcess;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly spec: VmSpec) {
    rmSync(spec.workDir, { recursive: true, force: true });
    mkdirSync(spec.workDir, { recursive: true });
    // A fresh copy-on-write root disk per VM: a replacement instance starts from the pristine image.
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", join(spec.imageDir, "root.qcow2"), join(spec.workDir, "root.qcow2")]);
    writeSeedIso(spec);
    if (!existsSync(spec.dataDisk.path)) throw new Error(`data disk ${spec.dataDisk.path} does not exist`);
    if (!exitHookInstalled) {
      process.on("exit", killAllVms);
      exitHookInstalled = true;
    }
    // setpriv --pdeathsig: the kernel kills qemu when this process dies, however it dies.
    this.child = spawn("setpriv", ["--pdeathsig", "KILL", "--", "qemu-system-x86_64", ...qemuArgs(spec)], { stdio: ["ignore", "ignore", "pipe"] });
    running.add(this.child);
    let stderr = "";
    this.child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        running.delete(this.child);
        clearTimeout(this.timer);
        resolve(`${signal ?? `exit ${code}`}${stderr ? `: ${stderr.trim()}` : ""}`);
      });
    });
    this.timer = setTimeout(() => this.kill(), spec.timeoutMs);
    this.timer.unref();
  }

  /** Serial console so far (kernel, systemd and cloud-init output). */
  serial(): string {
    const file = join(this.spec.workDir, "serial.log");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  /** Pulls the plug (an instance terminated by the ASG): no shutdown, like EC2 terminate. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

/** NoCloud seed: an ISO labelled `cidata` with user-data and meta-data (instance id, hostname). */
function writeSeedIso(spec: VmSpec): void {
  const seed = join(spec.workDir, "seed");
  mkdirSync(seed);
  writeFileSync(join(seed, "user-data"), spec.userData);
  writeFileSync(join(seed, "meta-data"), JSON.stringify({ "instance-id": spec.instanceId, "local-hostname": spec.hostname }));
  const files = [join(seed, "user-data"), join(seed, "meta-data")];
  if (spec.vendorData !== undefined) {
    writeFileSync(join(seed, "vendor-data"), spec.vendorData);
    files.push(join(seed, "vendor-data"));
  }
  execFileSync("genisoimage", ["-quiet", "-output", join(spec.workDir, "seed.iso"), "-volid", "cidata", "-joliet", "-rock", ...files]);
}
