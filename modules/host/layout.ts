import { DATA_MOUNT, GATEWAY_PORT } from "../names";
import type { GatewaySettings } from "../settings/settings";

/**
 * The host name every instance of an environment takes: `openclaw-<environment>`. openclaw records
 * the host name in its state leases and reclaims a dead owner's lease only on the same host name, so
 * a replacement instance that kept EC2's per-instance name would crash-loop for the lease's 5-minute
 * TTL (openclaw/openclaw#155644). Environments are at most 20 of [a-z0-9-]: always a valid label.
 */
export const hostName = (s: Pick<GatewaySettings, "environment">): string => `openclaw-${s.environment}`;

/**
 * Where everything lives on the host. The data volume (DATA_MOUNT) holds all state and the
 * installed runtimes, so a replacement host finds them there and skips reinstalling.
 * Shared by the boot script, the systemd units, the operator tools and the tests.
 */
export function hostLayout(s: Pick<GatewaySettings, "versions">) {
  const runtime = `${DATA_MOUNT}/runtime`;
  const nodeDir = `${runtime}/node-v${s.versions.node}`;
  const openclawPrefix = `${runtime}/openclaw-${s.versions.openclaw}`;
  const stateDir = `${DATA_MOUNT}/state`;
  return {
    dataMount: DATA_MOUNT,
    /** Node.js release unpacked here (bin/node, bin/npm). */
    nodeDir,
    nodeBin: `${nodeDir}/bin/node`,
    /** `npm i -g --prefix` target of the pinned openclaw. */
    openclawPrefix,
    openclawBin: `${openclawPrefix}/bin/openclaw`,
    /** The package's entry script; run with nodeBin so no `#!/usr/bin/env node` lookup is involved. */
    openclawEntry: `${openclawPrefix}/lib/node_modules/openclaw/openclaw.mjs`,
    /** Traefik binary of the pinned version. */
    traefikBin: `${runtime}/traefik-v${s.versions.traefik}/traefik`,
    /** OPENCLAW_STATE_DIR: 0700, owned by the openclaw user; holds state/openclaw.sqlite (pairing). */
    stateDir,
    /** OPENCLAW_CONFIG_PATH: 0600, rewritten from the settings at every boot (IaC owns it). */
    configPath: `${stateDir}/openclaw.json`,
    /** Traefik's static and dynamic configuration (root-owned, on the root disk: rendered each boot). */
    traefikConfigDir: "/etc/traefik",
    traefikStaticConfig: "/etc/traefik/traefik.yml",
    traefikDynamicConfig: "/etc/traefik/dynamic.yml",
    /** ACME account and certificates: on the data volume (Let's Encrypt rate limits), 0600. */
    acmeStorage: `${DATA_MOUNT}/traefik/acme.json`,
    /** Secrets as systemd EnvironmentFile, on tmpfs, 0600 root. */
    secretsEnvFile: "/run/openclaw/gateway.env",
    /** Unix user the gateway runs as. */
    serviceUser: "openclaw",
    gatewayUnit: "openclaw-gateway.service",
    traefikUnit: "traefik.service",
    gatewayPort: GATEWAY_PORT,
    healthUrl: `http://127.0.0.1:${GATEWAY_PORT}/healthz`,
    bootstrapLog: "/var/log/openclaw-bootstrap.log",
    /** Host tools the boot script installs; the SSM documents and the watchdog call them. */
    adminTool: "/usr/local/bin/openclaw-admin",
    refreshSecretsTool: "/usr/local/sbin/openclaw-refresh-secrets",
    watchdogTool: "/usr/local/sbin/openclaw-watchdog",
  };
}

export type HostLayout = ReturnType<typeof hostLayout>;

/** Mode of OPENCLAW_STATE_DIR (openclaw's doctor wants 700; pairing state lives inside). */
export const STATE_DIR_MODE = 0o700;
/** Mode of openclaw.json (doctor wants 600). */
export const CONFIG_FILE_MODE = 0o600;

/** Environment of the gateway process (the systemd unit's Environment=), secrets excluded. */
export function gatewayEnvironment(layout: HostLayout): Record<string, string> {
  return {
    HOME: layout.stateDir,
    OPENCLAW_STATE_DIR: layout.stateDir,
    OPENCLAW_CONFIG_PATH: layout.configPath,
    // The settings own the config; the gateway must not rewrite it.
    OPENCLAW_CONFIG_READONLY: "1",
    // systemd owns the lifecycle: openclaw refuses its own service install/update/self-restart paths…
    OPENCLAW_SUPERVISOR_MODE: "external",
    // …and `openclaw doctor` stays read-only about the service (it would otherwise add a user unit).
    OPENCLAW_SERVICE_REPAIR_POLICY: "external",
    OPENCLAW_NO_RESPAWN: "1",
    NODE_ENV: "production",
    PATH: `${layout.nodeDir}/bin:/usr/local/bin:/usr/bin:/bin`,
  };
}

/** An openclaw CLI command line with the pinned Node (e.g. `["devices", "list", "--json"]`). */
export function openclawCommand(layout: Pick<HostLayout, "nodeBin" | "openclawEntry">, args: readonly string[]): string[] {
  return [layout.nodeBin, layout.openclawEntry, ...args];
}

/**
 * The gateway's command line (the systemd unit's ExecStart). Foreground `gateway run`: systemd
 * supervises it (OPENCLAW_SUPERVISOR_MODE=external); the port and bind come from openclaw.json.
 */
export function gatewayCommand(layout: Pick<HostLayout, "nodeBin" | "openclawEntry">): string[] {
  return openclawCommand(layout, ["gateway", "run"]);
}

/**
 * Model the agents use: an Anthropic one, because the stack provisions only an Anthropic API key
 * (ANTHROPIC_API_KEY). openclaw 2026.9.6's own default is an OpenAI model, which would leave the
 * gateway without a usable provider (`openclaw models status --check` exits 1).
 */
export const DEFAULT_AGENT_MODEL = "anthropic/claude-opus-5";

/**
 * openclaw.json: gateway on loopback behind the local Traefik, token auth through a SecretRef
 * to the environment (the token itself only ever lives in the tmpfs EnvironmentFile), agents on
 * the Anthropic model. Checked against the real openclaw in __tests__/integration/openclaw-gateway.test.ts.
 */
export function openclawConfig(
  s: Pick<GatewaySettings, "domainName"> & { agentModel?: string },
  port = GATEWAY_PORT,
): object {
  const origin = `https://${s.domainName}`;
  return {
    gateway: {
      // Required: the gateway refuses to start without it.
      mode: "local",
      // A mode, not a host: raw addresses such as "0.0.0.0" are rejected.
      bind: "loopback",
      port,
      auth: {
        mode: "token",
        token: { source: "env", provider: "default", id: "OPENCLAW_GATEWAY_TOKEN" },
      },
      // Traefik on the same host connects from loopback; nothing else may set forwarded headers.
      trustedProxies: ["127.0.0.1", "::1"],
      publicOrigin: origin,
      controlUi: { allowedOrigins: [origin] },
    },
    agents: { defaults: { model: { primary: s.agentModel ?? DEFAULT_AGENT_MODEL } } },
  };
}

/** openclaw.json exactly as written on the host (and by the tests that start the real gateway). */
export function openclawConfigFile(s: Parameters<typeof openclawConfig>[0], port = GATEWAY_PORT): string {
  return `${JSON.stringify(openclawConfig(s, port), null, 2)}\n`;
}
