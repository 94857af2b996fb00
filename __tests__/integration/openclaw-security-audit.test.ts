import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { GATEWAY_PORT } from "../../modules/names";
import { TOOL_POLICIES, ToolPolicy } from "../../modules/openclaw/tool-policy";
import { GatewaySettings, resolveSettingsFile } from "../../modules/settings/settings";
import {
  gatewayProcessEnv, OpenclawFixture, openclawFixture, openclawFixtureProblem, prepareState, REPO_ROOT, runCli, secretsFileContent, testLayout, writeCredentials,
} from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * What the agent may do on the host, as the real pinned openclaw's security audit sees it:
 * `openclaw security audit --json` (openclaw 2026.9.6: `security audit` with `--json`, dist/security-cli-*.mjs;
 * docs/cli/security.md) on the rendered openclaw.json of every shipped settings file (settings.json, and every
 * settings file shown in README.md or docs/*.md) under each `toolPolicy` value must report no critical finding.
 * The audit runs as openclaw-admin runs it on the host: the gateway's user, environment and secrets credential,
 * the state directory 700 and openclaw.json 600 as the boot script makes them; no gateway is running (the plain
 * audit is openclaw's "cold config/filesystem/read-only path").
 *
 * The findings expected to remain, none critical (from the audit's code, dist/audit-*.mjs; each run prints
 * every finding it gets):
 *  - with "full": `tools.exec.security_full_configured` (warn): full exec trust is what "full" means; it turns
 *    critical once a channel is open (the last test);
 *  - with every value: `summary.attack_surface` (info: a summary of what is enabled).
 */
const canRun = requireInCi(openclawFixtureProblem(), "the openclaw security audit test");
const maybe = canRun ? describe : describe.skip;

/** One finding of `openclaw security audit --json`. */
interface Finding {
  checkId: string;
  severity: "critical" | "warn" | "info";
  title: string;
  detail: string;
}

/** Every settings file the project ships: settings.json and each ```json block of the docs that is a whole settings file. */
function shippedSettingsFiles(): Array<{ source: string; file: unknown }> {
  const pages = ["README.md", ...readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const blocks = pages.flatMap((page) => [...readFileSync(path.join(REPO_ROOT, page), "utf8").matchAll(/```json\n([\s\S]*?)```/g)]
    .flatMap((match, i) => {
      try {
        const file = JSON.parse(match[1]) as { environments?: unknown };
        return Array.isArray(file.environments) ? [{ source: `${page} (json block ${i + 1})`, file }] : [];
      } catch {
        return [];
      }
    }));
  return [{ source: "settings.json", file: JSON.parse(readFileSync(path.join(REPO_ROOT, "settings.json"), "utf8")) }, ...blocks];
}

/** Each shipped environment under each tool policy. */
const CASES: Array<[string, ToolPolicy, GatewaySettings]> = shippedSettingsFiles().flatMap(({ source, file }) =>
  resolveSettingsFile(file, source, REPO_ROOT).flatMap((settings) =>
    TOOL_POLICIES.map((toolPolicy): [string, ToolPolicy, GatewaySettings] => [`${source} › ${settings.environment}`, toolPolicy, { ...settings, toolPolicy }])));

maybe("openclaw security audit --json on the rendered config", () => {
  let fixture: OpenclawFixture;
  let root: string;

  /** The audit's findings for openclaw.json rendered from `settings`, on a fresh state directory. */
  const audit = (settings: GatewaySettings): Finding[] => {
    const dir = mkdtempSync(path.join(root, "host-"));
    const layout = testLayout(settings, dir, fixture);
    prepareState(layout, settings, GATEWAY_PORT);
    const credentials = writeCredentials(path.join(dir, "credentials"), secretsFileContent(randomBytes(32).toString("hex")));
    const run = runCli(layout, gatewayProcessEnv(layout, credentials), ["security", "audit", "--json"], 120_000);
    expect(run.leakedSecret).toBe(false);
    expect({ status: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ status: 0, stderr: "" });
    return (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
  };
  const line = (f: Finding) => `  ${f.severity} ${f.checkId}: ${f.title}`;

  beforeAll(() => {
    fixture = openclawFixture() as OpenclawFixture;
    root = mkdtempSync(path.join(tmpdir(), "openclaw-audit-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("the cases cover settings.json's environments and each tool policy", () => {
    expect(CASES.filter(([source]) => source.startsWith("settings.json ›")).length).toBe(2 * TOOL_POLICIES.length);
  });

  test.each(CASES)("%s, toolPolicy %s: no critical finding", (_source, toolPolicy, settings) => {
    const findings = audit(settings);
    // eslint-disable-next-line no-console
    console.log(`openclaw security audit, toolPolicy ${toolPolicy}:\n${findings.map(line).join("\n")}`);
    expect(findings.filter((f) => f.severity === "critical").map(line)).toEqual([]);
    // The audit sees the policy: full exec trust is reported, a policy with approvals or no shell is not.
    expect(findings.some((f) => f.checkId === "tools.exec.security_full_configured")).toBe(toolPolicy === "full");
  }, 150_000);

  test("the check can fail: \"full\" with a channel anyone may message is critical", () => {
    const openclaw = { channels: { telegram: { enabled: true, dmPolicy: "open", allowFrom: ["*"], botToken: { source: "env", provider: "default", id: "TELEGRAM_BOT_TOKEN" } } } };
    // Synth refuses this overlay (an open DM policy, "*", a token field the deployment owns: modules/openclaw/overlay.ts); the
    // settings are built past those checks to get openclaw's own verdict on what they refuse.
    expect(() => testSettings({ toolPolicy: "full", openclaw })).toThrow(/openclaw\.channels\.telegram\.dmPolicy: got "open"; may not be "open"/);
    const settings = { ...testSettings({ toolPolicy: "full" }), openclaw };
    const critical = audit(settings).filter((f) => f.severity === "critical").map((f) => f.checkId);
    expect(critical).toEqual(expect.arrayContaining(["tools.exec.security_full_configured"]));
  }, 150_000);
});
