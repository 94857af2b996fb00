import type { GatewaySettings } from "../settings/settings";
import { BACKUP_SCHEDULE } from "./backup";
import { CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS, CONFIG_APPLY_SCHEDULE } from "./config-apply";
import { CERT_GUARD_SCHEDULE } from "./cert-guard";
import { HostContract } from "./contract";
import { gatewayCommand, openclawExecution } from "./layout";
import { traefikEnvironment } from "./traefik";
import { MemoryBudget, memoryBudget } from "./memory";

/** One value of a unit directive; a list repeats the directive once per item. */
export type UnitValue = string | number | boolean | ReadonlyArray<string | number>;
/** A unit file as data: sections in order, each an ordered map of directives. */
export type UnitFile = Readonly<Record<string, Readonly<Record<string, UnitValue | undefined>>>>;

/** Serializes a unit file. Booleans become yes/no; undefined directives are left out. */
export function renderUnit(unit: UnitFile): string {
  const sections = Object.entries(unit).map(([section, directives]) => {
    const lines = [`[${section}]`];
    for (const [key, value] of Object.entries(directives)) {
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      for (const item of values) {
        const text = typeof item === "boolean" ? (item ? "yes" : "no") : String(item);
        if (/[\n\r]/.test(text)) throw new Error(`unit directive ${key}= must be one line`);
        lines.push(`${key}=${text}`);
      }
    }
    return lines.join("\n");
  });
  return `${sections.join("\n\n")}\n`;
}

/** One word of an Exec*= line or Environment= assignment: quoted when needed, % and $ escaped for systemd. */
export function unitWord(word: string): string {
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** An Exec*= command line from argv. */
export const unitCommand = (argv: readonly string[]): string => argv.map(unitWord).join(" ");

/** Environment= lines, one assignment each, from a name → value map. */
export const unitEnvironment = (env: Readonly<Record<string, string>>): string[] =>
  Object.entries(env).map(([name, value]) => unitWord(`${name}=${value}`));

/**
 * Sandboxing shared by every service the host installs (`systemd-analyze security` scores each one
 * ≤ 2.0: __tests__/integration/unit-security.test.ts). A system call outside the allowed list fails
 * with EPERM instead of killing the process (systemd's default is SIGSYS): programs treat EPERM
 * from an optional feature (io_uring, memory protection keys) as "unsupported" and go on.
 */
const HARDENING = {
  NoNewPrivileges: true,
  PrivateTmp: true,
  PrivateDevices: true,
  PrivateMounts: true,
  ProtectSystem: "strict",
  ProtectKernelTunables: true,
  ProtectKernelModules: true,
  ProtectKernelLogs: true,
  ProtectControlGroups: true,
  ProtectClock: true,
  ProtectHostname: true,
  // Processes of other users are invisible (hidepid=invisible; Linux ≥ 5.8: AL2023 and Debian 12 run 6.1).
  ProtectProc: "invisible",
  // No RestrictSUIDSGID on the long-running services: systemd 252 enforces it with a seccomp filter
  // that fails openat2() with ENOSYS, and openclaw 2026.9.6 takes its gateway lock with
  // openat2(RESOLVE_BENEATH) (found by the VM boot proof: the gateway crash-looped).
  // NoNewPrivileges already blocks set-uid escalation.
  RestrictRealtime: true,
  RestrictNamespaces: true,
  LockPersonality: true,
  RestrictAddressFamilies: "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
  SystemCallArchitectures: "native",
  SystemCallFilter: "@system-service",
  SystemCallErrorNumber: "EPERM",
} as const;

/**
 * Sandboxing of the services that run as a service user (gateway, Traefik): their home directories
 * are hidden and SysV IPC objects they leave are removed.
 */
const SERVICE_USER_HARDENING = { ...HARDENING, ProtectHome: true, RemoveIPC: true } as const;

/**
 * IPAddressDeny= of a service user's unit: the instance metadata service (the host role's
 * credentials), so code the service runs (openclaw's agent tools) cannot act as the host. systemd
 * filters with a cgroup BPF program (systemd.resource-control(5), systemd 252: addresses without a
 * prefix length are host addresses). `imdsFirewallRules` closes it to the rest of the users.
 */
const denyImds = (c: Pick<HostContract, "imdsAddresses">): string => c.imdsAddresses.join(" ");

/**
 * Sandboxing of the root oneshots (secrets, watchdog, cert guard): no capabilities at all (they
 * only read and write root's own files, call the AWS API, curl and systemctl), no privileged or
 * resource-changing system calls, only this process tree in /proc, and bounded memory and tasks.
 * They keep the metadata service: the AWS CLI takes the instance role's credentials from it.
 */
const ROOT_ONESHOT_HARDENING = {
  ...HARDENING,
  ProtectHome: "read-only",
  ProcSubset: "pid",
  RestrictSUIDSGID: true,
  CapabilityBoundingSet: "",
  SystemCallFilter: ["@system-service", "~@privileged @resources"],
  UMask: "0077",
  MemoryMax: "256M",
  TasksMax: 64,
} as const;

/**
 * systemd creates `runDir` (tmpfs, 0700 root) for the root oneshots that write there (under
 * ProtectSystem=strict nothing else under /run is writable) and keeps it when they stop: it holds
 * the gateway's secrets file and the watchdog's counters.
 */
const runDirectory = (c: Pick<HostContract, "runDir">) => {
  if (!c.runDir.startsWith("/run/")) throw new Error(`runDir ${c.runDir} must be under /run`);
  return { RuntimeDirectory: c.runDir.slice("/run/".length), RuntimeDirectoryMode: "0700", RuntimeDirectoryPreserve: true };
};

/**
 * Re-reads the secrets into the tmpfs secrets file when it is missing (after a reboot: the
 * boot script itself runs only once per instance and writes the file directly).
 */
export function secretsUnit(c: HostContract): UnitFile {
  return {
    Unit: {
      Description: "OpenClaw secrets from SSM Parameter Store into the gateway's secrets file",
      Wants: "network-online.target",
      After: "network-online.target",
      ConditionPathExists: `!${c.secretsFile}`,
    },
    Service: {
      Type: "oneshot",
      RemainAfterExit: true,
      ExecStart: unitCommand([c.refreshSecretsTool]),
      ...ROOT_ONESHOT_HARDENING,
      ...runDirectory(c),
    },
    Install: { WantedBy: "multi-user.target" },
  };
}

/** The gateway's NODE_OPTIONS: V8's heap cap from the instance's memory budget (modules/host/memory.ts). */
export function gatewayNodeOptions(memory: MemoryBudget): string {
  return `--max-old-space-size=${memory.heapMiB}`;
}

/**
 * Removes the gateway's lock files left on the volume by a gateway that is gone, before every start. openclaw keeps its
 * gateway lock in `<state>/tmp/openclaw-<uid>/gateway.*.lock` with the owner's pid (dist/gateway-lock-*.mjs); a lock
 * left by a killed instance (a replacement) or by the last boot (a reboot) names a pid of another boot. When that pid
 * is alive here and not inspectable — the unit's ProtectProc=invisible hides other users' processes, so openclaw can
 * read neither its start time nor its command line — openclaw calls the owner "unknown", treats it as a running gateway
 * and waits 300 s, then exits, and the next start finds the same lock: a crash loop. Found by the VM proof (CI
 * rehearsal r12, 2026-12-01: the replacement's gateway waited on "gateway already running (pid 500)", a root process of
 * the new boot). Safe: systemd has stopped every process of this unit before ExecStartPre, and only this host mounts
 * the volume. Only lock files of that name are touched.
 */
export function staleGatewayLockCleanup(c: Pick<HostContract, "stateDir">): string[] {
  return ["/usr/bin/find", `${c.stateDir}/tmp`, "-maxdepth", "2", "-type", "f", "-name", "gateway.*.lock", "-delete"];
}

/**
 * The gateway: runs as the openclaw user from the data volume, restarted whatever its exit: openclaw
 * exits 78 for a configuration error but also when a start-time state migration gives up (its 5 s
 * lease-heartbeat start cap on a slow machine, `gateway.maintenance_required`: transient, seen in the
 * VM proof), so 78 must not stop it for good; the watchdog reports a 78 and never replaces the host for it. Memory: a V8 heap cap, MemoryHigh/MemoryMax from the instance's memory (modules/host/memory.ts);
 * an OOM kill stops the whole unit (OOMPolicy=stop) and Restart=always starts it again.
 */
export function gatewayUnit(c: HostContract, memory: MemoryBudget): UnitFile {
  const run = openclawExecution(c);
  return {
    Unit: {
      Description: "OpenClaw gateway",
      Wants: "network-online.target",
      After: ["network-online.target", c.secretsUnit],
      Requires: c.secretsUnit,
      RequiresMountsFor: c.dataMount,
      // Never give up restarting: the watchdog decides when the host is beyond repair.
      StartLimitIntervalSec: 0,
    },
    Service: {
      Type: "simple",
      User: run.User,
      Group: run.Group,
      LoadCredential: run.LoadCredential,
      Environment: unitEnvironment({
        ...run.Environment, NODE_OPTIONS: gatewayNodeOptions(memory), NODE_COMPILE_CACHE: c.gatewayCompileCache,
      }),
      WorkingDirectory: run.WorkingDirectory,
      // "-": nothing to remove (no lock directory yet) is fine.
      ExecStartPre: `-${unitCommand(staleGatewayLockCleanup(c))}`,
      ExecStart: unitCommand(gatewayCommand(c)),
      Restart: "always",
      RestartSec: 5,
      MemoryHigh: `${memory.highMiB}M`,
      MemoryMax: `${memory.maxMiB}M`,
      OOMPolicy: "stop",
      UMask: run.UMask,
      ...SERVICE_USER_HARDENING,
      // V8 may use memory protection keys (pkey_*), which @system-service lacks in systemd 252.
      SystemCallFilter: "@system-service @pkey",
      // The state, and V8's code cache for openclaw's modules kept across starts and hosts (HostContract.gatewayCompileCache).
      ReadWritePaths: [c.stateDir, c.gatewayCompileCache],
      CapabilityBoundingSet: "",
      IPAddressDeny: denyImds(c),
    },
    Install: { WantedBy: "multi-user.target" },
  };
}

/**
 * Traefik: unprivileged user that may bind 443 and nothing else; ACME storage on the data volume;
 * lego's Route53 variables when the domain is proven with DNS-01 (`traefikEnvironment`). The
 * metadata service is closed to it unless it proves the domain with DNS-01: lego's route53 provider
 * takes the instance role's credentials from IMDS (AWS SDK default chain), see `imdsFirewallRules`.
 */
export function traefikUnit(s: Pick<GatewaySettings, "hostedZoneId" | "region">, c: HostContract): UnitFile {
  const environment = unitEnvironment(traefikEnvironment(s));
  return {
    Unit: {
      Description: "Traefik TLS reverse proxy for the OpenClaw gateway",
      Wants: "network-online.target",
      After: "network-online.target",
      RequiresMountsFor: c.dataMount,
      StartLimitIntervalSec: 0,
    },
    Service: {
      Type: "simple",
      User: c.traefikUser,
      Group: c.traefikUser,
      Environment: environment.length > 0 ? environment : undefined,
      ExecStart: unitCommand([c.traefikBin, `--configFile=${c.traefikStaticConfig}`]),
      Restart: "always",
      RestartSec: 5,
      AmbientCapabilities: "CAP_NET_BIND_SERVICE",
      CapabilityBoundingSet: "CAP_NET_BIND_SERVICE",
      ...SERVICE_USER_HARDENING,
      // Go writes no code at run time (no JIT), unlike the gateway's V8.
      MemoryDenyWriteExecute: true,
      ReadWritePaths: c.traefikDataDir,
      IPAddressDeny: traefikNeedsImds(s) ? undefined : denyImds(c),
    },
    Install: { WantedBy: "multi-user.target" },
  };
}

/** One health check of the gateway (root: it may call the AWS API with the instance role). */
export function watchdogService(c: HostContract): UnitFile {
  return {
    Unit: { Description: "OpenClaw gateway health watchdog", After: c.gatewayUnit },
    // A hung run would stop the timer (it does not start a unit that is still active): a bound.
    // Worst case ~150 s: one bounded /healthz GET, IMDS, one aws call (10 s connect + 30 s read,
    // the CLI's own 3 attempts).
    // ProcSubset=all: its start window reads /proc/uptime, which ProcSubset=pid hides (procfs subset=pid
    // keeps only process directories); with it every check died on that read and no outage was ever
    // counted (found by the sandbox running the tool under the unit's own /proc).
    Service: { Type: "oneshot", ExecStart: unitCommand([c.watchdogTool]), TimeoutStartSec: 180, ...ROOT_ONESHOT_HARDENING, ProcSubset: "all", ...runDirectory(c) },
  };
}

/**
 * Runs the watchdog every `watchdog.intervalSeconds`, starting one interval after the timer starts (the
 * boot's "start services" step, or a reboot). OnUnitActiveSec counts from the start of the service's
 * last run (its inactive_exit_timestamp in timer_enter_waiting(),
 * https://github.com/systemd/systemd/blob/main/src/core/timer.c, read 2026-11-30), so a check that waits
 * out its GET timeout does not push the next one back: checks start `intervalSeconds` apart.
 */
export function watchdogTimer(s: Pick<GatewaySettings, "watchdog">, c: HostContract): UnitFile {
  const every = `${s.watchdog.intervalSeconds}s`;
  return {
    Unit: { Description: "Check the OpenClaw gateway's /healthz periodically" },
    Timer: { OnActiveSec: every, OnUnitActiveSec: every, AccuracySec: "1s", Unit: c.watchdogServiceUnit },
    Install: { WantedBy: "timers.target" },
  };
}

/**
 * One run of `openclaw-cert-guard` (root: it restarts Traefik). Its worst case is about 86 s (three
 * bounded 10 s steps, the IMDS calls and a 60 s restart); 120 s bounds a hung run.
 */
export function certGuardService(c: HostContract): UnitFile {
  return {
    Unit: { Description: "Check the certificate Traefik serves; restart Traefik when a restart can fix it", After: c.traefikUnit },
    Service: {
      Type: "oneshot",
      ExecStart: unitCommand([c.certGuardTool]),
      TimeoutStartSec: 120,
      ...ROOT_ONESHOT_HARDENING,
      // Its history and status.json (0755: nothing secret); systemd creates it and makes it writable.
      StateDirectory: stateDirectoryName(c.certGuardStateDir),
      StateDirectoryMode: "0755",
    },
  };
}

/**
 * Runs the cert guard every 15 minutes (CERT_GUARD_SCHEDULE), the first time 10 minutes after the
 * timer starts: OnActiveSec, not OnBootSec, since an OnBootSec already past when the boot script
 * starts the timer (after a long DNS wait) would fire at once, while Traefik's first ACME order runs.
 * At boot timers.target starts it, so the two are the same there.
 */
export function certGuardTimer(c: HostContract): UnitFile {
  return {
    Unit: { Description: "Check the gateway's TLS certificate periodically" },
    Timer: { OnActiveSec: CERT_GUARD_SCHEDULE.onActiveSec, OnUnitActiveSec: CERT_GUARD_SCHEDULE.onUnitActiveSec, Unit: c.certGuardServiceUnit },
    Install: { WantedBy: "timers.target" },
  };
}

/**
 * One run of `openclaw-backup` (modules/host/backup.ts) as the gateway's user, with the gateway's
 * environment (OPENCLAW_STATE_DIR, OPENCLAW_CONFIG_PATH) and the pinned runtimes, but without its
 * secrets credential (a backup resolves no SecretRef) and without any network (IPAddressDeny=any:
 * it reads and writes the data volume only). It may write the state directory (SQLite's online
 * backup reads a WAL database through its shared-memory file) and the backups directory. Low CPU
 * and I/O priority: the gateway keeps serving while it runs. TimeoutStartSec= ends a hung run
 * before the snapshot (BACKUP_SCHEDULE).
 */
export function backupService(c: HostContract): UnitFile {
  const run = openclawExecution(c);
  return {
    Unit: { Description: "Consistent openclaw backup archive on the data volume", After: c.gatewayUnit, RequiresMountsFor: c.dataMount },
    Service: {
      Type: "oneshot",
      User: run.User,
      Group: run.Group,
      Environment: unitEnvironment(run.Environment),
      WorkingDirectory: run.WorkingDirectory,
      ExecStart: unitCommand([c.backupTool]),
      TimeoutStartSec: BACKUP_SCHEDULE.timeoutSeconds,
      Nice: 10,
      IOSchedulingClass: "idle",
      UMask: run.UMask,
      ...SERVICE_USER_HARDENING,
      // V8 may use memory protection keys, as in the gateway's unit.
      SystemCallFilter: "@system-service @pkey",
      ReadWritePaths: [c.stateDir, c.backupsDir],
      CapabilityBoundingSet: "",
      IPAddressDeny: "any",
    },
  };
}

/**
 * Starts the backup daily before the data volume's snapshot (BACKUP_SCHEDULE: 02:30 UTC, at most 5 min
 * later); never at boot (Persistent=false, no OnBootSec=): a catch-up run would compete with the
 * gateway's start.
 */
export function backupTimer(c: HostContract): UnitFile {
  return {
    Unit: { Description: "Back up openclaw's state daily before the data volume's snapshot" },
    Timer: {
      OnCalendar: BACKUP_SCHEDULE.onCalendar,
      RandomizedDelaySec: BACKUP_SCHEDULE.randomizedDelaySeconds,
      AccuracySec: BACKUP_SCHEDULE.accuracySeconds,
      Persistent: false,
      Unit: c.backupServiceUnit,
    },
    Install: { WantedBy: "timers.target" },
  };
}

/** StateDirectory= of a directory under /var/lib. */
function stateDirectoryName(dir: string): string {
  if (!dir.startsWith("/var/lib/")) throw new Error(`${dir} must be under /var/lib to be a StateDirectory`);
  return dir.slice("/var/lib/".length);
}

/**
 * Whether Traefik needs the metadata service: with a hosted zone it proves the domain with DNS-01
 * through lego's route53 provider, whose credentials come from the AWS SDK's default chain, i.e. the
 * instance role through IMDS (https://go-acme.github.io/lego/dns/route53/, read 2026-11-30). The
 * alternative, handing Traefik the role's short-lived credentials another way, would need a root
 * helper that renews them every few hours: more moving parts for the same credentials.
 */
export const traefikNeedsImds = (s: Pick<GatewaySettings, "hostedZoneId">): boolean => s.hostedZoneId !== undefined;

/**
 * The nftables rules (`nft -f`) that close the instance metadata service to every user but root,
 * so a shell as the openclaw user (openclaw-admin, sudo -u openclaw) cannot fetch the host role's
 * credentials either; Traefik's user keeps it with DNS-01 (`traefikNeedsImds`). Reject, not drop:
 * a blocked client fails at once instead of waiting for its timeout. Idempotent: the table is
 * declared, deleted and declared again in one atomic transaction (nft(8): a file is one batch).
 * `meta skuid` matches the user owning the sending socket; packets without one (kernel replies)
 * do not match and pass.
 */
export function imdsFirewallRules(s: Pick<GatewaySettings, "hostedZoneId">, c: Pick<HostContract, "imdsAddresses" | "traefikUser">): string {
  const table = "inet openclaw_imds";
  const family = (address: string) => (address.includes(":") ? "ip6" : "ip");
  const rules = c.imdsAddresses.flatMap((address) => [
    ...(traefikNeedsImds(s) ? [`${family(address)} daddr ${address} meta skuid ${c.traefikUser} accept`] : []),
    `${family(address)} daddr ${address} meta skuid != 0 reject`,
  ]);
  return `# openclaw-aws: the instance metadata service (the host role's credentials) answers root only.
table ${table}
delete table ${table}
table ${table} {
  chain output {
    type filter hook output priority 0; policy accept;
${rules.map((rule) => `    ${rule}`).join("\n")}
  }
}
`;
}

/**
 * Loads `imdsFirewallRules` at every boot, early (like Debian's nftables.service: before
 * network-pre.target, outside the default dependencies), and when the boot script restarts it.
 * Needs CAP_NET_ADMIN and netlink only; it may not talk IP at all.
 */
export function imdsFirewallUnit(c: HostContract): UnitFile {
  return {
    Unit: {
      Description: "Close the instance metadata service to every user but root",
      DefaultDependencies: false,
      Wants: "network-pre.target",
      Before: ["network-pre.target", "shutdown.target"],
      Conflicts: "shutdown.target",
    },
    Service: {
      Type: "oneshot",
      RemainAfterExit: true,
      ExecStart: unitCommand(["/usr/sbin/nft", "-f", c.imdsFirewallRules]),
      ...ROOT_ONESHOT_HARDENING,
      // No private /tmp: it would order this early unit after tmp.mount; nft writes no files.
      PrivateTmp: undefined,
      CapabilityBoundingSet: "CAP_NET_ADMIN",
      RestrictAddressFamilies: "AF_UNIX AF_NETLINK",
      IPAddressDeny: "any",
    },
    Install: { WantedBy: "sysinit.target" },
  };
}

/**
 * One run of `openclaw-apply-config` (modules/host/config-apply.ts). Root: it reads the artifacts
 * bucket with the instance role (IMDS is closed to every other user). The service user writes
 * openclaw.json in a transient unit (systemd-run, as openclaw-admin); this one writes only its scratch
 * files in its private /tmp, and may restart the gateway unit. One capability, CAP_DAC_READ_SEARCH:
 * it must *read* openclaw.json to compare it, inside the service user's 0700 state directory. Without
 * it (the VM proof, 2026-12-02) every timer run found "no file", rewrote the unchanged config and then
 * failed on its sha256, every interval, and a real change never reached the restart decision.
 * Worst case ~200 s (5 bounded attempts of one S3 call and their pauses), plus each external channel plugin's install
 * (CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS, Slack and Discord) when a changed config enables them; this bounds a hung run.
 */
export function applyConfigService(c: HostContract): UnitFile {
  return {
    Unit: { Description: "Apply openclaw.json from the stack's artifacts bucket", After: c.gatewayUnit, RequiresMountsFor: c.dataMount },
    Service: {
      Type: "oneshot",
      ExecStart: unitCommand([c.applyConfigTool]),
      TimeoutStartSec: 240 + CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS,
      ...ROOT_ONESHOT_HARDENING,
      CapabilityBoundingSet: "CAP_DAC_READ_SEARCH",
    },
  };
}

/**
 * Runs the apply-config service every CONFIG_APPLY_SCHEDULE.onUnitActiveSec (a random delay of up to
 * randomizedDelaySec each time), the first time one interval after the timer starts (the boot has just
 * applied the config).
 */
export function applyConfigTimer(c: HostContract): UnitFile {
  return {
    Unit: { Description: "Apply openclaw.json from the stack's artifacts bucket periodically" },
    Timer: {
      OnActiveSec: CONFIG_APPLY_SCHEDULE.onActiveSec,
      OnUnitActiveSec: CONFIG_APPLY_SCHEDULE.onUnitActiveSec,
      RandomizedDelaySec: CONFIG_APPLY_SCHEDULE.randomizedDelaySec,
      Unit: c.applyConfigServiceUnit,
    },
    Install: { WantedBy: "timers.target" },
  };
}

/** Every unit the boot script installs: file name → contents. */
export function renderUnits(s: Pick<GatewaySettings, "watchdog" | "hostedZoneId" | "region" | "instanceType">, c: HostContract): Record<string, string> {
  return {
    [c.secretsUnit]: renderUnit(secretsUnit(c)),
    [c.gatewayUnit]: renderUnit(gatewayUnit(c, memoryBudget(s.instanceType))),
    [c.traefikUnit]: renderUnit(traefikUnit(s, c)),
    [c.watchdogServiceUnit]: renderUnit(watchdogService(c)),
    [c.watchdogTimerUnit]: renderUnit(watchdogTimer(s, c)),
    [c.certGuardServiceUnit]: renderUnit(certGuardService(c)),
    [c.certGuardTimerUnit]: renderUnit(certGuardTimer(c)),
    [c.imdsFirewallUnit]: renderUnit(imdsFirewallUnit(c)),
    [c.backupServiceUnit]: renderUnit(backupService(c)),
    [c.backupTimerUnit]: renderUnit(backupTimer(c)),
    [c.applyConfigServiceUnit]: renderUnit(applyConfigService(c)),
    [c.applyConfigTimerUnit]: renderUnit(applyConfigTimer(c)),
  };
}
