import { openclawConfig, secretRef } from "../../modules/host/layout";
import { openclawLock } from "../../modules/host/pins";
import { BEDROCK_PLUGIN_PACKAGE, DEFAULT_MODEL } from "../../modules/openclaw/providers";
import { configSchemaProblems } from "../../modules/openclaw/schema";
import { OpenclawConfigObject } from "../../modules/openclaw/merge";
import { ANTHROPIC_API_KEY, OPENAI_API_KEY } from "../../modules/secrets-catalogue";
import { GatewaySettings, resolveSettingsFile } from "../../modules/settings/settings";
import { testSettings, TEST_DOMAIN, TEST_EMAIL } from "../helpers/settings";

/**
 * Issue 14 item 2: the `model` setting chooses the provider and primary model (Anthropic or OpenAI,
 * each by its key); memory search follows the provider; Amazon Bedrock is refused at synth while its
 * openclaw plugin cannot be installed.
 */

/** The settings file's error for one environment with `model` (and a region), or "" when valid. */
const settingsError = (model: unknown, region?: string): string => {
  try {
    resolveSettingsFile({ environments: [{ environment: "prod", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, model, ...(region ? { region } : {}) }] });
    return "";
  } catch (error) {
    return (error as Error).message;
  }
};

/** The value at a dotted path of an object. */
const at = (object: unknown, field: string): unknown =>
  field.split(".").reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], object);

const ALLOWED = '"anthropic/<model id>" (the default, "anthropic/claude-opus-5"; npm run secrets -- set-api-key) '
  + 'or "openai/<model id>" (e.g. "openai/gpt-5.5"; npm run secrets -- set-openai-key)';

describe("the model setting", () => {
  test("defaults to the Anthropic model; Anthropic and OpenAI models are accepted", () => {
    expect(testSettings().model).toBe(DEFAULT_MODEL);
    expect(DEFAULT_MODEL).toBe("anthropic/claude-opus-5");
    expect(settingsError("openai/gpt-5.5")).toBe("");
    expect(settingsError("anthropic/claude-sonnet-5")).toBe("");
  });

  test.each([
    ["no provider", "claude-opus-5", '"claude-opus-5"'],
    ["an unknown provider", "mistral/large", '"mistral/large"'],
    ["an empty model id", "openai/", '"openai/"'],
    ["a model id with a space", "openai/gpt 5", '"openai/gpt 5"'],
    ["not a string", 5, "5"],
  ])("%s: one clean error naming the file, the setting, the value and what is allowed", (_name, model, shown) => {
    expect(settingsError(model)).toBe("Invalid settings in settings.json:\n"
      + `  prod › model: got ${shown}; must be "<provider>/<model id>" with a model id of letters, digits and . _ : -, as ${ALLOWED}`);
  });

  test.each(["amazon-bedrock/us.anthropic.claude-opus-5", "amazon-bedrock/anthropic.claude-opus-5", "amazon-bedrock/global.amazon.nova-pro-v1:0"])(
    "Bedrock (%s) is refused with one error: why (the plugin package), and what is allowed", (model) => {
      expect(settingsError(model, "eu-west-1")).toBe("Invalid settings in settings.json:\n"
        + `  prod › model: got "${model}"; Amazon Bedrock is not deployable yet: openclaw's amazon-bedrock provider is the external plugin `
        + "@openclaw/amazon-bedrock-provider, which the pinned openclaw (2026.9.6) does not bundle and the npm registry does not serve, "
        + `so the host cannot install it; use ${ALLOWED}`);
    });

  test("the refusal's reason still holds: the host's openclaw lock is 2026.9.6 and does not install the Bedrock plugin", () => {
    // A version bump must re-check the refusal (does the new openclaw bundle Bedrock? is the plugin published?).
    const lock = openclawLock();
    expect(lock.version).toBe("2026.9.6");
    const packages = Object.keys((JSON.parse(lock.lockText) as { packages: Record<string, unknown> }).packages);
    expect(packages).toContain("node_modules/openclaw");
    expect(packages.filter((p) => p.endsWith(`node_modules/${BEDROCK_PLUGIN_PACKAGE}`))).toEqual([]);
  });

  test("openclaw.json is never rendered for a model the settings check refuses", () => {
    expect(() => openclawConfig({ domainName: TEST_DOMAIN, model: "amazon-bedrock/us.anthropic.claude-opus-5" }))
      .toThrow('model "amazon-bedrock/us.anthropic.claude-opus-5" is not "<provider>/<model id>" (the settings check refuses it)');
  });
});

describe("openclaw.json per provider: the primary model, the key and memory search", () => {
  const configOf = (s: GatewaySettings) => openclawConfig(s) as OpenclawConfigObject;

  // Only the chosen provider's key is referenced: an unset key's SecretRef is unresolvable, and openclaw then
  // fails to resolve the config's secrets (`models status`; seen with the OpenAI ref and no OpenAI key).
  test("anthropic: its key's SecretRef and no other provider's, memory search explicitly off (and recall across conversations with it)", () => {
    const config = configOf(testSettings());
    expect(at(config, "agents.defaults.model.primary")).toBe("anthropic/claude-opus-5");
    expect(at(config, "models.providers")).toEqual({ anthropic: { apiKey: secretRef(ANTHROPIC_API_KEY) } });
    expect(at(config, "memory.search")).toEqual({ enabled: false, rememberAcrossConversations: false });
    // Its provider's plugin is allowed (modules/openclaw/plugins.ts); no other provider's.
    expect(at(config, "plugins")).toEqual({ allow: ["device-pair", "memory-core", "anthropic"] });
  });

  test("openai: its key's SecretRef and no other provider's, openclaw's own agent runtime (not the Codex plugin), memory search with OpenAI's embeddings", () => {
    const config = configOf({ ...testSettings(), model: "openai/gpt-5.5" });
    expect(at(config, "agents.defaults.model.primary")).toBe("openai/gpt-5.5");
    expect(at(config, "models.providers")).toEqual({ openai: { agentRuntime: { id: "openclaw" }, apiKey: secretRef(OPENAI_API_KEY) } });
    expect(at(config, "memory.search")).toEqual({ provider: "openai" });
    expect(at(config, "plugins")).toEqual({ allow: ["device-pair", "memory-core", "active-memory", "openai"] });
  });

  test.each([["anthropic", DEFAULT_MODEL], ["openai", "openai/gpt-5.5"]])(
    "%s: the rendered config satisfies the pinned openclaw's config schema", (_name, model) => {
      expect(configSchemaProblems(configOf({ ...testSettings(), model }))).toEqual([]);
    });

  test("the overlay still wins over the provider's defaults (memory search back on)", () => {
    const config = configOf({ ...testSettings(), openclaw: { memory: { search: { enabled: true } } } });
    expect(at(config, "memory.search")).toEqual({ enabled: true, rememberAcrossConversations: false });
  });
});
