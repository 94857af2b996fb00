import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { GATEWAY_PORT } from "../../modules/names";
import { openclawCommand, openclawConfigFile } from "../../modules/host/layout";
import { compactSchema, configSchemaProblems, SCHEMA_SOURCE, vendoredSchema } from "../../modules/openclaw/schema";
import { GatewaySettings } from "../../modules/settings/settings";
import { gatewayProcessEnv, OpenclawFixture, openclawFixture, openclawFixtureProblem, prepareState, REPO_ROOT, runCli, testLayout } from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * The vendored config schema against the real pinned openclaw (the fixture of __tests__/setup/openclaw.sh):
 * regenerated from `openclaw config schema`, it must be the vendored one; its verdicts must be
 * `openclaw config validate`'s; and what `openclaw doctor --lint` says about the rendered config is recorded.
 */
const canRun = requireInCi(openclawFixtureProblem(), "the openclaw config schema test");
const maybe = canRun ? describe : describe.skip;

/** `OPENCLAW_SCHEMA_UPDATE=1 npx jest __tests__/integration/openclaw-schema.test.ts` rewrites the vendored schema. */
const UPDATE = process.env.OPENCLAW_SCHEMA_UPDATE === "1";
const VENDORED_FILE = path.join(REPO_ROOT, "modules/openclaw/config-schema.json");

const sha256 = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

maybe("the vendored config schema and the real openclaw", () => {
  let fixture: OpenclawFixture;
  let root: string;
  /** The openclaw CLI on the "host" (the gateway's environment), with openclaw.json rendered from `settings`. */
  const cli = (settings: GatewaySettings, args: string[], timeoutMs = 60_000) => {
    const layout = testLayout(settings, root, fixture);
    prepareState(layout, settings, GATEWAY_PORT);
    writeFileSync(layout.configPath, openclawConfigFile(settings, GATEWAY_PORT));
    return runCli(layout, gatewayProcessEnv(layout, "x".repeat(64)), args, timeoutMs);
  };

  beforeAll(() => {
    fixture = openclawFixture() as OpenclawFixture;
    root = mkdtempSync(path.join(tmpdir(), "openclaw-schema-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("regenerated from the pinned openclaw, the compacted schema is the vendored one", () => {
    // ~2.4 MB of JSON: more than spawnSync's default 1 MB buffer (runCli's).
    const layout = testLayout(testSettings(), root, fixture);
    const [command, ...args] = openclawCommand(layout, ["config", "schema"]);
    const printed = spawnSync(command, args, { cwd: root, env: { PATH: "/usr/bin:/bin", HOME: root }, encoding: "utf8", maxBuffer: 64 << 20, timeout: 60_000 });
    expect(printed.status).toBe(0);
    const schema = compactSchema(JSON.parse(printed.stdout));
    if (UPDATE) {
      writeFileSync(VENDORED_FILE, `${JSON.stringify({ openclawVersion: fixture.openclawVersion, source: SCHEMA_SOURCE, schema })}\n`);
    }
    // On a difference: a new openclaw release (or a changed compactSchema) needs the schema regenerated:
    // OPENCLAW_SCHEMA_UPDATE=1 npx jest __tests__/integration/openclaw-schema.test.ts
    expect(vendoredSchema().openclawVersion).toBe(fixture.openclawVersion);
    expect(sha256(vendoredSchema().schema)).toBe(sha256(schema));
    // eslint-disable-next-line no-console
    console.log(`openclaw config schema: ${printed.stdout.length} bytes printed, ${JSON.stringify(schema).length} vendored (sha256 ${sha256(schema).slice(0, 12)})`);
  }, 60_000);

  /** Overlays with the verdict both must give: ours at synth, openclaw's `config validate` on the host. */
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ["the rendered config alone", {}, true],
    ["a thinking level", { agents: { defaults: { thinkingDefault: "low" } } }, true],
    ["memory search off", { memory: { search: { enabled: false, rememberAcrossConversations: false } } }, true],
    ["Telegram with a SecretRef, without the keys openclaw defaults (dmPolicy, groupPolicy)",
      { channels: { telegram: { enabled: true, botToken: { source: "env", provider: "default", id: "TELEGRAM_BOT_TOKEN" } } } }, true],
    ["an unknown key", { agents: { defaults: { thinkingDefualt: "low" } } }, false],
    ["a value outside an enum", { channels: { telegram: { dmPolicy: "everyone" } } }, false],
    ["a wrong type", { agents: { defaults: { model: { primary: 5 } } } }, false],
    ["a SecretRef without its id", { channels: { telegram: { botToken: { source: "env", provider: "default" } } } }, false],
  ];
  test.each(cases)("%s: the vendored schema and `openclaw config validate` agree", (_name, overlay, valid) => {
    const settings = { ...testSettings(), openclaw: overlay };
    const ours = configSchemaProblems(JSON.parse(openclawConfigFile(settings)));
    const theirs = cli(settings, ["config", "validate", "--json"]);
    expect({ ours: ours.length === 0, theirs: theirs.status === 0 }).toEqual({ ours: valid, theirs: valid });
    expect(JSON.parse(theirs.stdout)).toMatchObject({ valid });
  }, 60_000);

  test("`openclaw doctor --lint` on the rendered config: warnings only, recorded; the overlay reaches openclaw (memory search)", () => {
    const lint = cli(testSettings(), ["doctor", "--lint", "--json"], 120_000);
    const report = JSON.parse(lint.stdout) as { findings: Array<{ checkId: string; severity: string; message: string }> };
    // eslint-disable-next-line no-console
    console.log(`openclaw doctor --lint on the rendered config:\n${report.findings.map((f) => `  ${f.severity} ${f.checkId}: ${f.message}`).join("\n")}`);
    expect(report.findings.filter((f) => f.severity !== "warning")).toEqual([]);

    // memory-search is an opt-in check (--all). openclaw's default embeddings provider is OpenAI; the model
    // choice sets memory search explicitly (modules/openclaw/providers.ts): the Anthropic default turns it off.
    const memory = (settings: GatewaySettings) => {
      const only = cli(settings, ["doctor", "--lint", "--all", "--only", "core/doctor/memory-search", "--json"], 120_000);
      return (JSON.parse(only.stdout) as typeof report).findings.map((f) => f.message);
    };
    expect(memory(testSettings())).toEqual([]);
    // Off alone is not enough: doctor then asks for rememberAcrossConversations off too (what the default renders).
    expect(memory({ ...testSettings(), openclaw: { memory: { search: { rememberAcrossConversations: true } } } }))
      .toEqual([expect.stringContaining("memory.search.rememberAcrossConversations to false")]);
    // OpenAI: its embeddings, with the key's SecretRef.
    expect(memory({ ...testSettings(), model: "openai/gpt-5.5" })).toEqual([]);
  }, 300_000);

  /** Settings with a Bedrock model, past the settings check (which refuses it while the host lock lacks the Bedrock plugin). */
  const bedrock = (): GatewaySettings => ({ ...testSettings(), model: "amazon-bedrock/us.anthropic.claude-opus-5" });

  test.each([["anthropic", () => testSettings()], ["openai", () => ({ ...testSettings(), model: "openai/gpt-5.5" })], ["amazon-bedrock", bedrock]])(
    "%s: `openclaw config validate` accepts the rendered config and `doctor --lint --all` reports warnings only (recorded)", (name, settings) => {
      expect(JSON.parse(cli(settings(), ["config", "validate", "--json"]).stdout)).toMatchObject({ valid: true });
      const lint = cli(settings(), ["doctor", "--lint", "--all", "--json"], 120_000);
      const report = JSON.parse(lint.stdout) as { findings: Array<{ checkId: string; severity: string; message: string }> };
      // eslint-disable-next-line no-console
      console.log(`openclaw doctor --lint --all, model provider ${name}:\n${report.findings.map((f) => `  ${f.severity} ${f.checkId}: ${f.message}`).join("\n")}`);
      expect(report.findings.filter((f) => f.severity !== "warning")).toEqual([]);
      expect(report.findings.filter((f) => f.checkId === "core/doctor/memory-search")).toEqual([]);
    }, 180_000);
});
