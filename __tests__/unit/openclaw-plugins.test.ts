import { openclawConfig } from "../../modules/host/layout";
import { OpenclawConfigObject } from "../../modules/openclaw/merge";
import { configSchemaProblems } from "../../modules/openclaw/schema";
import { providerPlugin, REQUIRED_PLUGINS, withPluginAllowlist } from "../../modules/openclaw/plugins";
import { environmentProblems, testSettings } from "../helpers/settings";

/** Which bundled plugins the gateway loads: `plugins.allow` in openclaw.json. */

const pluginsOf = (settings: Parameters<typeof testSettings>[0]) => (openclawConfig(testSettings(settings)) as { plugins: unknown }).plugins;

const problems = environmentProblems;

describe("plugins.allow: the gateway loads the plugins the deployment needs, not openclaw's default 13", () => {
  test("default: pairing, memory and the primary model's provider", () => {
    expect(Object.keys(REQUIRED_PLUGINS)).toEqual(["device-pair", "memory-core"]);
    expect(pluginsOf({})).toEqual({ allow: ["device-pair", "memory-core", "anthropic"] });
  });

  test("the provider follows the primary model, also when the overlay sets it", () => {
    expect(providerPlugin({ agents: { defaults: { model: { primary: "openai/gpt-5" } } } })).toBe("openai");
    expect(providerPlugin({})).toBeUndefined();
    expect(pluginsOf({ openclaw: { agents: { defaults: { model: { primary: "openai/gpt-5" } } } } })).toEqual({ allow: ["device-pair", "memory-core", "openai"] });
  });

  test("active-memory when memory search remembers across conversations (openclaw's default; the anthropic default turns it off)", () => {
    expect(pluginsOf({ model: "openai/gpt-5.5" })).toEqual({ allow: ["device-pair", "memory-core", "active-memory", "openai"] });
    expect(pluginsOf({ openclaw: { memory: { search: { rememberAcrossConversations: true } } } })).toEqual({ allow: ["device-pair", "memory-core", "active-memory", "anthropic"] });
  });

  test("an enabled catalogue channel brings its plugin (a disabled one does not)", () => {
    expect(pluginsOf({ openclaw: { channels: { telegram: { dmPolicy: "pairing" }, discord: { enabled: false } } } }))
      .toEqual({ allow: ["device-pair", "memory-core", "anthropic", "telegram"] });
  });

  test("the overlay's plugins.allow adds to the list (no duplicates); its other plugins keys stay", () => {
    const overlay = { plugins: { allow: ["telegram", "device-pair", "canvas"], entries: { telegram: { enabled: true } } } };
    expect(pluginsOf({ openclaw: overlay })).toEqual({ allow: ["device-pair", "memory-core", "anthropic", "telegram", "canvas"], entries: { telegram: { enabled: true } } });
  });

  test("the input is not changed", () => {
    const config = { plugins: { allow: ["canvas"] } };
    withPluginAllowlist(config);
    expect(config).toEqual({ plugins: { allow: ["canvas"] } });
  });

  test("the rendered openclaw.json satisfies the pinned openclaw's config schema", () => {
    expect(configSchemaProblems(openclawConfig(testSettings({ openclaw: { plugins: { allow: ["canvas"] } } })) as OpenclawConfigObject)).toEqual([]);
  });

  test("turning plugins off is refused at synth (pairing needs device-pair); plugins.enabled true is accepted", () => {
    expect(problems({ openclaw: { plugins: { enabled: false } } })).toEqual([
      expect.stringMatching(/openclaw\.plugins\.enabled.*may only be true.*device-pair, memory-core/),
    ]);
    expect(problems({ openclaw: { plugins: { enabled: true, allow: ["canvas"] } } })).toEqual([]);
  });
});
