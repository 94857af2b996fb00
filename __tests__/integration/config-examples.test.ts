import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { GATEWAY_PORT } from "../../modules/names";
import { openclawConfig, openclawConfigFile, secretRef } from "../../modules/host/layout";
import { enabledChannels } from "../../modules/openclaw/channels";
import { SECRETS, secretsInUse } from "../../modules/secrets-catalogue";
import { resolveSettingsFile } from "../../modules/settings/settings";
import { MODEL_PROVIDERS } from "../../modules/openclaw/providers";
import { OpenClawStack } from "../../modules/stack";
import {
  gatewayProcessEnv, OpenclawFixture, openclawFixture, openclawFixtureProblem, prepareState, runCli, testLayout, writeCredentials,
} from "../helpers/openclaw-harness";
import { requireInCi } from "../helpers/settings";

/**
 * The README's "Configure OpenClaw" examples, one complete settings file per channel
 * (docs/examples/channels/<channel>.json, docs/settings.md "Channels") and per model provider
 * (docs/examples/models/<provider>.json, docs/settings.md "Model providers"): each resolves with every
 * synth check (rules, locked paths, channel refusals, the pinned openclaw's schema), synthesizes with
 * exactly the secret parameters it needs, and the rendered openclaw.json passes the real openclaw's
 * `config validate` with a credential that holds those secrets.
 */
const EXAMPLES_DIR = path.join(__dirname, "../../docs/examples");
const jsonFiles = (dir: string) => readdirSync(path.join(EXAMPLES_DIR, dir)).filter((f) => f.endsWith(".json")).sort();
const examples = jsonFiles("channels");
const modelExamples = jsonFiles("models");
const canRun = requireInCi(openclawFixtureProblem(), "the configuration examples against the real openclaw");

/** `openclaw config validate --json` on the rendered openclaw.json of `settings`, with a credential holding `secrets`. */
function validateWithRealOpenclaw(settings: ReturnType<typeof resolveSettingsFile>[number], name: string, secrets: readonly { id: string }[]) {
  const fixture = openclawFixture() as OpenclawFixture;
  const root = mkdtempSync(path.join(tmpdir(), `openclaw-example-${name}-`));
  try {
    const layout = testLayout(settings, root, fixture);
    prepareState(layout, settings, GATEWAY_PORT);
    writeFileSync(layout.configPath, openclawConfigFile(settings, GATEWAY_PORT));
    const credential = JSON.stringify({ "gateway-token": "x".repeat(64), ...Object.fromEntries(secrets.map((t) => [t.id, `${t.id}-value-000000000000`])) });
    const result = runCli(layout, gatewayProcessEnv(layout, writeCredentials(path.join(root, "credentials"), `${credential}\n`)), ["config", "validate", "--json"], 60_000);
    return { status: result.status, stdout: result.stdout, report: JSON.parse(result.stdout || "{}") as { valid?: boolean; warnings?: Array<{ path: string; message: string }> } };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test("there is one example per channel of the catalogue and one per deployable model provider", () => {
  expect(examples).toEqual(["discord.json", "slack.json", "telegram.json"]);
  expect(modelExamples).toEqual(MODEL_PROVIDERS.map((p) => `${p}.json`).sort());
});

describe.each(modelExamples)("docs/examples/models/%s", (file) => {
  const source = `docs/examples/models/${file}`;
  const [settings] = resolveSettingsFile(JSON.parse(readFileSync(path.join(EXAMPLES_DIR, "models", file), "utf8")), source);
  const provider = file.replace(/\.json$/, "");
  const keys = SECRETS.filter((s) => s.modelProvider === provider);

  test("resolves at synth: the model's provider, its key referenced through the credential and no other provider's", () => {
    expect(settings.model.startsWith(`${provider}/`)).toBe(true);
    expect(keys).toHaveLength(1);
    const config = openclawConfig(settings) as { models: { providers: Record<string, { apiKey?: unknown }> }; plugins?: { allow?: string[] } };
    expect(Object.keys(config.models.providers)).toEqual([provider]);
    expect(config.models.providers[provider].apiKey).toEqual(secretRef(keys[0]));
    expect(config.plugins?.allow).toContain(provider);
    // Both providers' key parameters exist in every environment (docs/settings.md "Model providers"); only the chosen one is referenced.
    expect(JSON.stringify(config)).not.toContain(SECRETS.find((s) => s.modelProvider !== undefined && s.modelProvider !== provider)!.id);
  });

  (canRun ? test : test.skip)("the real openclaw validates the rendered openclaw.json (exit 0, valid, no warning)", () => {
    const result = validateWithRealOpenclaw(settings, provider, keys);
    expect({ status: result.status, valid: result.report.valid, warnings: result.report.warnings }).toEqual({ status: 0, valid: true, warnings: [] });
  }, 90_000);
});

describe.each(examples)("docs/examples/channels/%s", (file) => {
  const source = `docs/examples/channels/${file}`;
  const [settings] = resolveSettingsFile(JSON.parse(readFileSync(path.join(EXAMPLES_DIR, "channels", file), "utf8")), source);
  const channel = file.replace(/\.json$/, "");
  const tokens = SECRETS.filter((s) => s.channel === channel);

  test("resolves at synth: the channel enabled, its tokens referenced through the credential, no token in the file", () => {
    expect(enabledChannels(settings.openclaw)).toEqual([channel]);
    const config = openclawConfig(settings) as { channels: Record<string, Record<string, unknown>> };
    for (const token of tokens) {
      expect(token.configField.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config)).toEqual(secretRef(token));
    }
    expect(secretsInUse(settings).filter((s) => s.channel !== undefined)).toEqual(tokens);
    // The channel's plugin is allowed without the example naming it (modules/openclaw/plugins.ts).
    expect((config as { plugins?: { allow?: string[] } }).plugins?.allow).toContain(channel);
  });

  test("synthesizes: one parameter per token of the channel, none for the others", () => {
    const parsed = JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), settings)));
    const names = Object.values(parsed.resource.aws_ssm_parameter as Record<string, { name: string }>).map((p) => p.name);
    for (const secret of SECRETS.filter((s) => s.channel !== undefined)) {
      expect(names.includes(`/openclaw/prod/${secret.parameter}`)).toBe(secret.channel === channel);
    }
  });

  (canRun ? test : test.skip)("the real openclaw validates the rendered openclaw.json (exit 0, valid)", () => {
    const result = validateWithRealOpenclaw(settings, channel, tokens);
    expect({ status: result.status, report: result.report }).toMatchObject({ status: 0, report: { valid: true } });
    // Telegram is bundled with openclaw 2026.9.6; Slack and Discord are external plugins the host's install lock does not
    // hold (docs/settings.md "Channels"): openclaw says so, and this fails once the lock gains them (then update the docs).
    expect(result.report.warnings).toEqual(channel === "telegram" ? [] : [{
      path: "plugins.allow",
      message: `plugin not installed: ${channel} — install the official external plugin with: openclaw plugins install @openclaw/${channel}`,
    }]);
    // eslint-disable-next-line no-console
    console.log(`${source}: openclaw config validate: ${result.stdout.trim()}`);
  }, 90_000);
});
