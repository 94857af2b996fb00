import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { RULES } from "../modules/review/audit/rules";
import { SUPPRESSIONS } from "../modules/review/audit/suppressions";
import { auditStack, openFindings, unusedSuppressions } from "../modules/review/audit/engine";
import { synthesizeSettingsFile } from "../modules/review/audit/synth";
import { displayPath, isSettingsError, settingsErrorText, warnAboutPlaceholders } from "../modules/settings/file";
import { estimateMonthlyCost } from "../modules/review/audit/cost";
import { AuditReport, renderCatalogue, renderSarif, renderTerminal } from "../modules/review/audit/report";
import { AuditInput } from "../modules/review/audit/types";

/**
 * `npm run audit [-- --settings FILE] [--out DIR] [--write-catalogue]`
 * Synthesizes every stack of the settings file offline, checks it against the rule pack, prints a
 * table and the monthly cost estimate, and writes reports/audit.json and reports/audit.sarif.
 * Exits 1 on any open finding (or an instance type without a price), 2 on bad usage.
 */

/** Path of the generated rule catalogue. */
export const CATALOGUE_PATH = path.join(__dirname, "..", "docs", "audit-rules.md");

/** Audits already synthesized stacks: the whole pipeline minus synthesis and I/O. */
export function buildReport(inputs: AuditInput[], settingsFile: string, durationMs: number): AuditReport {
  const stacks = inputs.map((input) => auditStack(input, RULES, SUPPRESSIONS));
  const costs = inputs.map(estimateMonthlyCost);
  const findings = stacks.flatMap((s) => s.findings);
  return {
    tool: "openclaw-aws-audit",
    settingsFile,
    durationMs,
    rules: RULES.map(({ check: _check, ...meta }) => meta),
    stacks,
    costs,
    unusedSuppressions: unusedSuppressions(stacks, SUPPRESSIONS),
    openFindings: openFindings(stacks).length,
    suppressedFindings: findings.length - openFindings(stacks).length,
  };
}

interface Options { settings: string; out: string; writeCatalogue: boolean }

function parseArgs(argv: string[]): Options {
  const options: Options = {
    settings: process.env.OPENCLAW_AWS_SETTINGS || "settings.json",
    out: "reports",
    writeCatalogue: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--settings") options.settings = argv[++i];
    else if (arg === "--out") options.out = argv[++i];
    else if (arg === "--write-catalogue") options.writeCatalogue = true;
    else throw new Error(`unknown argument "${arg}" (usage: npm run audit -- [--settings FILE] [--out DIR] [--write-catalogue])`);
    if (options.settings === undefined || options.out === undefined) throw new Error(`${arg} needs a value`);
  }
  return options;
}

function main(): number {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (options.writeCatalogue) {
    mkdirSync(path.dirname(CATALOGUE_PATH), { recursive: true });
    writeFileSync(CATALOGUE_PATH, renderCatalogue(RULES, SUPPRESSIONS));
    console.log(`wrote ${path.relative(process.cwd(), CATALOGUE_PATH)} (${RULES.length} rules)`);
    return 0;
  }
  const started = performance.now();
  let report: AuditReport;
  try {
    const { environments, inputs } = synthesizeSettingsFile(options.settings);
    warnAboutPlaceholders(environments, displayPath(path.resolve(options.settings)));
    report = buildReport(inputs, options.settings, 0);
    report = { ...report, durationMs: Math.round(performance.now() - started) };
  } catch (e) {
    // A bad settings file: the same block as synth prints (no "audit failed:" prefix, no stack).
    if (isSettingsError(e)) process.stderr.write(settingsErrorText(e));
    else console.error(`audit failed: ${(e as Error).message}`);
    return 1;
  }
  mkdirSync(options.out, { recursive: true });
  writeFileSync(path.join(options.out, "audit.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(path.join(options.out, "audit.sarif"), JSON.stringify(renderSarif(report), null, 2) + "\n");
  console.log(renderTerminal(report));
  console.log(`\nreports: ${path.join(options.out, "audit.json")}, ${path.join(options.out, "audit.sarif")}`);
  return report.openFindings === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
