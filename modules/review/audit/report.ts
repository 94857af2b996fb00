import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { AuditRule, Finding, StackAudit, Suppression } from "./types";
import { CostEstimate } from "./cost";
import { NOT_INCLUDED, PRICE_REGION, PRICES_AS_OF } from "../pricing";

/** Everything one audit run produced; the JSON report is exactly this object. */
export interface AuditReport {
  readonly tool: "openclaw-aws-audit";
  readonly settingsFile: string;
  readonly durationMs: number;
  readonly rules: ReadonlyArray<Omit<AuditRule, "check">>;
  readonly stacks: readonly StackAudit[];
  readonly costs: readonly CostEstimate[];
  readonly unusedSuppressions: readonly Suppression[];
  readonly openFindings: number;
  readonly suppressedFindings: number;
}

/** Renders rows as a plain-text table with aligned columns. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The report a person reads in the terminal. */
export function renderTerminal(report: AuditReport): string {
  const out: string[] = [];
  const findings = report.stacks.flatMap((s) => s.findings);
  const reasons = [...new Set(findings.map((f) => f.suppressedBecause).filter((r): r is string => !!r))];
  out.push(`Audit of ${report.settingsFile}: ${report.rules.length} rules × ${report.stacks.length} stack(s), ` +
    `synthesized offline in ${report.durationMs} ms`);
  out.push("");
  if (findings.length === 0) out.push("No findings.");
  else {
    out.push(textTable(["status", "stack", "rule", "resource", "finding"], findings
      .slice().sort((a, b) => Number(!!a.suppressedBecause) - Number(!!b.suppressedBecause))
      .map((f) => [
        f.suppressedBecause ? `suppressed [${reasons.indexOf(f.suppressedBecause) + 1}]` : "OPEN",
        f.stack, f.ruleId, f.path, f.message,
      ])));
  }
  if (reasons.length > 0) {
    out.push("", "Suppressed by design (modules/review/audit/suppressions.ts):");
    reasons.forEach((r, i) => out.push(`  [${i + 1}] ${r}`));
  }
  for (const s of report.unusedSuppressions) {
    out.push(`warning: suppression of ${s.ruleId} on ${s.paths.join(", ")} matched nothing; fix or delete it if it is stale`);
  }
  for (const cost of report.costs) {
    out.push("", `Monthly cost estimate of ${cost.stack} (${PRICE_REGION} list prices of ${PRICES_AS_OF}, modules/review/pricing.ts):`);
    out.push(textTable(["resource", "item", "USD/month"], [
      ...cost.lines.map((l) => [l.path, l.item, usd(l.monthlyUsd)]),
      ["total", "", usd(cost.totalUsd)],
    ]));
  }
  out.push("", ...NOT_INCLUDED.map((n) => `  ${n}`));
  out.push("", report.openFindings === 0
    ? `PASS: 0 open findings, ${report.suppressedFindings} suppressed with a reason.`
    : `FAIL: ${report.openFindings} open finding(s), ${report.suppressedFindings} suppressed. Fix them, or add a suppression with a reason.`);
  return out.join("\n");
}

/** Source file of the construct a finding is about (code scanning needs a file to annotate). */
export const CONSTRUCT_SOURCES: Readonly<Record<string, string>> = {
  network: "modules/constructs/network.ts",
  secrets: "modules/constructs/secrets.ts",
  data: "modules/constructs/storage.ts",
  address: "modules/constructs/address.ts",
  "host-role": "modules/constructs/host-role.ts",
  host: "modules/constructs/host.ts",
};

/** "openclaw-prod/host/launch-template" → "modules/constructs/host.ts"; anything else → the stack. */
export function sourceFileOf(path: string): string {
  return CONSTRUCT_SOURCES[path.split("/")[1] ?? ""] ?? "modules/stack.ts";
}

/** Project root (the SARIF URIs are relative to it). */
const ROOT = path.join(__dirname, "..", "..", "..");

/**
 * Line of the construct in its source file, found by its id ("launch-template" → `new LaunchTemplate(this, "launch-template"`;
 * "https-in-0" → the template literal `https-in-${i}`); 1 when not found. Code scanning annotates that line.
 */
export function sourceLineOf(file: string, constructPath: string): number {
  const id = constructPath.split("/").pop() ?? "";
  const full = path.join(ROOT, file);
  if (!id || !existsSync(full)) return 1;
  const lines = readFileSync(full, "utf8").split("\n");
  const needles = [`"${id}"`, `\`${id.replace(/-\d+$/, "-")}`];
  const index = lines.findIndex((line) => needles.some((n) => line.includes(n)));
  return index >= 0 ? index + 1 : 1;
}

const ruleText = (r: Omit<AuditRule, "check">) =>
  [r.checkov.join(", "), r.fsbp.map((c) => `FSBP ${c}`).join(", "), r.source].filter(Boolean).join("; ");

/** SARIF 2.1.0 for GitHub code scanning: one result per finding, suppressed ones carry their justification. */
export function renderSarif(report: AuditReport): object {
  const index = new Map(report.rules.map((r, i) => [r.id, i]));
  const result = (f: Finding) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId),
    level: "error",
    message: { text: `${f.stack}: ${f.path}: ${f.message}` },
    locations: [{
      physicalLocation: { artifactLocation: { uri: sourceFileOf(f.path) }, region: { startLine: sourceLineOf(sourceFileOf(f.path), f.path) } },
      logicalLocations: [{ fullyQualifiedName: f.path, name: f.address, kind: "resource" }],
    }],
    partialFingerprints: { "openclawAudit/v1": `${f.ruleId}|${f.path}|${f.message}` },
    ...(f.suppressedBecause ? { suppressions: [{ kind: "inSource", justification: f.suppressedBecause }] } : {}),
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: report.tool,
          informationUri: "https://github.com/openclaw-aws/openclaw-aws/blob/main/docs/audit-rules.md",
          rules: report.rules.map((r) => ({
            id: r.id,
            name: r.id,
            shortDescription: { text: r.rationale },
            fullDescription: { text: `${r.rationale} (${ruleText(r)})` },
            defaultConfiguration: { level: "error" },
            properties: { tags: ["security", ...r.checkov, ...r.fsbp.map((c) => `FSBP-${c}`)] },
          })),
        },
      },
      results: report.stacks.flatMap((s) => s.findings).map(result),
    }],
  };
}

/** The rule catalogue (docs/audit-rules.md), rendered from the rule pack so it cannot drift. */
export function renderCatalogue(rules: readonly Omit<AuditRule, "check">[], suppressions: readonly Suppression[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [
    "# Audit rules",
    "",
    "<!-- Generated by `npm run audit -- --write-catalogue` from modules/review/audit/rules/; do not edit by hand. -->",
    "",
    `\`npm run audit\` synthesizes every stack of settings.json offline and checks it against these ${rules.length} rules ` +
      "(one file each under `modules/review/audit/rules/`). It exits non-zero on any finding that is not suppressed below.",
    "",
    "| Rule | Checkov | AWS FSBP | Why |",
    "| --- | --- | --- | --- |",
    ...rules.map((r) => `| \`${r.id}\` | ${r.checkov.join(", ") || "–"} | ${r.fsbp.join(", ") || "–"} | ${cell(r.rationale)}${r.source ? ` (${cell(r.source)})` : ""} |`),
    "",
    "## Suppressions (by design)",
    "",
    "Declared in `modules/review/audit/suppressions.ts`; every suppressed finding is still printed, with its reason.",
    "",
    "| Rule | Constructs (paths below the stack) | Reason |",
    "| --- | --- | --- |",
    ...suppressions.map((s) => `| \`${s.ruleId}\` | ${s.paths.map((p) => `\`${p}\``).join(", ")} | ${cell(s.reason)} |`),
    "",
  ];
  return lines.join("\n");
}
