import * as path from "node:path";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const reporter = require("../reporters/slow-files.js");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const jestConfig = require("../../jest.config.js");

/**
 * The npm test time budget (issue 16: <= 180 s on an idle 2-core machine) stays visible: every run
 * ends with its wall time and slowest files, and jest runs two files at a time.
 */
const ROOT = path.resolve(__dirname, "../..");
const result = (file: string, start: number, end: number) => ({ testFilePath: path.join(ROOT, file), perfStats: { start, end } });

describe("slow-files reporter", () => {
  const results = [
    result("__tests__/unit/a.test.ts", 1_000, 3_500),
    result("__tests__/integration/b.test.ts", 0, 80_000),
    result("__tests__/integration/c.test.ts", 5_000, 45_000),
  ];

  test("file durations in seconds, slowest first, relative to the project", () => {
    expect(reporter.fileDurations(results, ROOT)).toEqual([
      { file: "__tests__/integration/b.test.ts", seconds: 80 },
      { file: "__tests__/integration/c.test.ts", seconds: 40 },
      { file: "__tests__/unit/a.test.ts", seconds: 2.5 },
    ]);
  });

  test("the summary: totals, then the slowest files; no warning within the budget", () => {
    const text: string = reporter.timingSummary(reporter.fileDurations(results, ROOT), { wallSeconds: 95, workers: 2, budgetSeconds: 180 });
    expect(text.split("\n")).toEqual([
      "TIMING: 95 s wall with 2 worker(s); 3 files took 123 s in sum.",
      "Slowest files:",
      "    80.0 s  __tests__/integration/b.test.ts",
      "    40.0 s  __tests__/integration/c.test.ts",
      "     2.5 s  __tests__/unit/a.test.ts",
    ]);
  });

  test("over the budget it says so, naming the variable", () => {
    const text: string = reporter.timingSummary(reporter.fileDurations(results, ROOT), { wallSeconds: 181, workers: 1, budgetSeconds: 180 });
    expect(text.split("\n")[1]).toBe(`!!! over the 180 s budget (${reporter.BUDGET_ENV}): on a busy machine that is expected, on an idle one look at the files below.`);
  });

  test("the reporter writes the summary at the end of a run, with the run's wall time and worker count", () => {
    const written: string[] = [];
    const instance = new reporter({ rootDir: ROOT, maxWorkers: 2 }, {}, { write: (t: string) => written.push(t), now: () => 100_000 });
    instance.onRunComplete(undefined, { startTime: 10_000, testResults: results });
    expect(written.join("")).toContain("TIMING: 90 s wall with 2 worker(s); 3 files took 123 s in sum.");
  });

  test("jest.config.js runs two files at a time and ends with this summary", () => {
    expect(jestConfig.maxWorkers).toBe(2);
    expect(jestConfig.reporters).toContain("<rootDir>/__tests__/reporters/slow-files.js");
  });
});
