// @ts-check
/**
 * Jest reporter: at the end of a run, the wall time, the worker count, the sum of the files'
 * durations and the slowest files, so that a test that makes `npm test` slow is seen in the run
 * that adds it (issue 16: `npm test` <= 180 s on an idle 2-core machine). It only prints: wall
 * time depends on the machine's load, so a hard limit here would fail for reasons outside the code.
 * OPENCLAW_TEST_BUDGET_S (default 180) sets the wall time above which it says so loudly.
 */

const BUDGET_ENV = "OPENCLAW_TEST_BUDGET_S";
/** Default budget in seconds (issue 16). */
const DEFAULT_BUDGET_S = 180;
/** How many files the summary names. */
const SHOWN = 8;

/**
 * Durations in seconds of the files of a run, slowest first.
 * @param {Array<{ testFilePath: string, perfStats: { start: number, end: number } }>} testResults
 * @param {string} rootDir
 * @returns {Array<{ file: string, seconds: number }>}
 */
function fileDurations(testResults, rootDir) {
  const path = require("node:path");
  return testResults
    .map((r) => ({ file: path.relative(rootDir, r.testFilePath), seconds: Math.max(0, r.perfStats.end - r.perfStats.start) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file));
}

/**
 * The timing summary: one line of totals, a warning when the wall time is over budget, the slowest files.
 * @param {Array<{ file: string, seconds: number }>} durations slowest first (fileDurations)
 * @param {{ wallSeconds: number, workers: number, budgetSeconds: number }} run
 */
function timingSummary(durations, { wallSeconds, workers, budgetSeconds }) {
  const sum = durations.reduce((total, d) => total + d.seconds, 0);
  const lines = [`TIMING: ${wallSeconds.toFixed(0)} s wall with ${workers} worker(s); ${durations.length} files took ${sum.toFixed(0)} s in sum.`];
  if (wallSeconds > budgetSeconds) {
    lines.push(`!!! over the ${budgetSeconds} s budget (${BUDGET_ENV}): on a busy machine that is expected, on an idle one look at the files below.`);
  }
  lines.push(`Slowest files:`);
  for (const d of durations.slice(0, SHOWN)) lines.push(`  ${d.seconds.toFixed(1).padStart(6)} s  ${d.file}`);
  return lines.join("\n");
}

class SlowFilesReporter {
  /** @param {{ rootDir: string, maxWorkers: number }} globalConfig */
  constructor(globalConfig, _options, { write = (text) => process.stderr.write(text), now = () => Date.now() } = {}) {
    this.globalConfig = globalConfig;
    this.write = write;
    this.now = now;
  }

  /** @param {unknown} _contexts @param {{ startTime: number, testResults: any[] }} results */
  onRunComplete(_contexts, results) {
    if (results.testResults.length === 0) return;
    const budgetSeconds = Number(process.env[BUDGET_ENV] ?? DEFAULT_BUDGET_S);
    const summary = timingSummary(fileDurations(results.testResults, this.globalConfig.rootDir), {
      wallSeconds: (this.now() - results.startTime) / 1000,
      workers: this.globalConfig.maxWorkers,
      budgetSeconds,
    });
    this.write(`\n${summary}\n`);
  }

  getLastError() {
    return undefined;
  }
}

module.exports = SlowFilesReporter;
module.exports.fileDurations = fileDurations;
module.exports.timingSummary = timingSummary;
module.exports.BUDGET_ENV = BUDGET_ENV;
