/**
 * Which of openclaw's bundled plugins the gateway loads: `plugins.allow` in openclaw.json.
 *
 * Facts (openclaw 2026.9.6, the fixture's docs and code, read 2026-12-01):
 *  - Without `plugins.allow` the gateway loads 13 bundled plugins at start ("http server listening
 *    (13 plugins: browser, canvas, cua-computer, device-pair, file-transfer, geolocation, github,
 *    linux-node, memory-core, ollama, openai, talk-voice, xai)", its own log line): a browser driver,
 *    computer use, file transfer and GitHub tools among them, on a server that holds an instance role.
 *  - `plugins.allow` is an exclusive allowlist; "Bundled provider plugins are selected automatically
 *    when configured, but explicit disables and `plugins.allow` still apply. Include the provider id"
 *    (docs/gateway/config-cloud-workers.md); the same for channel plugins (e.g. `telegram`) and
 *    speech providers (docs/gateway/config-agents/messages-and-talk.md).
 *  - `openclaw security audit` warns `plugins.extensions_no_allowlist` without one
 *    (docs/gateway/security/audit-checks.md).
 *  - Measured on this project's 2-core machine (real gateway, spawn to the first 200 on /healthz,
 *    3 starts each, other work running): 30–39 s with the default 13, 21–26 s with this allowlist;
 *    openclaw's own "listening" figure 9.3–13.8 s vs 5.0–8.1 s.
 */

/** The plugins the deployment needs whatever the settings, and why. */
export const REQUIRED_PLUGINS: Readonly<Record<string, string>> = {
  "device-pair": "pairing: every browser and CLI is a device the owner approves (npm run devices)",
  "memory-core": "the agents' memory and its search (openclaw doctor lints memory search)",
};

import { enabledChannels } from "./channels";

type Config = { [key: string]: unknown };
const objectAt = (value: unknown): Config => (typeof value === "object" && value !== null && !Array.isArray(value) ? value as Config : {});

/**
 * `active-memory` when memory search's "remember across conversations" is on (openclaw's default; off only
 * when the config says `memory.search.rememberAcrossConversations: false`): that feature is this plugin's,
 * and without it `openclaw doctor` warns "Remember across conversations is effectively enabled for agent
 * \"main\", but the Active Memory plugin is disabled" (seen with the openai model and the allowlist).
 */
export function memoryPlugins(config: Config): string[] {
  return objectAt(objectAt(config.memory).search).rememberAcrossConversations === false ? [] : ["active-memory"];
}

/** The plugin of the config's primary model's provider (`anthropic` for `anthropic/claude-opus-5`), if it names one. */
export function providerPlugin(config: Config): string | undefined {
  const primary = objectAt(objectAt(objectAt(config.agents).defaults).model).primary;
  return typeof primary === "string" && primary.includes("/") ? primary.slice(0, primary.indexOf("/")) : undefined;
}

/**
 * `config` (openclaw.json with the overlay merged) with `plugins.allow`: the required plugins, memory's
 * (`memoryPlugins`), the primary model's provider, the plugin of each catalogue channel the config enables
 * (its id is the channel's: `telegram`; modules/openclaw/channels.ts), then whatever the overlay's `plugins.allow` adds (a channel, a speech
 * provider, canvas, …). Nothing else of `plugins` changes; `config` is not changed.
 */
export function withPluginAllowlist(config: Config): Config {
  const plugins = objectAt(config.plugins);
  const added = Array.isArray(plugins.allow) ? plugins.allow as unknown[] : [];
  const provider = providerPlugin(config);
  const base = [...Object.keys(REQUIRED_PLUGINS), ...memoryPlugins(config), ...(provider === undefined ? [] : [provider]), ...enabledChannels(config)];
  return { ...config, plugins: { ...plugins, allow: [...base, ...added.filter((id) => !base.includes(id as string))] } };
}
