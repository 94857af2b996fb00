import { GATEWAY_PORT } from "../names";
import { SECRETS, setCommandLine, withArticle } from "../secrets-catalogue";
import { openclawConfig, secretRef } from "../host/layout";
import type { GatewaySettings } from "../settings/settings";
import { isConfigObject, OpenclawConfigObject } from "./merge";
import { configSchemaProblems, vendoredSchema } from "./schema";
import { REQUIRED_PLUGINS } from "./plugins";
import { TOOL_POLICY_PATHS } from "./tool-policy";

/**
 * The `openclaw` setting (an openclaw.json overlay) checked at synth: keys the deployment owns are
 * locked, literals that look like secrets are refused, and the merged openclaw.json must satisfy
 * the config schema of the pinned openclaw (modules/openclaw/schema.ts).
 */

/** A config path the deployment owns: the overlay may not set it (or, with `only`, only to that value). */
export interface LockedPath {
  /** Dotted path in openclaw.json; `*` stands for any one key (a channel, an account, an agent). */
  path: string;
  /** Why the deployment owns it. */
  why: string;
  /** The one value the overlay may set (the value the deployment needs); absent: none. */
  only?: unknown;
}

const SOURCE_OF_TRUTH = "openclaw.json is rendered from the settings and read-only on the host (OPENCLAW_CONFIG_READONLY=1)";
const STATE = "it stays in openclaw's state directory on the data volume (OPENCLAW_STATE_DIR, also HOME), which a replacement host re-attaches; elsewhere it would be lost with the instance, and the unit may write nowhere else (ProtectSystem=strict, ReadWritePaths)";

/**
 * The paths the deployment owns, in the order docs/settings.md lists them. The gateway's own
 * paths are what modules/host/layout.ts renders; the rest keep state, config and the release
 * where the deployment puts them. Each gateway path's meaning: https://docs.openclaw.ai/gateway/configuration
 * (read 2026-11-30) and the schema's descriptions (`openclaw config schema`).
 */
export const LOCKED_PATHS: readonly LockedPath[] = [
  { path: "gateway.mode", why: "\"local\": this host runs the gateway itself, as the systemd unit openclaw-gateway" },
  { path: "gateway.bind", why: "\"loopback\": only Traefik on the same host reaches the gateway; it terminates TLS for domainName on 443" },
  { path: "gateway.customBindHost", why: "the gateway binds to loopback only (gateway.bind); Traefik is the way in" },
  { path: "gateway.port", why: `${GATEWAY_PORT}: Traefik's upstream and the health watchdog's /healthz use it` },
  { path: "gateway.auth.mode", why: "\"token\": clients authenticate with the gateway token the host generates into SSM (npm run secrets -- rotate-token rotates it)" },
  // gateway.auth.token, models.providers.anthropic.apiKey: where openclaw.json refers to each secret.
  ...SECRETS.map((secret) => ({ path: secret.configField, why: `a SecretRef to the ${secret.label} in the host's secrets credential (systemd LoadCredential=)` })),
  { path: "gateway.auth.password", why: "the gateway authenticates with its token (gateway.auth.mode \"token\")" },
  { path: "gateway.trustedProxies", why: "only Traefik on loopback may set forwarded client headers" },
  { path: "gateway.publicOrigin", why: "https://<domainName>: set domainName instead" },
  { path: "gateway.controlUi.allowedOrigins", why: "[https://<domainName>]: set domainName instead" },
  { path: "gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback", why: "the Control UI's origin check is what allowedOrigins (https://<domainName>) configures" },
  { path: "gateway.controlUi.dangerouslyDisableDeviceAuth", why: "browsers reach the gateway from the Internet: each device must be paired (npm run devices)" },
  { path: "gateway.tls", why: "Traefik terminates TLS and proxies plain HTTP to the gateway on loopback" },
  { path: "gateway.tailscale", why: "the only way in is Traefik on 443 behind the security group (allowedCidrs)" },
  { path: "agents.defaults.workspace", why: STATE },
  { path: "agents.entries.*.workspace", why: STATE },
  { path: "agents.entries.*.agentDir", why: STATE },
  { path: "session.store", why: STATE },
  { path: "commands.config", why: `${SOURCE_OF_TRUTH}: the /config chat command cannot write it`, only: false },
  { path: "channels.*.configWrites", why: `${SOURCE_OF_TRUTH}: a channel cannot write it`, only: false },
  { path: "channels.*.accounts.*.configWrites", why: `${SOURCE_OF_TRUTH}: a channel cannot write it`, only: false },
  { path: "update.auto.enabled", why: "hosts install the openclaw release modules/host/openclaw/package-lock.json locks (versions.openclaw); openclaw must not update itself", only: false },
  { path: "update.channel", why: "hosts install the openclaw release modules/host/openclaw/package-lock.json locks (versions.openclaw)" },
  { path: "plugins.enabled", why: `the gateway needs its plugins (${Object.keys(REQUIRED_PLUGINS).join(", ")}); add plugins with plugins.allow, which adds to the deployment's list`, only: true },
  ...TOOL_POLICY_PATHS.map((path) => ({ path, why: "what the agent may do on the host is the toolPolicy setting: set toolPolicy instead (docs/settings.md \"What the agent may do\")" })),
];

/** One refused part of the overlay; `setting` names it as settings problems do (`openclaw.gateway.bind`). */
export interface OverlayProblem {
  setting: string;
  value: unknown;
  allowed: string;
  /** Set instead of showing the value (a value holding something that looks like a secret). */
  got?: string;
}

type Path = Array<string | number>;

/** How a problem names a config path: `openclaw.channels.telegram.accounts.main`, `openclaw.x["a b"]`, `openclaw.y[0]`. */
export const overlaySetting = (path: Path): string =>
  path.reduce<string>((name, key) => (typeof key === "number" ? `${name}[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${name}.${key}` : `${name}[${JSON.stringify(key)}]`), "openclaw");

const matches = (pattern: string[], path: Path): boolean =>
  pattern.length === path.length && pattern.every((key, i) => key === "*" || key === path[i]);
const leadsTo = (path: Path, pattern: string[]): boolean =>
  path.length < pattern.length && path.every((key, i) => pattern[i] === "*" || pattern[i] === key);

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every concrete path of `config` a pattern (with `*`) names. */
function pathsMatching(config: unknown, pattern: string[], at: Path = []): Path[] {
  if (at.length === pattern.length) return [at];
  if (!isConfigObject(config)) return [];
  const key = pattern[at.length];
  const keys = key === "*" ? Object.keys(config) : Object.hasOwn(config, key) ? [key] : [];
  return keys.flatMap((k) => pathsMatching(config[k], pattern, [...at, k]));
}

/**
 * The locked paths: LOCKED_PATHS, plus each secrets provider a SecretRef of the rendered config
 * names (the secrets' `{ source: "file", provider: "gateway-credentials", … }` needs
 * `secrets.providers.gateway-credentials` to stay the host's secrets credential).
 */
export function lockedPaths(rendered: OpenclawConfigObject): LockedPath[] {
  const providers = new Map<string, string>();
  const visit = (value: unknown, path: Path) => {
    if (!isConfigObject(value)) return;
    if (typeof value.source === "string" && typeof value.provider === "string" && typeof value.id === "string") {
      if (!providers.has(value.provider)) providers.set(value.provider, overlaySetting(path).replace(/^openclaw\./, ""));
      return;
    }
    for (const [key, below] of Object.entries(value)) visit(below, [...path, key]);
  };
  visit(rendered, []);
  return [
    ...LOCKED_PATHS,
    ...[...providers].map(([provider, user]) => ({ path: `secrets.providers.${provider}`, why: `the rendered ${user} is a SecretRef through it` })),
  ];
}

/** The locked paths the overlay sets (or replaces with a non-object above them). */
export function lockedPathProblems(overlay: OpenclawConfigObject, rendered: OpenclawConfigObject): OverlayProblem[] {
  const locks = lockedPaths(rendered).map((lock) => ({ ...lock, pattern: lock.path.split(".") }));
  const problems: OverlayProblem[] = [];
  const visit = (value: unknown, path: Path) => {
    const lock = locks.find((l) => matches(l.pattern, path));
    if (lock) {
      if (!("only" in lock && sameJson(value, lock.only))) {
        const allowed = "only" in lock ? `may only be ${JSON.stringify(lock.only)}` : "is owned by the deployment and cannot be set";
        problems.push({ setting: overlaySetting(path), value, allowed: `${allowed}: ${lock.why}` });
      }
      return;
    }
    if (isConfigObject(value)) {
      for (const [key, next] of Object.entries(value)) visit(next, [...path, key]);
      return;
    }
    const replaced = locks.filter((l) => leadsTo(path, l.pattern))
      .flatMap((l) => pathsMatching(rendered, l.pattern).filter((p) => path.every((key, i) => p[i] === key)));
    if (replaced.length > 0) {
      problems.push({
        setting: overlaySetting(path), value,
        allowed: `must be an object (objects merge): this value would replace ${replaced.map((p) => overlaySetting(p)).join(", ")}, which the deployment owns`,
      });
    }
  };
  visit(overlay, []);
  return problems;
}

// ---------------------------------------------------------------- secrets

/** Key names whose string value is a credential (compared in lower case without `_`/`-`, at the end of the key). */
const SECRET_KEY_SUFFIXES = ["token", "secret", "password", "passphrase", "apikey", "privatekey", "secretkey", "secretaccesskey", "credential", "credentials"];

/** Values that look like a credential wherever they are: what they are, and the pattern. */
const SECRET_VALUE_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  // The catalogue's own (Anthropic and OpenAI keys; Telegram, Slack bot and app, Discord tokens).
  ...SECRETS.flatMap((s): Array<[string, RegExp]> => (s.valuePattern ? [[withArticle(s.label), s.valuePattern]] : [])),
  ["an API key (sk-…)", /\bsk-[A-Za-z0-9_-]{20,}/],
  ["a Slack token (xox…-)", /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ["a Slack webhook URL", /hooks\.slack\.com\/services\/[A-Za-z0-9/]+/],
  ["a Discord webhook URL", /discord(?:app)?\.com\/api\/webhooks\/\d+\/[\w-]+/],
  ["a GitHub token", /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})/],
  ["an AWS access key id", /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/],
  ["a Google API key", /\bAIza[0-9A-Za-z_-]{35}/],
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["a long hex string (32+ hex digits)", /\b[0-9a-fA-F]{32,}\b/],
];

/** 40+ characters of base64/base64url (no `/`: paths would match) mixing upper case, lower case and digits. */
const looksRandom = (text: string): boolean =>
  (text.match(/[A-Za-z0-9+_-]{40,}/g) ?? []).some((run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run));

/** `${VAR}` (openclaw substitutes the environment variable; `$${VAR}` is a literal "${VAR}"). */
const ENV_REFERENCE = /(?<!\$)\$\{[A-Z_][A-Z0-9_]*\}/;

/** What a string value looks like a secret as, or undefined. `key` is the key it is stored under. */
export function secretKind(key: string | number, value: string): string | undefined {
  const found = SECRET_VALUE_PATTERNS.find(([, pattern]) => pattern.test(value));
  if (found) return found[0];
  if (looksRandom(value)) return "a long random-looking string";
  const name = String(key).toLowerCase().replace(/[_-]/g, "");
  if (value !== "" && !ENV_REFERENCE.test(value) && SECRET_KEY_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
    return `a literal under "${key}"`;
  }
  return undefined;
}

/** The paths of every string in `value` that looks like a secret, with what it looks like. */
function secretLiterals(value: unknown, path: Path = []): Array<{ path: Path; kind: string }> {
  if (typeof value === "string") {
    const kind = secretKind(path[path.length - 1] ?? "", value);
    return kind ? [{ path, kind }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => secretLiterals(item, [...path, i]));
  if (isConfigObject(value)) return Object.entries(value).flatMap(([key, below]) => secretLiterals(below, [...path, key]));
  return [];
}

/** How to reference a secret instead: a SecretRef into the host's secrets credential. */
export function secretReferenceHint(): string {
  const example = SECRETS.find((s) => s.writer === "operator") ?? SECRETS[0];
  return "secrets are referenced, never inlined (settings are committed; openclaw.json reaches the artifacts bucket and the Terraform state): "
    + "keep the value in SSM (npm run secrets) and reference it in the host's secrets credential with a SecretRef "
    + `${JSON.stringify(secretRef(example))}; the credential holds ${SECRETS.map((s) => s.id).join(", ")} (modules/secrets-catalogue.ts)`;
}

/**
 * Where a catalogue secret belongs, for a literal at its config field: how to store it instead. A
 * channel token is referenced by the deployment itself while the overlay enables its channel.
 */
function catalogueHint(setting: string): string | undefined {
  const secret = SECRETS.find((s) => `openclaw.${s.configField}` === setting);
  if (!secret || secret.writer !== "operator") return undefined;
  return `the ${secret.label} is a secrets-catalogue entry: store it with \`npm run secrets -- ${setCommandLine(secret)}\` `
    + "(stdin or a hidden prompt, never the command line); the deployment refers to it here with a SecretRef into the host's secrets credential"
    + (secret.channel ? ` while the openclaw setting enables channels.${secret.channel}` : "");
}

/** Every literal of the overlay that looks like a secret; the value is never shown. */
export function secretLiteralProblems(overlay: OpenclawConfigObject): OverlayProblem[] {
  return secretLiterals(overlay).map(({ path, kind }) => ({
    setting: overlaySetting(path), value: undefined, got: `${kind}, which looks like a secret (not shown)`,
    allowed: catalogueHint(overlaySetting(path)) ?? secretReferenceHint(),
  }));
}

// ---------------------------------------------------------------- channels

const STEERS = "anyone who can message the bot would steer an agent that runs tools on a host holding an AWS instance role";

/** What a channel's "anyone" setting is refused with, by the key that holds it. */
const OPEN_POLICIES: Readonly<Record<string, string>> = {
  dmPolicy: `may not be "open": ${STEERS}; use "pairing" (each new sender gets a code the owner approves) or "allowlist" `
    + "with the senders' ids in allowFrom",
  groupPolicy: `may not be "open": in any group the bot is added to, ${STEERS}; use "allowlist" (the groups and senders `
    + "listed: groups, groupAllowFrom) or \"disabled\"",
  policy: `may not be "open": ${STEERS}; use "pairing" or "allowlist" with the senders' ids`,
};
const ALLOWLISTS = new Set(["allowFrom", "groupAllowFrom"]);

/**
 * Telegram's webhook mode: Telegram would have to reach openclaw's webhook listener (127.0.0.1:8787
 * unless webhookHost/webhookPort say otherwise, docs/channels/telegram/transports.md), which nothing
 * routes to: the security group opens 443 only, to Traefik, whose one route is the gateway's port.
 */
const TELEGRAM_WEBHOOK = "must not be set: Telegram's webhook mode needs Telegram to reach openclaw's webhook listener "
  + "(127.0.0.1:8787 by default) from the Internet, and this deployment opens only 443, which Traefik routes to the gateway; "
  + "leave it unset: long polling (openclaw's default) needs no inbound port";

/**
 * The overlay's channel settings that would let anyone in or need a way in the deployment does not
 * open: an "open" DM or group policy (also `dm.policy`, Slack's and Discord's older form) at any
 * depth of `channels` (defaults, a channel, an account), `"*"` in an allowlist, and Telegram's
 * `webhookUrl` (channel or account).
 */
export function channelProblems(overlay: OpenclawConfigObject): OverlayProblem[] {
  const problems: OverlayProblem[] = [];
  const visit = (value: unknown, path: Path) => {
    const key = path[path.length - 1];
    if (typeof key === "string" && value === "open" && key in OPEN_POLICIES && (key !== "policy" || path[path.length - 2] === "dm")) {
      problems.push({ setting: overlaySetting(path), value, allowed: OPEN_POLICIES[key] });
    } else if (typeof key === "string" && ALLOWLISTS.has(key) && Array.isArray(value) && value.includes("*")) {
      problems.push({ setting: overlaySetting(path), value, allowed: `may not hold "*" (everyone): ${STEERS}; list the senders' ids` });
    } else if (key === "webhookUrl" && path[1] === "telegram" && (path.length === 3 || (path.length === 5 && path[2] === "accounts"))) {
      problems.push({ setting: overlaySetting(path), value, allowed: TELEGRAM_WEBHOOK });
    } else if (isConfigObject(value)) {
      for (const [k, below] of Object.entries(value)) visit(below, [...path, k]);
    }
  };
  visit(overlay.channels, ["channels"]);
  return problems;
}

// ---------------------------------------------------------------- all checks

/** A value as a problem shows it: itself, unless something inside looks like a secret. */
const shown = (value: unknown): Pick<OverlayProblem, "value" | "got"> =>
  secretLiterals(value).length > 0 ? { value: undefined, got: "a value holding something that looks like a secret (not shown)" } : { value };

/**
 * Every problem of an environment's `openclaw` overlay: secret-looking literals, locked paths, and,
 * when `validate` (the rest of the environment is valid: the rendered config is built from it) and
 * the overlay sets anything, the merged openclaw.json against the pinned openclaw's config schema.
 * An empty overlay costs nothing: the rendered config alone is checked by a test.
 */
export function overlayProblems(s: GatewaySettings, validate = true): OverlayProblem[] {
  const overlay = s.openclaw;
  if (!isConfigObject(overlay) || Object.keys(overlay).length === 0) return [];
  const rendered = openclawConfig({ ...s, openclaw: {} }) as OpenclawConfigObject;
  const problems = [
    ...secretLiteralProblems(overlay),
    ...channelProblems(overlay).map((p) => ({ ...p, ...shown(p.value) })),
    ...lockedPathProblems(overlay, rendered).map((p) => ({ ...p, ...shown(p.value) })),
  ];
  if (!validate || problems.length > 0) return problems;
  const { openclawVersion } = vendoredSchema();
  return configSchemaProblems(openclawConfig(s) as OpenclawConfigObject, overlay).map((p) => ({
    setting: overlaySetting(p.path),
    ...(p.value === undefined ? { value: undefined, got: "nothing" } : shown(p.value)),
    allowed: `${p.allowed} (the config schema of openclaw ${openclawVersion})`,
  }));
}
