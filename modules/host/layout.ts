import { GATEWAY_PORT } from "../names";
import { secretsInUse, SecretSpec } from "../secrets-catalogue";
import type { GatewaySettings } from "../settings/settings";
import { HostContract, SECRETS_CREDENTIAL } from "./contract";
import { mergeOverlay } from "../openclaw/merge";
import { DEFAULT_MODEL, modelConfig, ModelProvider, parseModel } from "../openclaw/providers";
import { withPluginAllowlist } from "../openclaw/plugins";
import { DEFAULT_TOOL_POLICY, withToolPolicy } from "../openclaw/tool-policy";

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

/**
 * How the gateway's user runs openclaw, in the gateway's unit and in openclaw-admin's transient one
 * (`adminTool`): user, working directory, environment, umask, and the secrets file as the systemd
 * credential `SECRETS_CREDENTIAL`. systemd copies the root-only file into the unit's own credentials
 * directory (`$CREDENTIALS_DIRECTORY`: read-only, non-swappable memory, the unit's user only) and
 * removes it when the unit stops; openclaw.json's SecretRefs read it there (layout.ts `secretsProvider`).
 * So no secret is in the process's environment, which its children inherit and /proc/<pid>/environ shows.
 */
export function openclawExecution(c: HostContract) {
  return {
    User: c.serviceUser,
    Group: c.serviceUser,
    WorkingDirectory: c.stateDir,
    Environment: gatewayEnvironment(c),
    UMask: "0077",
    LoadCredential: `${SECRETS_CREDENTIAL}:${c.secretsFile}`,
  } as const;
}

/**
 * systemd-run's options for one openclaw CLI run as the gateway runs (`openclawExecution`): a transient service
 * that hands the caller's stdin, stdout and stderr to the CLI (`--pipe`) and returns its exit status (`--wait`),
 * systemd-run(1), systemd 252. `openclaw-admin` (tools.ts adminTool) runs the CLI with them; openclaw-apply-config's
 * channel plugin install (config-apply.ts) with its own `env` (another config file) and `properties` (a time bound).
 */
export function adminRunOptions(c: HostContract, env: Readonly<Record<string, string>> = {}, properties: readonly string[] = []): string[] {
  const run = openclawExecution(c);
  return [
    "--quiet", "--pipe", "--wait", "--collect", "--service-type=exec",
    `--uid=${run.User}`, `--gid=${run.Group}`, `--working-directory=${run.WorkingDirectory}`,
    `--property=UMask=${run.UMask}`, `--property=LoadCredential=${run.LoadCredential}`,
    ...properties.map((property) => `--property=${property}`),
    ...Object.entries({ ...run.Environment, ...env }).map(([name, value]) => `--setenv=${name}=${value}`),
  ];
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

/** Name of openclaw.json's secrets provider that reads the gateway's systemd credential. */
export const SECRETS_PROVIDER = "gateway-credentials";

/**
 * openclaw's `file` secrets provider over the credential systemd gives the unit: a JSON object by
 * catalogue id. The path goes through openclaw's `${VAR}` substitution in config strings, so the
 * gateway (its unit's directory) and openclaw-admin (a transient unit's) each read their own copy.
 * openclaw reads it only if it is a regular file with one link, owned by the process's user, with no
 * group or other bits (openclaw 2026.9.6: docs/gateway/secrets/secretref-contract.md "File provider",
 * @openclaw/fs-safe secure-file.js; docs/gateway/configuration/environment-variables.md for `${VAR}`).
 * systemd 252 (AL2023, Debian 12) writes credentials 0400 on a ramfs, which has no ACLs, and so
 * chowns them to User= (https://github.com/systemd/systemd/blob/v252/src/core/execute.c
 * `write_credential`, read 2026-11-30): exactly that. (A systemd on a tmpfs with ACLs would leave
 * them root-owned and openclaw would refuse them.)
 */
export const secretsProvider = () => ({ source: "file", path: `\${CREDENTIALS_DIRECTORY}/${SECRETS_CREDENTIAL}`, mode: "json" }) as const;

/** The SecretRef of one secret: a JSON pointer to its id in the credential. */
export const secretRef = (secret: Pick<SecretSpec, "id">) => ({ source: "file", provider: SECRETS_PROVIDER, id: `/${secret.id}` }) as const;

/** `config` with `value` at the dotted `field` (objects on the way are copied, never changed). */
function withField(config: Record<string, unknown>, [key, ...rest]: readonly string[], value: unknown): Record<string, unknown> {
  if (rest.length === 0) return { ...config, [key]: value };
  const inner = config[key];
  return { ...config, [key]: withField(typeof inner === "object" && inner !== null ? inner as Record<string, unknown> : {}, rest, value) };
}

/**
 * `config` with the secrets provider and, at each catalogue secret's `configField`, its SecretRef:
 * every secret the environment has (`secretsInUse`: channel tokens only for the channels the overlay
 * enables) but the API keys of the model providers other than `provider`.
 */
export function withSecretRefs(config: Record<string, unknown>, provider: ModelProvider, overlay?: unknown): Record<string, unknown> {
  const referenced = secretsInUse({ openclaw: overlay }).filter((secret) => secret.modelProvider === undefined || secret.modelProvider === provider);
  const refs = referenced.reduce((c, secret) => withField(c, secret.configField.split("."), secretRef(secret)), config);
  return withField(refs, ["secrets", "providers", SECRETS_PROVIDER], secretsProvider());
}

/**
 * openclaw.json: gateway on loopback behind the local Traefik, token auth; the `model` setting's
 * primary model, provider and memory search (modules/openclaw/providers.ts `modelConfig`); every
 * secret it uses is a SecretRef into the gateway's systemd credential (`withSecretRefs`): no secret is in
 * this file or in the gateway's environment. The `openclaw` setting is merged over it
 * (modules/openclaw/merge.ts; checked at synth by modules/openclaw/overlay.ts, which refuses the
 * secrets' fields); then the plugins it loads (withPluginAllowlist: the deployment's, the primary
 * model's provider, the overlay's `plugins.allow`) and what the agent may do on the host, from `toolPolicy`
 * (withToolPolicy). Checked against the real openclaw in __tests__/integration/openclaw-gateway.test.ts and
 * openclaw-schema.test.ts.
 */
export function openclawConfig(
  s: Pick<GatewaySettings, "domainName"> & Partial<Pick<GatewaySettings, "openclaw" | "model" | "toolPolicy">>,
  port = GATEWAY_PORT,
): object {
  const origin = `https://${s.domainName}`;
  const model = s.model ?? DEFAULT_MODEL;
  const choice = parseModel(model);
  if (!choice) throw new Error(`model ${JSON.stringify(model)} is not "<provider>/<model id>" (the settings check refuses it)`);
  const rendered = {
    gateway: {
      // Required: the gateway refuses to start without it.
      mode: "local",
      // A mode, not a host: raw addresses such as "0.0.0.0" are rejected.
      bind: "loopback",
      port,
      auth: { mode: "token" },
      // Traefik on the same host connects from loopback; nothing else may set forwarded headers.
      trustedProxies: ["127.0.0.1", "::1"],
      publicOrigin: origin,
      controlUi: { allowedOrigins: [origin] },
    },
  };
  return withToolPolicy(withPluginAllowlist(mergeOverlay(withSecretRefs(mergeOverlay(rendered, modelConfig(choice)), choice.provider, s.openclaw), s.openclaw)),
    s.toolPolicy ?? DEFAULT_TOOL_POLICY);
}

/** openclaw.json exactly as written on the host (and by the tests that start the real gateway). */
export function openclawConfigFile(s: Parameters<typeof openclawConfig>[0], port = GATEWAY_PORT): string {
  return `${JSON.stringify(openclawConfig(s, port), null, 2)}\n`;
}
