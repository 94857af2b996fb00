import type { GatewaySettings } from "../settings/settings";
import { CERT_GUARD_SCHEDULE } from "./cert-guard";
import type { HostContract } from "./contract";
import { gatewayCommand, gatewayEnvironment } from "./layout";
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

/** Sandboxing shared by the services that need no privileges. */
const HARDENING = {
  NoNewPrivileges: true,
  PrivateTmp: true,
  PrivateDevices: true,
  ProtectSystem: "strict",
  ProtectHome: true,
  ProtectKernelTunables: true,
  ProtectKernelModules: true,
  ProtectKernelLogs: true,
  ProtectControlGroups: true,
  ProtectClock: true,
  ProtectHostname: true,
  // No RestrictSUIDSGID: systemd 252 enforces it with a seccomp filter that fails openat2() with
  // ENOSYS, and openclaw 2026.9.6 takes its gateway lock with openat2(RESOLVE_BENEATH) (found by
  // the VM boot proof: the gateway crash-looped). NoNewPrivileges already blocks set-uid escalation.
  RestrictRealtime: true,
  RestrictNamespaces: true,
  LockPersonality: true,
  RestrictAddressFamilies: "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
} as const;

/**
 * Re-reads the secrets into the tmpfs EnvironmentFile when it is missing (after a reboot: the
 * boot script itself runs only once per instance and writes the file directly).
 */
export function secretsUnit(c: HostContract): UnitFile {
  return {
    Unit: {
      Description: "OpenClaw secrets from SSM Parameter Store into the gateway's EnvironmentFile",
      Wants: "network-online.target",
      After: "network-online.target",
      ConditionPathExists: `!${c.secretsEnvFile}`,
    },
    Service: { Type: "oneshot", RemainAfterExit: true, ExecStart: unitCommand([c.refreshSecretsTool]) },
    Install: { WantedBy: "multi-user.target" },
  };
}

/**
 * The gateway: runs as the openclaw user from the data volume; a config error (78) stops the restart
 * loop. Memory: a V8 heap cap, MemoryHigh/MemoryMax from the instance's memory (modules/host/memory.ts);
 * an OOM kill stops the whole unit (OOMPolicy=stop) and Restart=always starts it again.
 */
export function gatewayUnit(c: HostContract, memory: MemoryBudget): UnitFile {
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
      User: c.serviceUser,
      Group: c.serviceUser,
      EnvironmentFile: c.secretsEnvFile,
      Environment: unitEnvironment({ ...gatewayEnvironment(c), NODE_OPTIONS: `--max-old-space-size=${memory.heapMiB}` }),
      WorkingDirectory: c.stateDir,
      ExecStart: unitCommand(gatewayCommand(c)),
      Restart: "always",
      RestartSec: 5,
      RestartPreventExitStatus: 78,
      MemoryHigh: `${memory.highMiB}M`,
      MemoryMax: `${memory.maxMiB}M`,
      OOMPolicy: "stop",
      UMask: "0077",
      ...HARDENING,
      ReadWritePaths: c.stateDir,
      CapabilityBoundingSet: "",
      SystemCallArchitectures: "native",
    },
    Install: { WantedBy: "multi-user.target" },
  };
}

/**
 * Traefik: unprivileged user that may bind 443 and nothing else; ACME storage on the data volume;
 * lego's Route53 variables when the domain is proven with DNS-01 (`traefikEnvironment`).
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
      ...HARDENING,
      ReadWritePaths: c.traefikDataDir,
      SystemCallArchitectures: "native",
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
    Service: { Type: "oneshot", ExecStart: unitCommand([c.watchdogTool]), TimeoutStartSec: 180 },
  };
}

/** Runs the watchdog every `watchdog.intervalSeconds`, starting one interval after boot. */
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
    Service: { Type: "oneshot", ExecStart: unitCommand([c.certGuardTool]), TimeoutStartSec: 120 },
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
  };
}
