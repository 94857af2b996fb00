import { GATEWAY_PORT } from "../names";
import { architectureOf } from "../settings/instance-types";
import { nodeArch, traefikArch } from "./host-os";
import type { GatewaySettings } from "../settings/settings";

/**
 * Everything the host agrees on: every path, unit, user, environment-variable name and address
 * that the boot script, the systemd units, the host tools, Traefik's configuration and the SSM
 * documents use. Resolved once from the settings (`hostContract`) and handed to every renderer;
 * files are derived from their directories, never the reverse. A plain frozen data object.
 */
export interface HostContract {
  /**
   * The host name every instance of an environment takes: `openclaw-<environment>`. openclaw records
   * the host name in its state leases and reclaims a dead owner's lease only on the same host name, so
   * a replacement instance that kept EC2's per-instance name would crash-loop for the lease's 5-minute
   * TTL (openclaw/openclaw#155644). Environments are at most 20 of [a-z0-9-]: always a valid label.
   */
  readonly hostName: string;
  /** cloud-init drop-in that keeps the host name across reboots (cloud-init would reset it). */
  readonly cloudInitHostNameDropIn: string;
  /** Mount point of the data volume: all state and the installed runtimes (a replacement host finds them). */
  readonly dataMount: string;
  /** Runtimes on the data volume, one directory per version and CPU architecture each. */
  readonly runtimeDir: string;
  /**
   * Lists (one directory name a line) of the runtimes the current and the previous boot used; every
   * other directory in runtimeDir is pruned, so a rollback to the previous versions reinstalls nothing.
   */
  readonly runtimesCurrentList: string;
  readonly runtimesPreviousList: string;
  /**
   * Node.js release unpacked here (bin/node, bin/npm). Like every runtime directory, its name carries
   * the CPU architecture: openclaw's native packages (and Node, Traefik) are per platform, so a volume
   * prepared by a t4g host gets fresh installs on a t3 host instead of binaries it cannot run.
   */
  readonly nodeDir: string;
  /** The pinned Node.js binary. */
  readonly nodeBin: string;
  /**
   * The verified Node.js release archive under its published name, kept next to nodeDir: every boot
   * re-checks its sha256 against the pin in the host script, and nodeDir against it (a tree changed
   * on the volume is unpacked again).
   */
  readonly nodeArchive: string;
  /** `npm i -g --prefix` target of the pinned openclaw. */
  readonly openclawPrefix: string;
  /** openclaw's bin link inside its prefix. */
  readonly openclawBin: string;
  /** The package's entry script; run with nodeBin so no `#!/usr/bin/env node` lookup is involved. */
  readonly openclawEntry: string;
  /** Traefik release unpacked here. */
  readonly traefikDir: string;
  /** Traefik binary of the pinned version. */
  readonly traefikBin: string;
  /** The verified Traefik release archive, kept next to traefikDir (re-checked every boot, like nodeArchive). */
  readonly traefikArchive: string;
  /** OPENCLAW_STATE_DIR: 0700, owned by the service user; holds state/openclaw.sqlite (pairing). */
  readonly stateDir: string;
  /** OPENCLAW_CONFIG_PATH: 0600, rewritten from the settings at every boot (IaC owns it). */
  readonly configPath: string;
  /** Traefik's static and dynamic configuration directory (root-owned, on the root disk: rendered each boot). */
  readonly traefikConfigDir: string;
  /** Traefik's static configuration file. */
  readonly traefikStaticConfig: string;
  /** Traefik's dynamic configuration file (the file provider watches it). */
  readonly traefikDynamicConfig: string;
  /** Directory on the data volume that holds acme.json (writable by Traefik only). */
  readonly traefikDataDir: string;
  /** ACME account and certificates: on the data volume (Let's Encrypt rate limits), 0600. */
  readonly acmeStorage: string;
  /** Directory on tmpfs (0700 root) that holds the secrets file and the watchdog's counters. */
  readonly runDir: string;
  /**
   * The secrets, a JSON object by catalogue id, on tmpfs, 0600 root: the gateway's unit (and
   * openclaw-admin's transient one) load it as the systemd credential `SECRETS_CREDENTIAL`; no
   * other user reads it.
   */
  readonly secretsFile: string;
  /** The watchdog's consecutive-failure counter and its reported-once marker. */
  readonly watchdogStateDir: string;
  /**
   * The watchdog's last verdict (one line, e.g. `config-error …`), for operators and alarms:
   * a gateway that exits with openclaw's config-error status is reported here, never replaced.
   */
  readonly watchdogStatusFile: string;
  /**
   * The whole seconds of uptime at which the boot last started the gateway (written by its start step;
   * tmpfs, so a reboot clears it): the watchdog's start window opens there, and restarts systemd makes
   * on its own inside the window do not close it.
   */
  readonly gatewayStartMark: string;
  /**
   * The maintenance switch: while this file exists (and is younger than the watchdog's limit) the
   * watchdog checks nothing, so an operator may stop the gateway without the host being replaced.
   * On tmpfs: a reboot clears it.
   */
  readonly maintenanceFile: string;
  /** Swap file on the (encrypted, per-instance) root disk: absorbs the gateway's memory spikes. */
  readonly swapFile: string;
  /** Unix user the gateway runs as. */
  readonly serviceUser: string;
  /** Unix user Traefik runs as. */
  readonly traefikUser: string;
  /** Where the boot script installs its systemd units. */
  readonly unitDir: string;
  /** Re-reads the secrets into the secrets file when it is missing (after a reboot). */
  readonly secretsUnit: string;
  /** The gateway service. */
  readonly gatewayUnit: string;
  /** The Traefik service. */
  readonly traefikUnit: string;
  /** One health check of the gateway. */
  readonly watchdogServiceUnit: string;
  /** Runs the watchdog service periodically. */
  readonly watchdogTimerUnit: string;
  /** Port the gateway listens on (loopback only). */
  readonly gatewayPort: number;
  /** The gateway's liveness URL (never /readyz: it answers 403 through proxies). */
  readonly healthUrl: string;
  /** Where IMDSv2 answers on every EC2 instance (and in the test VM). */
  readonly imdsBase: string;
  /**
   * The instance metadata service's addresses (IPv4, and the IPv6 one Nitro serves when enabled):
   * closed to every user but root (`imdsFirewallUnit`, and IPAddressDeny= on the service users' units).
   */
  readonly imdsAddresses: readonly string[];
  /** nftables rules that close the metadata service to non-root users (root-owned, rendered each boot). */
  readonly imdsFirewallRules: string;
  /** Loads `imdsFirewallRules` at every boot, before the network is up (oneshot). */
  readonly imdsFirewallUnit: string;
  /**
   * The host script as the user data's loader fetched and verified it (root disk, 0700 directory): the
   * bash the boot sourced, kept readable (comments included) for whoever debugs the host.
   */
  readonly hostScript: string;
  /** The boot script's log (everything it prints). */
  readonly bootstrapLog: string;
  /** `openclaw-admin`: the openclaw CLI as the gateway's user (the SSM documents call it). */
  readonly adminTool: string;
  /** `openclaw-refresh-secrets`: SSM parameters → the secrets file. */
  readonly refreshSecretsTool: string;
  /** `openclaw-watchdog`: run by the watchdog timer. */
  readonly watchdogTool: string;
  /** `openclaw-cert-guard`: one check of the certificate Traefik serves (modules/host/cert-guard.ts). */
  readonly certGuardTool: string;
  /** Runs the cert guard once (oneshot). */
  readonly certGuardServiceUnit: string;
  /** Runs the cert guard service periodically. */
  readonly certGuardTimerUnit: string;
  /** The cert guard's restart history and status.json (root disk, 0755: nothing secret; survives reboots). */
  readonly certGuardStateDir: string;
  /**
   * openclaw's backup archives (`openclaw backup create`), on the data volume so each daily snapshot
   * carries the newest; outside stateDir, so an archive never contains the earlier ones. 0700, the
   * service user's (an archive holds the state's credentials).
   */
  readonly backupsDir: string;
  /**
   * Node's compile cache for the gateway (`NODE_COMPILE_CACHE`), on the data volume. openclaw enables Node's compile
   * cache by itself (dist/entry.js, `enableOpenClawCompileCache`) in `$NODE_COMPILE_CACHE` or else
   * `$TMPDIR/node-compile-cache`, keyed by its version and install (package.json's mtime and size); under the unit's
   * PrivateTmp= that default was a fresh empty /tmp at every start. Measured natively with the pinned openclaw: spawn →
   * /healthz 10.6–12.9 s cold vs 8.0–11.3 s with the cache (3 pairs, loaded machine); under TCG (the VM proof) compiling
   * is most of the gateway's start. Node writes the cache when the process exits cleanly (a stop, a reboot, an instance
   * refresh's shutdown). On the root disk (/var/cache until 2026-12-03) a replacement started cold; on the volume it
   * reuses its predecessor's, the openclaw tree there (so the cache key) being the same. Derived data only, 0700, the
   * service user's, about 45 MB per openclaw version; outside stateDir (never in openclaw's backups); the boot prunes
   * other versions' caches.
   */
  readonly gatewayCompileCache: string;
  /** `openclaw-backup`: one archive into backupsDir, then the older ones pruned (modules/host/backup.ts). */
  readonly backupTool: string;
  /** Runs the backup tool once as the service user (oneshot). */
  readonly backupServiceUnit: string;
  /** Runs the backup service daily before the snapshot (modules/host/backup.ts BACKUP_SCHEDULE). */
  readonly backupTimerUnit: string;
  /** `openclaw-apply-config`: the artifacts bucket's openclaw.json → configPath, checked (modules/host/config-apply.ts). */
  readonly applyConfigTool: string;
  /** Runs the apply-config tool once (root oneshot: it reads S3 with the instance role). */
  readonly applyConfigServiceUnit: string;
  /** Runs the apply-config service periodically (CONFIG_APPLY_SCHEDULE). */
  readonly applyConfigTimerUnit: string;
}

/**
 * The id of the systemd credential that carries the secrets file: the gateway reads it as
 * `$CREDENTIALS_DIRECTORY/gateway-secrets` (systemd.exec(5), "Credentials").
 */
export const SECRETS_CREDENTIAL = "gateway-secrets";

/** Where the persistent data volume is mounted on the host. */
const DATA_MOUNT = "/opt/openclaw";

/** Resolves the host contract of one environment from its settings. Call once; pass the object on. */
export function hostContract(s: Pick<GatewaySettings, "environment" | "versions" | "instanceType">): HostContract {
  const runtimeDir = `${DATA_MOUNT}/runtime`;
  const arch = architectureOf(s.instanceType);
  const nodeDir = `${runtimeDir}/node-v${s.versions.node}-${arch}`;
  const openclawPrefix = `${runtimeDir}/openclaw-${s.versions.openclaw}-${arch}`;
  const traefikDir = `${runtimeDir}/traefik-v${s.versions.traefik}-${arch}`;
  const stateDir = `${DATA_MOUNT}/state`;
  const traefikConfigDir = "/etc/traefik";
  const traefikDataDir = `${DATA_MOUNT}/traefik`;
  const runDir = "/run/openclaw";
  return Object.freeze({
    hostName: `openclaw-${s.environment}`,
    cloudInitHostNameDropIn: "/etc/cloud/cloud.cfg.d/90-openclaw-hostname.cfg",
    dataMount: DATA_MOUNT,
    runtimeDir,
    runtimesCurrentList: `${runtimeDir}/.current`,
    runtimesPreviousList: `${runtimeDir}/.previous`,
    nodeDir,
    nodeBin: `${nodeDir}/bin/node`,
    nodeArchive: `${runtimeDir}/node-v${s.versions.node}-linux-${nodeArch(arch)}.tar.xz`,
    openclawPrefix,
    openclawBin: `${openclawPrefix}/bin/openclaw`,
    openclawEntry: `${openclawPrefix}/lib/node_modules/openclaw/openclaw.mjs`,
    traefikDir,
    traefikBin: `${traefikDir}/traefik`,
    traefikArchive: `${runtimeDir}/traefik_v${s.versions.traefik}_linux_${traefikArch(arch)}.tar.gz`,
    stateDir,
    configPath: `${stateDir}/openclaw.json`,
    traefikConfigDir,
    traefikStaticConfig: `${traefikConfigDir}/traefik.yml`,
    traefikDynamicConfig: `${traefikConfigDir}/dynamic.yml`,
    traefikDataDir,
    acmeStorage: `${traefikDataDir}/acme.json`,
    runDir,
    secretsFile: `${runDir}/gateway-secrets.json`,
    watchdogStateDir: `${runDir}/watchdog`,
    watchdogStatusFile: `${runDir}/watchdog/status`,
    gatewayStartMark: `${runDir}/watchdog/gateway-started`,
    maintenanceFile: `${runDir}/maintenance`,
    swapFile: "/var/swapfile",
    serviceUser: "openclaw",
    traefikUser: "traefik",
    unitDir: "/etc/systemd/system",
    secretsUnit: "openclaw-secrets.service",
    gatewayUnit: "openclaw-gateway.service",
    traefikUnit: "traefik.service",
    watchdogServiceUnit: "openclaw-watchdog.service",
    watchdogTimerUnit: "openclaw-watchdog.timer",
    gatewayPort: GATEWAY_PORT,
    healthUrl: `http://127.0.0.1:${GATEWAY_PORT}/healthz`,
    imdsBase: "http://169.254.169.254/latest",
    imdsAddresses: Object.freeze(["169.254.169.254", "fd00:ec2::254"]),
    imdsFirewallRules: "/etc/openclaw/imds-firewall.nft",
    imdsFirewallUnit: "openclaw-imds-firewall.service",
    hostScript: "/var/lib/openclaw-boot/host.sh",
    bootstrapLog: "/var/log/openclaw-bootstrap.log",
    adminTool: "/usr/local/bin/openclaw-admin",
    refreshSecretsTool: "/usr/local/sbin/openclaw-refresh-secrets",
    watchdogTool: "/usr/local/sbin/openclaw-watchdog",
    certGuardTool: "/usr/local/sbin/openclaw-cert-guard",
    certGuardServiceUnit: "openclaw-cert-guard.service",
    certGuardTimerUnit: "openclaw-cert-guard.timer",
    certGuardStateDir: "/var/lib/openclaw-cert-guard",
    backupsDir: `${DATA_MOUNT}/backups`,
    gatewayCompileCache: `${DATA_MOUNT}/cache/gateway-compile`,
    backupTool: "/usr/local/bin/openclaw-backup",
    backupServiceUnit: "openclaw-backup.service",
    backupTimerUnit: "openclaw-backup.timer",
    applyConfigTool: "/usr/local/sbin/openclaw-apply-config",
    applyConfigServiceUnit: "openclaw-apply-config.service",
    applyConfigTimerUnit: "openclaw-apply-config.timer",
  });
}
