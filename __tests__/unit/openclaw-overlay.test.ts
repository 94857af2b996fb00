import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openclawConfig, openclawConfigFile } from "../../modules/host/layout";
import { openclawLock } from "../../modules/host/pins";
import { isConfigObject, mergeOverlay, OpenclawConfigObject } from "../../modules/openclaw/merge";
import { LOCKED_PATHS, lockedPathProblems, lockedPaths, overlaySetting, secretKind } from "../../modules/openclaw/overlay";
import { compactSchema, configSchemaProblems, JsonSchema, schemaFile, vendoredSchema } from "../../modules/openclaw/schema";
import { DEFAULT_VERSIONS, GatewaySettingsInput, problemLine, resolveSettingsFile, SettingsError } from "../../modules/settings/settings";
import { TEST_DOMAIN, TEST_EMAIL, testSettings } from "../helpers/settings";

/** The `openclaw` setting: merge rules, locked paths, secret literals, the vendored schema. */

const rendered = () => openclawConfig(testSettings()) as OpenclawConfigObject;

/** The SettingsError (its message) for one environment with this overlay, or "" when it resolves. */
function overlayError(openclaw: unknown, extra: Partial<GatewaySettingsInput> = {}): string {
  try {
    resolveSettingsFile({ environments: [{ environment: "prod", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, ...extra, openclaw }] });
    return "";
  } catch (e) {
    if (e instanceof SettingsError) return e.message;
    throw e;
  }
}

describe("merge: objects merge at every depth, arrays and scalars replace", () => {
  test("nested objects merge key by key; arrays, strings, numbers, booleans and null replace", () => {
    const base = { a: { b: 1, c: [1, 2], d: { e: "x" } }, f: true, g: { h: 1 } };
    const overlay = { a: { c: [3], d: { z: 2 } }, f: false, g: null, n: 5 };
    expect(mergeOverlay(base, overlay)).toEqual({ a: { b: 1, c: [3], d: { e: "x", z: 2 } }, f: false, g: null, n: 5 });
    expect(base).toEqual({ a: { b: 1, c: [1, 2], d: { e: "x" } }, f: true, g: { h: 1 } });
  });

  test("a __proto__ key from JSON stays a plain key (no prototype change)", () => {
    const merged = mergeOverlay({}, JSON.parse('{"__proto__":{"polluted":true}}'));
    expect(Object.keys(merged)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((merged as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("openclaw.json is the rendered config with the overlay merged over it", () => {
    const s = testSettings({ openclaw: { agents: { defaults: { thinkingDefault: "low" } }, gateway: { controlUi: { basePath: "/ui" } } } });
    const config = JSON.parse(openclawConfigFile(s)) as { agents: { defaults: Record<string, unknown> }; gateway: { controlUi: Record<string, unknown> } };
    expect(config.agents.defaults).toEqual({ model: { primary: expect.any(String) }, thinkingDefault: "low" });
    expect(config.gateway.controlUi).toEqual({ allowedOrigins: [`https://${TEST_DOMAIN}`], basePath: "/ui" });
  });

  test("defaults.openclaw merges into each environment's at every depth", () => {
    const [prod] = resolveSettingsFile({
      defaults: { openclaw: { agents: { defaults: { thinkingDefault: "low", timeoutSeconds: 60 } } } },
      environments: [{ environment: "prod", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, openclaw: { agents: { defaults: { timeoutSeconds: 120 } } } }],
    });
    expect(prod.openclaw).toEqual({ agents: { defaults: { thinkingDefault: "low", timeoutSeconds: 120 } } });
  });

  test("no overlay: the setting defaults to {} and openclaw.json is the rendered config", () => {
    expect(testSettings().openclaw).toEqual({});
    expect(openclawConfig(testSettings())).toEqual(openclawConfig({ domainName: TEST_DOMAIN }));
  });
});

describe("the vendored config schema", () => {
  test("it is the schema of the openclaw release the hosts install (the lock) and the settings pin", () => {
    // A new openclaw release without a regenerated schema fails here; the integration test
    // openclaw-schema.test.ts regenerates it from the real openclaw and compares.
    expect(vendoredSchema().openclawVersion).toBe(openclawLock().version);
    expect(vendoredSchema().openclawVersion).toBe(DEFAULT_VERSIONS.openclaw);
  });

  test("the rendered config (no overlay) is valid, and the check sees a broken one", () => {
    expect(configSchemaProblems(rendered())).toEqual([]);
    const broken = mergeOverlay(rendered(), { gateway: { bind: "0.0.0.0" } });
    expect(configSchemaProblems(broken)).toEqual([
      { path: ["gateway", "bind"], value: "0.0.0.0", allowed: 'must be one of "auto", "lan", "loopback", "custom", "tailnet"' },
    ]);
  });

  test("compacting hoists a subschema's own $defs to the root, so ajv can resolve its refs (the #/$defs/account trap)", () => {
    const raw = {
      $schema: "http://json-schema.org/draft-07/schema#", type: "object", title: "Config",
      properties: {
        plugin: {
          $schema: "http://json-schema.org/draft-07/schema#", type: "object", description: "a plugin's own schema",
          $defs: { account: { type: "object", properties: { user: { type: "string", default: "me" }, host: { type: "string" } }, required: ["user", "host"], additionalProperties: false } },
          properties: { accounts: { type: "array", items: { $ref: "#/$defs/account" } }, mode: { const: { title: "kept: a value, not a schema" } } },
        },
      },
    };
    // As openclaw prints it, ajv 8 refuses the schema: the pointer resolves from the document root.
    expect(() => new Ajv().compile(raw)).toThrow(/can't resolve reference #\/\$defs\/account/);
    const compact = compactSchema(raw);
    expect(compact).toEqual({
      $schema: "http://json-schema.org/draft-07/schema#", type: "object",
      properties: {
        plugin: {
          type: "object",
          properties: { accounts: { type: "array", items: { $ref: "#/$defs/plugin:account" } }, mode: { const: { title: "kept: a value, not a schema" } } },
        },
      },
      // `user` has a default: openclaw fills it in, so it is not required.
      $defs: { "plugin:account": { type: "object", properties: { user: { type: "string" }, host: { type: "string" } }, required: ["host"], additionalProperties: false } },
    });
    const validate = new Ajv().compile(compact);
    expect(validate({ plugin: { accounts: [{ host: "imap.example.org" }] } })).toBe(true);
    expect(validate({ plugin: { accounts: [{ user: "x" }] } })).toBe(false);
  });

  test("the vendored schema is a valid draft-07 schema (synth skips this check: compiling the meta-schema costs ~150 ms)", () => {
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(vendoredSchema().schema)).toBe(true);
    expect(ajv.validateSchema({ type: "object", properties: { a: { type: "strin" } } })).toBe(false);
  });

  test("found beside the module, or from the working directory when the code runs from a bundle elsewhere", () => {
    expect(schemaFile()).toBe(path.join(__dirname, "../../modules/openclaw/config-schema.json"));
    expect(schemaFile(path.join(tmpdir(), "bundle"))).toBe(path.join(process.cwd(), "modules/openclaw/config-schema.json"));
  });

  test("with the overlay given, only what it reaches is checked (the rendered rest is valid on its own)", () => {
    const config = mergeOverlay({ ...rendered(), ui: { nope: 1 } }, { agents: { defaults: { thinkingDefault: "loud" } } });
    expect(configSchemaProblems(config).map((p) => p.path.join("."))).toEqual(["agents.defaults.thinkingDefault", "ui.nope"]);
    expect(configSchemaProblems(config, { agents: { defaults: { thinkingDefault: "loud" } } }).map((p) => p.path.join("."))).toEqual(["agents.defaults.thinkingDefault"]);
  });

  test("the vendored file is compacted: no annotations, no nested $schema, every ref resolvable at the root", () => {
    const { schema } = vendoredSchema();
    const text = JSON.stringify(schema);
    expect(text.length).toBeLessThan(700_000);
    const refs = [...text.matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(Object.keys(schema.$defs as object)).toContain(ref);
    expect(compactSchema(schema)).toEqual(schema);
  });
});

describe("schema problems name the overlay path, the value and what openclaw allows", () => {
  test("unknown key (with a did-you-mean), a wrong enum value, a wrong type, a missing required key: one block", () => {
    const message = overlayError({
      agents: { defaults: { thinkingDefualt: "low", model: { primary: 5 } } },
      channels: { telegram: { dmPolicy: "everyone" }, slack: { signingSecret: { source: "env", provider: "default" } } },
    });
    const lines = message.split("\n");
    expect(lines[0]).toBe("Invalid settings in settings.json:");
    expect(lines).toContainEqual(expect.stringMatching(
      /^ {2}prod › openclaw\.agents\.defaults\.thinkingDefualt: got "low"; unknown key; did you mean "thinkingDefault"\?; allowed keys: params, model, .* \(the config schema of openclaw 2026\.9\.6\)$/));
    expect(lines).toContain("  prod › openclaw.agents.defaults.model.primary: got 5; must be string (the config schema of openclaw 2026.9.6)");
    expect(lines).toContain('  prod › openclaw.channels.telegram.dmPolicy: got "everyone"; must be one of "pairing", "allowlist", "open", "disabled" (the config schema of openclaw 2026.9.6)');
    // The SecretRef branch the value meant (source "env") says what is missing; the other sources are not listed.
    expect(lines).toContain('  prod › openclaw.channels.slack.signingSecret: got nothing; must have "id" (the config schema of openclaw 2026.9.6)');
    expect(lines).toHaveLength(5);
  });

  test("a valid overlay resolves (a channel without the keys openclaw defaults, SecretRefs, ${VAR} references)", () => {
    expect(overlayError({
      agents: { defaults: { thinkingDefault: "low" } },
      memory: { search: { enabled: false } },
      channels: {
        // The channels' tokens are the deployment's SecretRefs (modules/secrets-catalogue.ts); other credentials may be referenced.
        telegram: { enabled: true },
        slack: { userToken: "${SLACK_USER_TOKEN}", signingSecret: { source: "env", provider: "default", id: "SLACK_SIGNING_SECRET" } },
      },
    })).toBe("");
  });

  test("the overlay must be an object", () => {
    expect(overlayError(["gateway"])).toBe(
      'Invalid settings in settings.json:\n  prod › openclaw: got ["gateway"]; must be an object of openclaw.json keys, e.g. {"agents":{"defaults":{"thinkingDefault":"low"}}}');
  });

  test("the schema is checked only once the rest of the environment is valid (the rendered config is built from it)", () => {
    expect(overlayError({ agents: { nope: 1 } }, { domainName: "not a domain" })).not.toContain("openclaw");
    expect(overlayError({ agents: { nope: 1 } })).toContain("openclaw.agents.nope");
  });

  test("paths name keys as dots, odd keys in brackets and list items by index", () => {
    expect(overlaySetting(["channels", "synology-chat", "accounts", "a b", "allowFrom", 0])).toBe('openclaw.channels.synology-chat.accounts["a b"].allowFrom[0]');
  });
});

describe("locked paths: what the deployment owns is refused, naming the path and why", () => {
  test("each locked path set by the overlay is refused (the `only` ones accept their one value)", () => {
    for (const lock of LOCKED_PATHS) {
      const path = lock.path.split(".").map((key) => (key === "*" ? "x" : key));
      const overlay = path.reduceRight<unknown>((value, key) => ({ [key]: value }), "something") as OpenclawConfigObject;
      expect(lockedPathProblems(overlay, rendered())).toEqual([
        { setting: overlaySetting(path), value: "something", allowed: expect.stringContaining(lock.why) },
      ]);
      if ("only" in lock) {
        const allowed = path.reduceRight<unknown>((value, key) => ({ [key]: value }), lock.only) as OpenclawConfigObject;
        expect(lockedPathProblems(allowed, rendered())).toEqual([]);
      }
    }
  });

  test("every locked path exists in the pinned openclaw's schema (a typo would lock nothing)", () => {
    const { schema } = vendoredSchema();
    const childSchemas = (node: JsonSchema, key: string): JsonSchema[] => {
      if (!isConfigObject(node)) return [];
      const alternatives = ["anyOf", "oneOf", "allOf"].flatMap((k) => (Array.isArray(node[k]) ? node[k] as JsonSchema[] : []));
      const properties = isConfigObject(node.properties) ? node.properties : {};
      const own = key === "*" ? [...Object.values(properties), node.additionalProperties] as JsonSchema[]
        : [Object.hasOwn(properties, key) ? properties[key] as JsonSchema : node.additionalProperties as JsonSchema];
      return [...own.filter(isConfigObject), ...alternatives.flatMap((alternative) => childSchemas(alternative, key))];
    };
    for (const { path } of lockedPaths(rendered())) {
      const found = path.split(".").reduce<JsonSchema[]>((nodes, key) => nodes.flatMap((node) => childSchemas(node, key)), [schema]);
      expect({ path, inSchema: found.length > 0 }).toEqual({ path, inSchema: true });
    }
  });

  test("every value the project renders is locked, except the ones the overlay may change", () => {
    // The model choice's defaults (modules/openclaw/providers.ts): a primary model, memory search off.
    // plugins.allow: the overlay's list is added to the deployment's (withPluginAllowlist), never replaces it.
    const overridable = ["agents.defaults.model.primary", "memory.search.enabled", "memory.search.rememberAcrossConversations", "plugins.allow"];
    const leaves = (value: unknown, path: string[] = []): string[] =>
      isConfigObject(value) && !("source" in value) ? Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k])) : [path.join(".")];
    const locked = lockedPaths(rendered()).map((l) => l.path);
    const covered = (leaf: string) => locked.some((lock) => leaf === lock || leaf.startsWith(`${lock}.`));
    expect(leaves(rendered()).filter((leaf) => !covered(leaf) && !overridable.includes(leaf))).toEqual([]);
  });

  test("the secrets provider of the rendered gateway token's SecretRef is locked", () => {
    expect(lockedPaths(rendered()).map((l) => l.path)).toContain("secrets.providers.gateway-credentials");
    expect(overlayError({ secrets: { providers: { "gateway-credentials": { source: "file", path: "/etc/passwd" } } } })).toContain(
      'prod › openclaw.secrets.providers.gateway-credentials: got {"source":"file","path":"/etc/passwd"}; is owned by the deployment and cannot be set: the rendered gateway.auth.token is a SecretRef through it');
    expect(overlayError({ secrets: { providers: { vault: { source: "env" } } } })).toBe("");
  });

  test("a value that would replace a locked path from above is refused; an object above it merges", () => {
    expect(overlayError({ gateway: { controlUi: null } })).toBe("Invalid settings in settings.json:\n"
      + "  prod › openclaw.gateway.controlUi: got null; must be an object (objects merge): this value would replace openclaw.gateway.controlUi.allowedOrigins, which the deployment owns");
    expect(overlayError({ gateway: { controlUi: { basePath: "/ui" }, auth: { rateLimit: {} } } })).toBe("");
  });

  test("wildcard locks: a channel may not write the read-only config (false is accepted)", () => {
    expect(overlayError({ channels: { telegram: { configWrites: true } } })).toContain(
      "prod › openclaw.channels.telegram.configWrites: got true; may only be false: openclaw.json is rendered from the settings and read-only on the host (OPENCLAW_CONFIG_READONLY=1)");
    expect(overlayError({ channels: { telegram: { configWrites: false } } })).toBe("");
  });

  test("bind, port, origins: one block, each line naming the path and why", () => {
    const message = overlayError({ gateway: { bind: "lan", port: 443, controlUi: { allowedOrigins: ["*"] } } });
    expect(message.split("\n")).toEqual([
      "Invalid settings in settings.json:",
      '  prod › openclaw.gateway.bind: got "lan"; is owned by the deployment and cannot be set: "loopback": only Traefik on the same host reaches the gateway; it terminates TLS for domainName on 443',
      "  prod › openclaw.gateway.port: got 443; is owned by the deployment and cannot be set: 18789: Traefik's upstream and the health watchdog's /healthz use it",
      '  prod › openclaw.gateway.controlUi.allowedOrigins: got ["*"]; is owned by the deployment and cannot be set: [https://<domainName>]: set domainName instead',
    ]);
  });
});

describe("secrets are referenced, never inlined", () => {
  const looksSecret: Array<[string, string, string]> = [
    ["apiKey", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789", "an Anthropic API key"],
    ["key", "sk-proj-abcdefghijklmnopqrstuvwxyz012345", "an OpenAI API key"],
    ["key", "sk-abcdefghijklmnopqrstuvwxyz012345", "an API key (sk-…)"],
    ["botToken", "xoxb-1234567890-0987654321-abcdefghij", "a Slack bot token"],
    ["userToken", "xoxp-1234567890-0987654321-abcdefghij", "a Slack token (xox…-)"],
    ["appToken", "xapp-1-A0123456789-0123456789-abcdef", "a Slack app token"],
    ["botToken", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", "a Telegram bot token"],
    ["token", "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.abcdefghijklmnopqrstuvwxyz01234", "a Discord bot token"],
    ["url", "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "a Slack webhook URL"],
    ["note", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub token"],
    ["id", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"],
    ["value", "0123456789abcdef0123456789abcdef", "a long hex string (32+ hex digits)"],
    ["value", "dGhpcyBpcyBhIGxvbmcgUmFuZG9tIHNlY3JldCB2YWx1ZTEyMw", "a long random-looking string"],
    ["password", "hunter2", 'a literal under "password"'],
    ["GROQ_API_KEY", "gsk-short", 'a literal under "GROQ_API_KEY"'],
    ["clientSecret", "abc", 'a literal under "clientSecret"'],
  ];
  test.each(looksSecret)("%s: %s is refused as %s", (key, value, kind) => {
    expect(secretKind(key, value)).toBe(kind);
  });

  const notSecret: Array<[string, string]> = [
    ["primary", "anthropic/claude-opus-5"],
    ["model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["arn", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["workspace", "/var/lib/openclaw/state/workspace/SomeProjectDirectoryName2026"],
    ["botToken", "${TELEGRAM_BOT_TOKEN}"],
    ["token", "Bearer ${API_TOKEN}"],
    ["baseUrl", "https://api.telegram.org"],
    ["maxTokens", ""],
    ["id", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"],
  ];
  test.each(notSecret)("%s: %s is not a secret", (key, value) => {
    expect(secretKind(key, value)).toBeUndefined();
  });

  test("the error names the path and how to reference a secret, and never shows the value", () => {
    const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0";
    const message = overlayError({ channels: { telegram: { botToken: token } }, gateway: { auth: { token } } });
    expect(message).not.toContain(token);
    expect(message).not.toContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0");
    expect(message.split("\n")).toEqual([
      "Invalid settings in settings.json:",
      // At a catalogue secret's own field: where it goes instead.
      "  prod › openclaw.channels.telegram.botToken: got a Telegram bot token, which looks like a secret (not shown); the Telegram bot token is a "
        + "secrets-catalogue entry: store it with `npm run secrets -- set telegram-bot-token` (stdin or a hidden prompt, never the command line); "
        + "the deployment refers to it here with a SecretRef into the host's secrets credential while the openclaw setting enables channels.telegram",
      // Elsewhere: how to reference a secret.
      expect.stringMatching(/^ {2}prod › openclaw\.gateway\.auth\.token: got a Telegram bot token, which looks like a secret \(not shown\); secrets are referenced, never inlined .*\{"source":"file","provider":"gateway-credentials","id":"\/anthropic-api-key"\}/),
      // The locked paths are refused too, their values hidden.
      expect.stringMatching(/^ {2}prod › openclaw\.channels\.telegram\.botToken: got a value holding something that looks like a secret \(not shown\); is owned by the deployment/),
      expect.stringMatching(/^ {2}prod › openclaw\.gateway\.auth\.token: got a value holding something that looks like a secret \(not shown\); is owned by the deployment/),
    ]);
  });
});

describe("channels: who may steer the agent, and how Telegram reaches the host", () => {
  test("open policies, a wildcard allowlist and Telegram's webhook mode: one clean block, each line saying why and what to use", () => {
    expect(overlayError({
      channels: {
        telegram: { dmPolicy: "open", allowFrom: ["*"], webhookUrl: "https://gateway.clawops.dev/telegram-webhook" },
        slack: { groupPolicy: "open" },
      },
    }).split("\n")).toEqual([
      "Invalid settings in settings.json:",
      '  prod › openclaw.channels.telegram.dmPolicy: got "open"; may not be "open": anyone who can message the bot would steer an agent that runs '
        + 'tools on a host holding an AWS instance role; use "pairing" (each new sender gets a code the owner approves) or "allowlist" with the '
        + "senders' ids in allowFrom",
      '  prod › openclaw.channels.telegram.allowFrom: got ["*"]; may not hold "*" (everyone): anyone who can message the bot would steer an agent '
        + "that runs tools on a host holding an AWS instance role; list the senders' ids",
      '  prod › openclaw.channels.telegram.webhookUrl: got "https://gateway.clawops.dev/telegram-webhook"; must not be set: Telegram\'s webhook '
        + "mode needs Telegram to reach openclaw's webhook listener (127.0.0.1:8787 by default) from the Internet, and this deployment opens only "
        + "443, which Traefik routes to the gateway; leave it unset: long polling (openclaw's default) needs no inbound port",
      '  prod › openclaw.channels.slack.groupPolicy: got "open"; may not be "open": in any group the bot is added to, anyone who can message the '
        + 'bot would steer an agent that runs tools on a host holding an AWS instance role; use "allowlist" (the groups and senders listed: groups, '
        + 'groupAllowFrom) or "disabled"',
    ]);
  });

  test("the safe policies resolve: pairing, an allowlist of ids, groups disabled; a channel switched off", () => {
    expect(overlayError({
      channels: {
        telegram: { dmPolicy: "allowlist", allowFrom: ["424242001"], groupPolicy: "disabled" },
        slack: { dmPolicy: "pairing", groupPolicy: "allowlist" },
        discord: { enabled: false },
      },
    })).toBe("");
  });
});

describe("docs/settings.md \"OpenClaw config overlay\"", () => {
  const page = readFileSync(path.join(__dirname, "../../docs/settings.md"), "utf8");

  test("the locked-paths table is the list modules/openclaw/overlay.ts enforces", () => {
    const rows = lockedPaths(rendered()).map((l) =>
      `| \`${l.path}\` | ${"only" in l ? `only \`${JSON.stringify(l.only)}\`` : "—"} | ${l.why.replace(/\|/g, "\\|")} |`);
    const table = ["| path | the overlay may set | why the deployment owns it |", "|---|---|---|", ...rows].join("\n");
    const documented = /<!-- locked-paths:start[^\n]*-->\n([\s\S]*?)\n<!-- locked-paths:end -->/.exec(page)?.[1];
    // On failure, paste the expected table between the markers.
    expect(documented).toBe(table);
  });

  test("the example settings file resolves, its overlay merged into openclaw.json", () => {
    const example = /Example \(`settings\.json`[\s\S]*?```json\n([\s\S]*?)```/.exec(page)?.[1];
    const [prod] = resolveSettingsFile(JSON.parse(example!));
    const config = openclawConfig(prod) as { agents: { defaults: object }; channels: { telegram: object } };
    expect(config.agents.defaults).toMatchObject({ thinkingDefault: "low" });
    expect(config.channels.telegram).toMatchObject({ dmPolicy: "pairing", botToken: { source: "file", provider: "gateway-credentials", id: "/telegram-bot-token" } });
  });
});

/** Each refused overlay, the setting its problem must name, and a fragment of what is allowed. */
const BAD_OVERLAYS: Array<[string, unknown, string, string]> = [
  ["not an object", ["gateway"], "openclaw", "must be an object"],
  ["null over the gateway", { gateway: null }, "openclaw.gateway", "objects merge"],
  ["bind to every interface", { gateway: { bind: "lan" } }, "openclaw.gateway.bind", "only Traefik on the same host"],
  ["another port", { gateway: { port: 8080 } }, "openclaw.gateway.port", "Traefik's upstream"],
  ["auth off", { gateway: { auth: { mode: "none" } } }, "openclaw.gateway.auth.mode", "gateway token"],
  ["a wildcard origin", { gateway: { controlUi: { allowedOrigins: ["*"] } } }, "openclaw.gateway.controlUi.allowedOrigins", "set domainName instead"],
  ["trusting any proxy", { gateway: { trustedProxies: ["0.0.0.0/0"] } }, "openclaw.gateway.trustedProxies", "only Traefik"],
  ["TLS in the gateway", { gateway: { tls: { enabled: true } } }, "openclaw.gateway.tls", "Traefik terminates TLS"],
  ["a workspace off the data volume", { agents: { defaults: { workspace: "/tmp/ws" } } }, "openclaw.agents.defaults.workspace", "data volume"],
  ["the /config chat command", { commands: { config: true } }, "openclaw.commands.config", "may only be false"],
  ["openclaw updating itself", { update: { auto: { enabled: true } } }, "openclaw.update.auto.enabled", "may only be false"],
  ["an inline Anthropic key", { models: { providers: { anthropic: { apiKey: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz" } } } }, "openclaw.models.providers.anthropic.apiKey", "store it with `npm run secrets -- set-api-key`"],
  ["an inline Slack bot token", { channels: { slack: { botToken: "xoxb-1234567890-abcdefghij" } } }, "openclaw.channels.slack.botToken", "store it with `npm run secrets -- set slack-bot-token`"],
  ["an inline Slack app token", { channels: { slack: { appToken: "xapp-1-A0123456789-0123456789-abcdef" } } }, "openclaw.channels.slack.appToken", "store it with `npm run secrets -- set slack-app-token`"],
  ["an inline Discord token", { channels: { discord: { token: "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.abcdefghijklmnopqrstuvwxyz01234" } } }, "openclaw.channels.discord.token", "store it with `npm run secrets -- set discord-bot-token`"],
  ["a Slack token under an account", { channels: { slack: { accounts: { work: { botToken: "xoxb-1234567890-abcdefghij" } } } } }, "openclaw.channels.slack.accounts.work.botToken", "never inlined"],
  ["a channel's token set to another SecretRef", { channels: { telegram: { botToken: { source: "env", provider: "default", id: "TELEGRAM_BOT_TOKEN" } } } }, "openclaw.channels.telegram.botToken", "is owned by the deployment"],
  ["Telegram DMs open to anyone", { channels: { telegram: { dmPolicy: "open", allowFrom: ["*"] } } }, "openclaw.channels.telegram.dmPolicy", 'may not be "open": anyone who can message the bot would steer an agent that runs tools on a host holding an AWS instance role; use "pairing"'],
  ["anyone in the allowlist", { channels: { telegram: { dmPolicy: "open", allowFrom: ["*"] } } }, "openclaw.channels.telegram.allowFrom", 'may not hold "*" (everyone)'],
  ["Slack groups open", { channels: { slack: { groupPolicy: "open" } } }, "openclaw.channels.slack.groupPolicy", 'use "allowlist"'],
  ["open groups as every channel's default", { channels: { defaults: { groupPolicy: "open" } } }, "openclaw.channels.defaults.groupPolicy", 'may not be "open"'],
  ["an account's DMs open", { channels: { discord: { accounts: { main: { dmPolicy: "open" } } } } }, "openclaw.channels.discord.accounts.main.dmPolicy", 'may not be "open"'],
  ["Discord's older dm.policy open", { channels: { discord: { dm: { policy: "open" } } } }, "openclaw.channels.discord.dm.policy", 'may not be "open"'],
  ["Telegram in webhook mode", { channels: { telegram: { webhookUrl: "https://gateway.clawops.dev/telegram-webhook" } } }, "openclaw.channels.telegram.webhookUrl", "long polling (openclaw's default) needs no inbound port"],
  ["a Telegram account in webhook mode", { channels: { telegram: { accounts: { alerts: { webhookUrl: "https://gateway.clawops.dev/tg" } } } } }, "openclaw.channels.telegram.accounts.alerts.webhookUrl", "this deployment opens only 443"],
  ["an inline password", { channels: { irc: { password: "hunter2" } } }, "openclaw.channels.irc.password", "never inlined"],
  ["a typo in a config key", { agents: { defaults: { thinkingDefualt: "low" } } }, "openclaw.agents.defaults.thinkingDefualt", 'did you mean "thinkingDefault"?'],
  ["a value outside an enum", { channels: { telegram: { dmPolicy: "everyone" } } }, "openclaw.channels.telegram.dmPolicy", "must be one of"],
  ["a wrong type", { agents: { defaults: { model: { primary: 5 } } } }, "openclaw.agents.defaults.model.primary", "must be string"],
];

describe("refused overlays: the line names the setting, shows the value (never a secret) and says what is allowed", () => {
  test.each(BAD_OVERLAYS)("%s", (_label, openclaw, setting, allowed) => {
    let error: unknown;
    try {
      testSettings({ openclaw } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problem = (error as SettingsError).problems.find((p) => p.setting === setting);
    expect(problem).toBeDefined();
    const line = problemLine(problem!);
    expect(line.startsWith(`${setting}: got `)).toBe(true);
    expect(line).toContain(allowed);
    for (const secret of ["sk-ant-api03", "xoxb-", "hunter2"]) expect((error as Error).message).not.toContain(secret);
  });
});
