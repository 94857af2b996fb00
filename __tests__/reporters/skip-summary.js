// @ts-check
/**
 * Jest reporter: at the end of a run, names every skipped test file and test, why it was skipped
 * and the command that enables it. Jest itself prints only "N skipped" and hides the console
 * output of a file whose tests are all skipped, so a missing fixture would otherwise go unseen.
 *
 * The reasons come from requireInCi (__tests__/helpers/settings.ts → skips.ts), which appends one
 * JSON line per skip to the file named in OPENCLAW_AWS_SKIP_RECORDS. This reporter creates that
 * file in onRunStart, before jest starts its workers (they inherit the variable), and deletes it
 * at the end. Skipped tests with no record (a plain test.skip) are listed too.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const SKIP_RECORDS_ENV = "OPENCLAW_AWS_SKIP_RECORDS";

/**
 * The summary text for the given test results and skip records, or "" when nothing was skipped.
 * @param {Array<{ testFilePath: string, testResults: Array<{ status: string, fullName: string }> }>} testResults
 * @param {Array<{ testPath: string, what: string, problem: string, enable: string }>} records
 * @param {string} rootDir
 */
function skipSummary(testResults, records, rootDir) {
  const files = new Map();
  const entry = (file) => files.get(file) ?? files.set(file, { tests: [], reasons: [] }).get(file);
  for (const result of testResults) {
    const skipped = result.testResults.filter((t) => t.status === "pending" || t.status === "skipped");
    if (skipped.length > 0) entry(path.relative(rootDir, result.testFilePath)).tests.push(...skipped.map((t) => t.fullName));
  }
  for (const record of records) {
    const reasons = entry(record.testPath).reasons;
    if (!reasons.some((r) => r.what === record.what)) reasons.push(record);
  }
  const total = [...files.values()].reduce((n, f) => n + f.tests.length, 0);
  if (files.size === 0) return "";
  const lines = [`SKIPPED: ${total} test(s) in ${files.size} file(s) did not run.`];
  for (const [file, { tests, reasons }] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${file} (${tests.length} skipped)`);
    if (reasons.length === 0) lines.push("    why: skipped in the test file itself (test.skip / describe.skip), no reason recorded");
    for (const r of reasons) {
      lines.push(`    why: ${r.what}: ${r.problem}`);
      lines.push(`    enable: ${r.enable}`);
    }
    for (const name of tests) lines.push(`    - ${name}`);
  }
  const commands = [...new Set([...files.values()].flatMap((f) => f.reasons.map((r) => r.enable)))];
  if (commands.length > 0) lines.push("To run them: " + commands.join("; ") + ". With CI set, a skip is a failure.");
  return lines.join("\n");
}

/** Reads the JSON lines of a records file; a missing file means no records. */
function readRecords(file) {
  if (!file || !fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

class SkipSummaryReporter {
  /** @param {{ rootDir: string }} globalConfig */
  constructor(globalConfig, _options, { write = (text) => process.stderr.write(text) } = {}) {
    this.rootDir = globalConfig.rootDir;
    this.write = write;
    this.dir = undefined;
  }

  onRunStart() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "jest-skips-"));
    process.env[SKIP_RECORDS_ENV] = path.join(this.dir, "skips.jsonl");
  }

  /** @param {unknown} _contexts @param {{ testResults: any[] }} results */
  onRunComplete(_contexts, results) {
    const file = process.env[SKIP_RECORDS_ENV];
    const summary = skipSummary(results.testResults, readRecords(file), this.rootDir);
    if (summary) this.write(`\n${summary}\n`);
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    delete process.env[SKIP_RECORDS_ENV];
  }

  getLastError() {
    return undefined;
  }
}

module.exports = SkipSummaryReporter;
module.exports.skipSummary = skipSummary;
module.exports.readRecords = readRecords;
module.exports.SKIP_RECORDS_ENV = SKIP_RECORDS_ENV;
