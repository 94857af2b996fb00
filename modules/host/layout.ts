import { GATEWAY_PORT } from "../names";
import { GATEWAY_TOKEN } from "../secrets-catalogue";
import type { GatewaySettings } from "../settings/settings";
import type { HostContract } from "./contract";
import { mergeOverlay } from "../openclaw/merge";

/** Mode of OPENCLAW_STATE_DIR (openclaw's doctor wants 700; pairing state lives inside). */
export const STATE_DIR_MODE = 0o700;
/** Mode of openclaw.json (doctor wants 600). */
export const CONFIG_FILE_MODE = 0o600;

/** Environment of the gateway process (the systemd unit's Environment=), secrets excluded. */
export function gatewayEnvironment(c: HostContract): Record<string, string> {
  return {
    HOME: c.stateDir,
    OPENCLAW_STATE_DIR: c.stateDir,
    OPENCLAW_CONFIG_PATH: c.configPath,
    // The settings own the config; the gateway must not rewrite it.
    OPENCLAW_CONFIG_READONLY: "1",
    // systemd owns the lifecycle: openclaw refuses its own service install/update/self-restart paths…
    OPENCLAW_SUPERVISOR_MODE: "external",
    // …and `openclaw doctor` stays read-only about the service (it would otherwise add a user unit).
    OPENCLAW_SERVICE_REPAIR_POLICY: "external",
    OPENCLAW_NO_RESPAWN: "1",
    NODE_ENV: "production",
    PATH: `${c.nodeDir}/bin:/usr/local/bin:/usr/bin:/bin`,
  };
}

/** An openclaw CLI command line with the pinned Node (e.g. `["devices", "list", "--json"]`). */
export function openclawCommand(c: Pick<HostContract, "nodeBin" | "openclawEntry">, args: readonly string[]): string[] {
  return [c.nodeBin, c.openclawEntry, ...args];
}

/**
 * The gateway's command line (the systemd unit's ExecStart). Foreground `gateway run`: systemd
 * supervises it (OPENCLAW_SUPERVISOR_MODE=external); the port and bind come from openclaw.json.
 */
export function gatewayCommand(c: Pick<HostContract, "nodeBin" | "openclawEntry">): string[] {
  return openclawCommand(c, ["gateway", "run"]);
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
 * the Anthropic model; the `openclaw` setting merged over it (modules/openclaw/merge.ts; checked
 * at synth by modules/openclaw/overlay.ts). Checked against the real openclaw in
 * __tests__/integration/openclaw-gateway.test.ts.
 */
export function openclawConfig(
  s: Pick<GatewaySettings, "domainName"> & Partial<Pick<GatewaySettings, "openclaw">> & { agentModel?: string },
  port = GATEWAY_PORT,
): object {
  const origin = `https://${s.domainName}`;
  return mergeOverlay({
    gateway: {
      // Required: the gateway refuses to start without it.
      mode: "local",
      // A mode, not a host: raw addresses such as "0.0.0.0" are rejected.
      bind: "loopback",
      port,
      auth: {
        mode: "token",
        token: { source: "env", provider: "default", id: GATEWAY_TOKEN.envVar },
      },
      // Traefik on the same host connects from loopback; nothing else may set forwarded headers.
      trustedProxies: ["127.0.0.1", "::1"],
      publicOrigin: origin,
      controlUi: { allowedOrigins: [origin] },
    },
    agents: { defaults: { model: { primary: s.agentModel ?? DEFAULT_AGENT_MODEL } } },
  }, s.openclaw);
}

/** openclaw.json exactly as written on the host (and by the tests that start the real gateway). */
export function openclawConfigFile(s: Parameters<typeof openclawConfig>[0], port = GATEWAY_PORT): string {
  return `${JSON.stringify(openclawConfig(s, port), null, 2)}\n`;
}
