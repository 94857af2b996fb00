import { hostContract } from "../../../modules/host/contract";
import { SCALED_LINE } from "./tcg-lease-cap";
import { GATEWAY_TOKEN } from "../../../modules/secrets-catalogue";
import type { GatewaySettings } from "../../../modules/settings/settings";

/**
 * Facts about a guest, gathered in one agent round trip (`guestProbe`). Values are strings as the
 * guest printed them (newlines and tabs folded to spaces, trailing spaces cut, at most 2000 bytes);
 * a command that failed leaves its fact empty. Secrets appear only as sha256 hashes.
 */
export interface GuestFacts {
  /** /proc/sys/kernel/random/boot_id: new on every boot. */
  bootId: string;
  /** The instance id cloud-init ran for (/var/lib/cloud/data/instance-id). */
  instanceId: string;
  /** "yes" once cloud-init wrote /run/cloud-init/result.json, else "no". */
  cloudInitDone: string;
  /** cloud-init's errors as compact JSON ("[]": the user data exited 0). */
  cloudInitErrors: string;
  /** The device mounted at the data mount (findmnt SOURCE). */
  mountSource: string;
  /** The filesystem type mounted there ("ext4"). */
  mountFsType: string;
  /** "yes" when the data mount is a mount point, else "no". */
  isMountpoint: string;
  /** The NVMe device of the data volume, found by its serial (/dev/nvmeXn1). */
  volumeDevice: string;
  /** The data volume's filesystem UUID (blkid). */
  volumeFsUuid: string;
  /** When the data volume's filesystem was created (dumpe2fs): unchanged means never reformatted. */
  volumeFsCreated: string;
  /** `systemctl is-active` of the gateway unit. */
  gatewayActive: string;
  /** `systemctl is-enabled` of the gateway unit. */
  gatewayEnabled: string;
  /** `systemctl is-active` of the Traefik unit. */
  traefikActive: string;
  /** `systemctl is-enabled` of the Traefik unit. */
  traefikEnabled: string;
  /** `hostnamectl hostname`. */
  hostName: string;
  /** How often systemd restarted the gateway since the unit started (NRestarts), a number. */
  gatewayRestarts: string;
  /** How often this boot's gateway journal says another owner's state lease is still active, a number. */
  leaseRefusals: string;
  /**
   * How often this boot's gateway journal says openclaw's state-lease heartbeat was not ready within its
   * hard-coded 5 s start cap (openclaw/openclaw#152681, kept upstream), a number: a start that slow happens
   * under TCG emulation, and the gateway exits and systemd starts it again.
   */
  heartbeatCapExits: string;
  /** How often this boot's gateway journal says the harness scaled openclaw's lease-heartbeat start cap (tcg-lease-cap.ts), a number. */
  leaseCapScaled: string;
  /** The first three "failed to start"/exit lines of this boot's gateway journal, joined by " | " (diagnostics). */
  gatewayFailures: string;
  /**
   * Files in the gateway's compile-cache directory on the data volume (HostContract.gatewayCompileCache), a number: Node writes it when the gateway exits, so after a reboot, and on a replacement's
   * volume, it holds a previous gateway's code cache for openclaw's modules.
   */
  compileCacheFiles: string;
  /** "present" or "absent": the gateway unit file in the contract's systemd unit directory. */
  gatewayUnitFile: string;
  /** How many node/openclaw processes run, a number. */
  nodeProcesses: string;
  /**
   * HTTP status of the gateway's health URL on the host ("200"): the first 200 of up to 6 GETs 5 s apart
   * (10 s each). A gateway that has just answered can stall its event loop while it starts channels
   * and sidecars (19 s under TCG, seen in a rehearsal right after the boot completed); the watchdog
   * tolerates that with its consecutive-failure count, so one timed-out GET is not "unhealthy" either.
   */
  healthz: string;
  /** How many GETs `healthz` needed (1–6), a number; more than 1 is printed by the test. */
  healthzTries: string;
  /**
   * The gateway unit's memory from its cgroup: `current= peak= swap= high= max= oom_kill=` (bytes, then
   * the memory.events counters: throttled above MemoryHigh, hit MemoryMax, processes OOM-killed).
   */
  gatewayMemory: string;
  /** HTTP status of /healthz through the proxy on :443. */
  healthzViaProxy: string;
  /** sha256 of the gateway token in the secrets environment file. */
  tokenSha256: string;
  /** The marker scenario 1 writes into the state directory. */
  marker: string;
  /** Inode and birth time of the gateway's sqlite ("<inode> <birth>"): the same file, never recreated. */
  sqliteIdentity: string;
  /** What lies under the data mount on the root disk when nothing is mounted ("": nothing). */
  rootRuntime: string;
  /** How often the bootstrap log says it created an ext4 filesystem, a number. */
  mkfsInLog: string;
  /** How often the bootstrap log says it kept the volume's filesystem, a number. */
  keptFsInLog: string;
  /** Lines in the bootstrap log, a number: unchanged means the boot script did not run again. */
  logLines: string;
  /** HTTP status of an IMDSv2 token request (PUT /latest/api/token) as root: "200" (root keeps IMDS). */
  imdsAsRoot: string;
  /** The same request as the gateway's user (setpriv, like openclaw-admin): "000", refused by the IMDS firewall. */
  imdsAsServiceUser: string;
}

/** The bash command that prints each fact, for one guest. */
function factCommands(s: Pick<GatewaySettings, "environment" | "versions" | "instanceType">, volumeSerial: string): Record<keyof GuestFacts, string> {
  const layout = hostContract(s);
  const volume = `/dev/disk/by-id/nvme-*_${volumeSerial}`;
  // -q: no ~/.curlrc; the fake IMDS answers a token PUT with 200 (__tests__/vm/harness/fake-imds.ts).
  const imdsToken = `curl -q -s -o /dev/null -w '%{http_code}' --max-time 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' ${layout.imdsBase}/api/token`;
  return {
    bootId: "cat /proc/sys/kernel/random/boot_id",
    instanceId: "cat /var/lib/cloud/data/instance-id",
    cloudInitDone: "test -f /run/cloud-init/result.json && echo yes || echo no",
    cloudInitErrors: "jq -c .v1.errors /run/cloud-init/result.json",
    mountSource: `findmnt -n -o SOURCE ${layout.dataMount}`,
    mountFsType: `findmnt -n -o FSTYPE ${layout.dataMount}`,
    isMountpoint: `mountpoint -q ${layout.dataMount} && echo yes || echo no`,
    volumeDevice: `readlink -f ${volume}`,
    volumeFsUuid: `blkid -p -o value -s UUID ${volume}`,
    volumeFsCreated: `dumpe2fs -h ${volume} 2>/dev/null | sed -n 's/^Filesystem created: *//p'`,
    gatewayActive: `systemctl is-active ${layout.gatewayUnit}`,
    gatewayEnabled: `systemctl is-enabled ${layout.gatewayUnit}`,
    traefikActive: `systemctl is-active ${layout.traefikUnit}`,
    traefikEnabled: `systemctl is-enabled ${layout.traefikUnit}`,
    hostName: "hostnamectl hostname",
    gatewayRestarts: `systemctl show -p NRestarts --value ${layout.gatewayUnit}`,
    leaseRefusals: `journalctl -b -u ${layout.gatewayUnit} -o cat --no-pager | grep -c 'owner lease is still active' || true`,
    heartbeatCapExits: `journalctl -b -u ${layout.gatewayUnit} -o cat --no-pager | grep -c 'state lease heartbeat did not become ready' || true`,
    leaseCapScaled: `journalctl -b -u ${layout.gatewayUnit} -o cat --no-pager | grep -c -F "${SCALED_LINE}" || true`,
    gatewayFailures: `journalctl -b -u ${layout.gatewayUnit} -o cat --no-pager | grep -E 'failed to start|Main process exited|Failed with result' | head -3 | sed 's/$/ | /' | tr -d '\\n'`,
    compileCacheFiles: `find ${layout.gatewayCompileCache} -type f 2>/dev/null | wc -l`,
    gatewayUnitFile: `test -f ${layout.unitDir}/${layout.gatewayUnit} && echo present || echo absent`,
    nodeProcesses: "ps -e -o comm= | grep -c -E '^(node|openclaw)' || true",
    healthz: `for i in 1 2 3 4 5 6; do c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 ${layout.healthUrl}); echo "$i" > /tmp/vmtest-healthz-tries; [ "$c" = 200 ] && break; sleep 5; done; echo "$c"`,
    healthzTries: "cat /tmp/vmtest-healthz-tries",
    gatewayMemory: `cg=/sys/fs/cgroup/system.slice/${layout.gatewayUnit}; echo "current=$(cat $cg/memory.current) peak=$(cat $cg/memory.peak) swap=$(cat $cg/memory.swap.current) $(grep -E '^(high|max|oom_kill) ' $cg/memory.events | tr ' \\n' '= ')"`,
    // Retried like `healthz`: in rehearsal r11 one GET through the stand-in 50 s after the gateway began listening
    // (its start still finishing under TCG) got no answer in 10 s, while the direct GET just before got 200.
    healthzViaProxy: "for i in 1 2 3 4 5 6; do c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:443/healthz); [ \"$c\" = 200 ] && break; sleep 5; done; echo \"$c\"",
    tokenSha256: `jq -j --arg id ${GATEWAY_TOKEN.id} '.[$id]' ${layout.secretsFile} | sha256sum | cut -d' ' -f1`,
    marker: `cat ${layout.stateDir}/vmtest-marker`,
    sqliteIdentity: `stat -c '%i %W' ${layout.stateDir}/state/openclaw.sqlite`,
    rootRuntime: `ls ${layout.dataMount} 2>/dev/null | tr '\\n' ' '`,
    mkfsInLog: `grep -c 'creating ext4' ${layout.bootstrapLog}`,
    keptFsInLog: `grep -c 'already holds a filesystem; keeping it' ${layout.bootstrapLog}`,
    logLines: `wc -l < ${layout.bootstrapLog}`,
    imdsAsRoot: imdsToken,
    imdsAsServiceUser: `setpriv --reuid=${layout.serviceUser} --regid=${layout.serviceUser} --init-groups ${imdsToken}`,
  };
}

/** A probe of one guest: the bash script to run there, and the parser of what it printed. */
export interface GuestProbe {
  /** Prints one `name<TAB>value` line per fact. */
  script: string;
  /** The facts, validated: every fact exactly once, nothing else (throws naming what is wrong). */
  parse(output: string): GuestFacts;
}

/** The probe of a guest whose data volume has this NVMe serial. */
export function guestProbe(s: Pick<GatewaySettings, "environment" | "versions" | "instanceType">, volumeSerial: string): GuestProbe {
  const commands = factCommands(s, volumeSerial);
  const script = Object.entries(commands)
    .map(([key, cmd]) => `printf '%s\\t%s\\n' ${key} "$( (${cmd}) 2>/dev/null | head -c 2000 | tr '\\n\\t' '  ' | sed 's/ *$//')"`)
    .join("\n");
  return { script, parse: (output) => parseFacts(output, Object.keys(commands) as (keyof GuestFacts)[]) };
}

/** Parses `name<TAB>value` lines into the facts `expected` names; throws on a missing, repeated or unknown fact. */
export function parseFacts(output: string, expected: readonly (keyof GuestFacts)[]): GuestFacts {
  const facts: Record<string, string> = {};
  const problems: string[] = [];
  for (const line of output.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab <= 0) continue;
    const [key, value] = [line.slice(0, tab), line.slice(tab + 1)];
    if (!(expected as readonly string[]).includes(key)) problems.push(`unknown fact ${key}`);
    else if (key in facts) problems.push(`fact ${key} printed twice`);
    facts[key] = value;
  }
  for (const key of expected) if (!(key in facts)) problems.push(`fact ${key} missing`);
  if (problems.length) throw new Error(`the guest probe's output is not the facts it asked for: ${problems.join("; ")}\n--- output ---\n${output.slice(0, 2000)}`);
  return facts as unknown as GuestFacts;
}

/** The gateway's recent journal, to explain a failed health check in the test's failure message. */
export function gatewayJournalScript(s: Pick<GatewaySettings, "environment" | "versions" | "instanceType">): string {
  const layout = hostContract(s);
  return `systemctl status --no-pager ${layout.gatewayUnit} | head -5; journalctl -u ${layout.gatewayUnit} --no-pager -o cat | tail -25 | cut -c1-400`;
}

/**
 * The gateway restarts of this boot that openclaw's 5 s state-lease heartbeat start cap does not
 * explain, described with the journal's words ("" when there are none). That cap makes a start
 * over existing state exit under TCG emulation and systemd starts it again (docs/proofs.md); any
 * other restart is a failure of what the scenario claims.
 */
export function unexplainedRestarts(f: Pick<GuestFacts, "gatewayRestarts" | "heartbeatCapExits" | "gatewayFailures">): string {
  const restarts = Number(f.gatewayRestarts);
  const capExits = Number(f.heartbeatCapExits);
  if (!Number.isInteger(restarts) || !Number.isInteger(capExits) || f.gatewayRestarts === "" || f.heartbeatCapExits === "") {
    return `restart counts unreadable: NRestarts "${f.gatewayRestarts}", heartbeat-cap exits "${f.heartbeatCapExits}"`;
  }
  const unexplained = restarts - capExits;
  return unexplained > 0 ? `${unexplained} gateway restart(s) not caused by the lease-heartbeat start cap: ${f.gatewayFailures || "(no failure line in the journal)"}` : "";
}
