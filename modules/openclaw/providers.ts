/**
 * The model providers the `model` setting chooses from, and what each one renders into openclaw.json:
 * the primary model, the provider's configuration, and memory search's embeddings (which follow the
 * provider, or are off). No import from the host or the constructs: modules/host/layout.ts renders
 * through it, modules/settings validates with it.
 */
import type { OpenclawConfigObject } from "./merge";

/** The providers the `model` setting accepts, in the order problems list them. */
export const MODEL_PROVIDERS = ["anthropic", "openai"] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/**
 * The default `model`: an Anthropic one, by the Anthropic API key (`npm run secrets -- set-api-key`).
 * openclaw 2026.9.6's own default is an OpenAI model, which would leave the gateway without a usable
 * provider (`openclaw models status --check` exits 1).
 */
export const DEFAULT_MODEL = "anthropic/claude-opus-5";

/** A `model` setting taken apart: openclaw's model ref is `<provider>/<model id>`. */
export interface ModelChoice {
  readonly provider: ModelProvider;
  /** The provider's model id, e.g. `claude-opus-5`. */
  readonly id: string;
}

/** A model id as providers spell them: letters, digits and `. _ : -` (e.g. `gpt-5.5`), 1–128. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The provider and model id of a valid `model` setting, or undefined. */
export function parseModel(model: unknown): ModelChoice | undefined {
  if (typeof model !== "string") return undefined;
  const slash = model.indexOf("/");
  const [provider, id] = [model.slice(0, slash), model.slice(slash + 1)];
  if (slash < 0 || !(MODEL_PROVIDERS as readonly string[]).includes(provider) || !MODEL_ID.test(id)) return undefined;
  return { provider: provider as ModelProvider, id };
}

// ---------------------------------------------------------------- Amazon Bedrock: refused

/**
 * The npm package of openclaw's `amazon-bedrock` provider. openclaw 2026.9.6 does not bundle it: its
 * package leaves `dist/extensions/amazon-bedrock` out, and its official external provider catalog
 * (scripts/lib/official-external-provider-catalog.json) lists it as plugin `amazon-bedrock` installed
 * from npm (`npmSpec`). The npm registry does not serve it (`npm view @openclaw/amazon-bedrock-provider`:
 * E404, 2026-12-01), so the host cannot install it and no Bedrock call can be made.
 */
export const BEDROCK_PLUGIN_PACKAGE = "@openclaw/amazon-bedrock-provider";

/** openclaw's id of the Bedrock provider (the `<provider>` of its model refs). */
export const BEDROCK_PROVIDER_ID = "amazon-bedrock";

/** What is allowed instead of a refused model, as problems say it. */
const ALLOWED_MODELS = `"anthropic/<model id>" (the default, "${DEFAULT_MODEL}"; npm run secrets -- set-api-key) `
  + `or "openai/<model id>" (e.g. "openai/gpt-5.5"; npm run secrets -- set-openai-key)`;

// ---------------------------------------------------------------- the setting

/**
 * What is wrong with a `model` setting, or undefined. An `amazon-bedrock/…` model is refused, whatever
 * its id, with why ({@link BEDROCK_PLUGIN_PACKAGE}); docs/settings.md "Model providers".
 */
export function modelProblem(model: unknown): string | undefined {
  if (typeof model === "string" && model.startsWith(`${BEDROCK_PROVIDER_ID}/`)) {
    return `Amazon Bedrock is not deployable yet: openclaw's ${BEDROCK_PROVIDER_ID} provider is the external plugin ${BEDROCK_PLUGIN_PACKAGE}, `
      + "which the pinned openclaw (2026.9.6) does not bundle and the npm registry does not serve, so the host cannot install it; "
      + `use ${ALLOWED_MODELS}`;
  }
  if (parseModel(model)) return undefined;
  return `must be "<provider>/<model id>" with a model id of letters, digits and . _ : -, as ${ALLOWED_MODELS}`;
}

// ---------------------------------------------------------------- openclaw.json

/** Memory search with no embeddings provider: off, and recall across conversations off with it (doctor asks for both). */
const MEMORY_SEARCH_OFF = { enabled: false, rememberAcrossConversations: false } as const;

/**
 * What one model choice renders into openclaw.json (merged into the rest by modules/host/layout.ts):
 * the primary model, the provider's configuration and memory search's embeddings.
 * - anthropic: the key is the catalogue's SecretRef (models.providers.anthropic.apiKey); Anthropic
 *   has no embeddings API, so memory search is off (openclaw's default embeddings are OpenAI's,
 *   without a key here: doctor's "no API key" warning).
 * - openai: the key is the catalogue's SecretRef (models.providers.openai.apiKey), which memory
 *   search's `openai` embeddings use too. The agent runtime is pinned to openclaw's built-in one
 *   (`agentRuntime.id: "openclaw"`): left on `auto`, an `openai/…` model on OpenAI's official
 *   endpoint may select the native Codex harness, the plugin `codex` (`@openclaw/codex`), which the
 *   pinned openclaw's package does not ship and the host does not install (doctor: "Configured plugin
 *   codex is not installed"; openclaw 2026.9.6 docs/providers/openai/runtimes.md "Implicit agent
 *   runtime", docs/concepts/agent-runtimes.md "Runtime selection").
 */
export function modelConfig(choice: ModelChoice): OpenclawConfigObject {
  const primary = { agents: { defaults: { model: { primary: `${choice.provider}/${choice.id}` } } } };
  switch (choice.provider) {
    case "anthropic":
      return { ...primary, memory: { search: MEMORY_SEARCH_OFF } };
    case "openai":
      return { ...primary, models: { providers: { openai: { agentRuntime: { id: "openclaw" } } } }, memory: { search: { provider: "openai" } } };
  }
}
