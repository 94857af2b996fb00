import type { GatewaySettings } from "../settings/settings";
import { gatewayCommand, gatewayEnvironment, hostLayout, HostLayout } from "./layout";

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

/** Names of the units the boot script installs (files under /etc/systemd/system). */
export const UNIT_NAMES = {
  secrets: "openclaw-secrets.service",
  watchdogService: "openclaw-watchdog.service",
  watchdogTimer: "openclaw-watchdog.timer",
} as const;

/**
 * Re-reads the secrets into the tmpfs EnvironmentFile when it is missing (after a reboot: the
 * boot script itself runs only once per instance and writes the file directly).
 */
export function secretsUnit(layout: HostLayout): UnitFile {
  return {
    Unit: {
      Description: "OpenClaw secrets from SSM Parameter Store into the gateway's EnvironmentFile",
      Wants: "network-online.target",
      After: "network-online.target",
      ConditionPathExists: `!${layout.secretsEnvFile}`,
    },
    Service: { Type: "oneshot", RemainAfterExit: true, ExecStart: unitCommand([layout.refreshSecretsTool]) },
    Install: { WantedBy: "multi-user.target" },
  };
}

/** The gateway: runs as the openclaw user from the data volume; a config error (78) stops the restart loop. */
export function gatewayUnit(layout: HostLayout): UnitFile {
  return {
    Unit: {
      Description: "OpenClaw gateway",
      Wants: "network-online.target",
      After: ["network-online.target", UNIT_NAMES.secrets],
      Requires: UNIT_NAMES.secrets,
      RequiresMountsFor: layout.dataMount,
      // Never give up restarting: the watchdog decides when the host is beyond repair.
      StartLimitIntervalSec: 0,
    },
    Service: {
      Type: "simple",
      User: layout.serviceUser,
      Group: layout.serviceUser,
      EnvironmentFile: layout.secretsEnvFile,
      Environment: unitEnvironment(gatewayEnvironment(layout)),
      WorkingDirectory: layout.stateDir,
      ExecStart: unitCommand(gatewayCommand(layout)),
      Restart: "always",
      RestartSec: 5,
      RestartPreventExitStatus: 78,
      UMask: "0077",
      ...HARDENING,
      ReadWritePaths: layout.stateDir,
      CapabilityBoundingSet: "",
      SystemCallArchitectures: "native",
    },
    Install: { WantedBy: "multi-user.target" },
  };
}

/** Traefik: unprivileged user that may bind 443 and nothing else; ACME storage on the data volume. */
export function traefikUnit(layout: HostLayout): UnitFile {
  return {
    Unit: {
      Description: "Traefik TLS reverse proxy for the OpenClaw gateway",
      Wants: "network-online.target",
      After: "network-online.target",
      RequiresMountsFor: layout.dataMount,
      StartLimitIntervalSec: 0,
    },
    Service: {
      Type: "simple",
      User: TRAEFIK_USER,
      Group: TRAEFIK_USER,
      ExecStart: unitCommand([layout.traefikBin, `--configFile=${layout.traefikStaticConfig}`]),
      Restart: "always",
      RestartSec: 5,
      AmbientCapabilities: "CAP_NET_BIND_SERVICE",
      CapabilityBoundingSet: "CAP_NET_BIND_SERVICE",
      ...HARDENING,
      ReadWritePaths: traefikDataDir(layout),
      SystemCallArchitectures: "native",
    },
    Install: { WantedBy: "multi-user.target" },
  };
}

/** One health check of the gateway (root: it may call the AWS API with the instance role). */
export function watchdogService(layout: HostLayout): UnitFile {
  return {
    Unit: { Description: "OpenClaw gateway health watchdog", After: layout.gatewayUnit },
    Service: { Type: "oneshot", ExecStart: unitCommand([layout.watchdogTool]) },
  };
}

/** Runs the watchdog every `watchdog.intervalSeconds`, starting one interval after boot. */
export function watchdogTimer(s: Pick<GatewaySettings, "watchdog">): UnitFile {
  const every = `${s.watchdog.intervalSeconds}s`;
  return {
    Unit: { Description: "Check the OpenClaw gateway's /healthz periodically" },
    Timer: { OnActiveSec: every, OnUnitActiveSec: every, AccuracySec: "1s", Unit: UNIT_NAMES.watchdogService },
    Install: { WantedBy: "timers.target" },
  };
}

/** Unix user Traefik runs as. */
export const TRAEFIK_USER = "traefik";

/** Directory on the data volume that holds acme.json (writable by Traefik only). */
export const traefikDataDir = (layout: HostLayout): string => layout.acmeStorage.replace(/\/[^/]+$/, "");

/** Every unit the boot script installs: file name → contents. */
export function renderUnits(s: GatewaySettings): Record<string, string> {
  const layout = hostLayout(s);
  return {
    [UNIT_NAMES.secrets]: renderUnit(secretsUnit(layout)),
    [layout.gatewayUnit]: renderUnit(gatewayUnit(layout)),
    [layout.traefikUnit]: renderUnit(traefikUnit(layout)),
    [UNIT_NAMES.watchdogService]: renderUnit(watchdogService(layout)),
    [UNIT_NAMES.watchdogTimer]: renderUnit(watchdogTimer(s)),
  };
}
