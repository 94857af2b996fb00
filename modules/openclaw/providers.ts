/**
 * The model providers the `model` setting chooses from, and what each one renders into openclaw.json:
 * the primary model, the provider's configuration, and memory search's embeddings (which follow the
 * provider, or are off). No import from the host or the constructs: modules/host/layout.ts renders
 * through it, modules/settings validates with it, modules/constructs/model-role.ts scopes IAM with it.
 */
import type { OpenclawConfigObject } from "./merge";

/** The providers the `model` setting accepts, in the order problems list them. */
export const MODEL_PROVIDERS = ["anthropic", "amazon-bedrock", "openai"] as const;
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
  /** The provider's model id; for Bedrock an inference profile id such as `us.anthropic.claude-opus-5`. */
  readonly id: string;
}

/** A model id as providers spell them: letters, digits and `. _ : -` (Bedrock's `amazon.titan-embed-text-v2:0`), 1–128. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The provider and model id of a valid `model` setting, or undefined. */
export function parseModel(model: unknown): ModelChoice | undefined {
  if (typeof model !== "string") return undefined;
  const slash = model.indexOf("/");
  const [provider, id] = [model.slice(0, slash), model.slice(slash + 1)];
  if (slash < 0 || !(MODEL_PROVIDERS as readonly string[]).includes(provider) || !MODEL_ID.test(id)) return undefined;
  return { provider: provider as ModelProvider, id };
}

// ---------------------------------------------------------------- Amazon Bedrock

/**
 * The npm package of openclaw's `amazon-bedrock` provider. openclaw 2026.9.6 does not bundle it: its
 * package.json `files` leaves out `dist/extensions/amazon-bedrock/**`, and its official external
 * provider catalog (dist/official-external-provider-catalog-*.mjs) lists it as plugin `amazon-bedrock`,
 * installed from npm (`npmSpec`), host version >=2026.5.12-beta.1. The core registers no stream
 * function for `bedrock-converse-stream` (dist/ai-transport-runtime-host-*.mjs): without the plugin
 * no Bedrock call can be made.
 */
export const BEDROCK_PLUGIN_PACKAGE = "@openclaw/amazon-bedrock-provider";

/** openclaw's id of the Bedrock plugin and provider (plugins.entries.<id>, models.providers.<id>). */
export const BEDROCK_PROVIDER_ID = "amazon-bedrock";

/**
 * Memory search's Bedrock embeddings model: Titan Text Embeddings V2, openclaw's default for
 * `memory.search.provider: "bedrock"` (openclaw 2026.9.6 docs/providers/bedrock.md "Embeddings for
 * memory search").
 */
export const BEDROCK_EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0";

/**
 * The geographies of Bedrock's cross-Region (system-defined) inference profiles: the id's prefix and
 * the source regions it may be called from. AWS names the geographies US, EU, APAC, JP, AU and GLOBAL
 * (CDK's CrossRegionInferenceProfileRegion,
 * https://docs.aws.amazon.com/cdk/api/v2/docs/@aws-cdk_aws-bedrock-alpha.CrossRegionInferenceProfileRegion.html;
 * APAC's regions listed there), a geography keeps requests inside it and "the destination Regions for
 * Global cross-Region inference profiles include all commercial Regions"
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference-support.html and
 * geographic-cross-region-inference.html, read 2026-11-30). Which models a geography serves is per
 * model and not checked here.
 */
export const INFERENCE_PROFILE_GEOGRAPHIES: ReadonlyArray<{ prefix: string; serves: (region: string) => boolean; regions: string }> = [
  { prefix: "global", serves: () => true, regions: "any commercial region" },
  { prefix: "us", serves: (r) => r.startsWith("us-"), regions: "us-* regions" },
  { prefix: "eu", serves: (r) => r.startsWith("eu-"), regions: "eu-* regions" },
  { prefix: "apac", serves: (r) => r.startsWith("ap-") || r === "me-central-1", regions: "ap-* regions and me-central-1" },
  { prefix: "jp", serves: (r) => r === "ap-northeast-1" || r === "ap-northeast-3", regions: "ap-northeast-1, ap-northeast-3" },
  { prefix: "au", serves: (r) => r === "ap-southeast-2" || r === "ap-southeast-4", regions: "ap-southeast-2, ap-southeast-4" },
];

/** A Bedrock inference profile id taken apart: `us.anthropic.claude-opus-5` → `us` + `anthropic.claude-opus-5`. */
export function inferenceProfile(id: string): { prefix: string; foundationModel: string } | undefined {
  const dot = id.indexOf(".");
  const prefix = id.slice(0, dot);
  if (dot < 0 || !INFERENCE_PROFILE_GEOGRAPHIES.some((g) => g.prefix === prefix) || !id.slice(dot + 1).includes(".")) return undefined;
  return { prefix, foundationModel: id.slice(dot + 1) };
}

/** The inference profile prefixes a region may call, as problems list them (`"global." or "us."`). */
const prefixesFor = (region: string): string =>
  INFERENCE_PROFILE_GEOGRAPHIES.filter((g) => g.serves(region)).map((g) => `"${g.prefix}."`).join(" or ");

// ---------------------------------------------------------------- the setting

/**
 * What is wrong with a `model` setting in `region` (undefined: not known to be valid, the inference
 * profile's geography is not checked), or undefined. `hasPackage` tells whether the host's openclaw
 * lock (modules/host/openclaw/package-lock.json) installs an npm package.
 */
export function modelProblem(model: unknown, region: string | undefined, hasPackage: (name: string) => boolean): string | undefined {
  const choice = parseModel(model);
  if (!choice) {
    return `must be "<provider>/<model id>" with provider ${MODEL_PROVIDERS.map((p) => `"${p}"`).join(", ")} and a model id of letters, digits and . _ : - `
      + `(e.g. "${DEFAULT_MODEL}", "amazon-bedrock/us.anthropic.claude-opus-5", "openai/gpt-5.5")`;
  }
  if (choice.provider !== "amazon-bedrock") return undefined;
  const profile = inferenceProfile(choice.id);
  if (!profile) {
    return "a Bedrock model must be a cross-Region inference profile id: its model id with a geography prefix, "
      + `${region ? `${prefixesFor(region)} in ${region}` : INFERENCE_PROFILE_GEOGRAPHIES.map((g) => `"${g.prefix}."`).join(", ")} `
      + `(e.g. "amazon-bedrock/global.${choice.id}"; https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html)`;
  }
  const geography = INFERENCE_PROFILE_GEOGRAPHIES.find((g) => g.prefix === profile.prefix)!;
  if (region !== undefined && !geography.serves(region)) {
    const other = INFERENCE_PROFILE_GEOGRAPHIES.filter((g) => g.serves(region)).pop()!;
    return `the "${profile.prefix}." inference profiles are called from ${geography.regions}, not from the stack's region ${region}: `
      + `use ${prefixesFor(region)} (e.g. "amazon-bedrock/${other.prefix}.${profile.foundationModel}")`;
  }
  if (!hasPackage(BEDROCK_PLUGIN_PACKAGE)) {
    return `openclaw's amazon-bedrock provider is the plugin ${BEDROCK_PLUGIN_PACKAGE}, which the pinned openclaw does not bundle and `
      + "modules/host/openclaw/package-lock.json does not install: the gateway could make no Bedrock call. Add the plugin to that lock "
      + "(and to the test fixture __tests__/fixtures/openclaw), or choose \"anthropic/…\" or \"openai/…\"";
  }
  return undefined;
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
 *   search's `openai` embeddings use too.
 * - amazon-bedrock: no key. The provider authenticates with the AWS SDK's default chain
 *   (`auth: "aws-sdk"`); discovery is enabled explicitly, since without an AWS environment marker
 *   (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_BEARER_TOKEN_BEDROCK) openclaw does not enable the implicit
 *   provider on its own; memory search embeds with Titan through the same chain (openclaw 2026.9.6
 *   docs/providers/bedrock.md "EC2 instance roles (IMDS)", "Embeddings for memory search").
 */
export function modelConfig(choice: ModelChoice, region: string | undefined): OpenclawConfigObject {
  const primary = { agents: { defaults: { model: { primary: `${choice.provider}/${choice.id}` } } } };
  switch (choice.provider) {
    case "anthropic":
      return { ...primary, memory: { search: MEMORY_SEARCH_OFF } };
    case "openai":
      return { ...primary, memory: { search: { provider: "openai" } } };
    case "amazon-bedrock":
      if (region === undefined) throw new Error("a Bedrock model needs the stack's region");
      return {
        ...primary,
        models: {
          providers: {
            [BEDROCK_PROVIDER_ID]: { baseUrl: `https://bedrock-runtime.${region}.amazonaws.com`, api: "bedrock-converse-stream", auth: "aws-sdk" },
          },
        },
        plugins: { entries: { [BEDROCK_PROVIDER_ID]: { enabled: true, config: { discovery: { enabled: true, region } } } } },
        memory: { search: { provider: "bedrock", model: BEDROCK_EMBEDDING_MODEL } },
      };
  }
}
