import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { enableCommand, recordSkip, SKIP_RECORDS_ENV } from "../helpers/skips";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const reporter = require("../reporters/skip-summary.js");

/**
 * Every skip is visible at the end of a full run: the skip-summary reporter names each skipped file
 * and test, the reason requireInCi recorded, and the command that enables it.
 */
const ROOT = path.resolve(__dirname, "../..");

describe("skip summary (pure)", () => {
  const results = [
    { testFilePath: path.join(ROOT, "__tests__/integration/a.test.ts"), testResults: [
      { status: "pending", fullName: "suite A one" }, { status: "pending", fullName: "suite A two" }] },
    { testFilePath: path.join(ROOT, "__tests__/unit/b.test.ts"), testResults: [
      { status: "passed", fullName: "b runs" }, { status: "pending", fullName: "b skipped" }] },
    { testFilePath: path.join(ROOT, "__tests__/unit/c.test.ts"), testResults: [{ status: "passed", fullName: "c runs" }] },
  ];
  const records = [
    { testPath: "__tests__/integration/a.test.ts", what: "the A test", problem: "the openclaw fixture is not installed", enable: "bash __tests__/setup/openclaw.sh" },
    { testPath: "__tests__/integration/a.test.ts", what: "the A test", problem: "the openclaw fixture is not installed", enable: "bash __tests__/setup/openclaw.sh" },
  ];

  test("names each skipped file and test, the reason and the enabling command; files without skips are not named", () => {
    const text: string = reporter.skipSummary(results, records, ROOT);
    expect(text.split("\n")).toEqual([
      "SKIPPED: 3 test(s) in 2 file(s) did not run.",
      "  __tests__/integration/a.test.ts (2 skipped)",
      "    why: the A test: the openclaw fixture is not installed",
      "    enable: bash __tests__/setup/openclaw.sh",
      "    - suite A one",
      "    - suite A two",
      "  __tests__/unit/b.test.ts (1 skipped)",
      "    why: skipped in the test file itself (test.skip / describe.skip), no reason recorded",
      "    - b skipped",
      "To run them: bash __tests__/setup/openclaw.sh. With CI set, a skip is a failure.",
    ]);
  });

  test("prints nothing when nothing was skipped", () => {
    expect(reporter.skipSummary([results[2]], [], ROOT)).toBe("");
  });

  test("each cause maps to its setup command", () => {
    expect(enableCommand("the openclaw fixture is not installed in /x; run __tests__/setup/openclaw.sh")).toBe("bash __tests__/setup/openclaw.sh");
    expect(enableCommand("no AWS provider 5.100.0 in the filesystem mirror /opt/tf-plugins (set TF_PROVIDER_MIRROR)")).toMatch(/TF_PROVIDER_MIRROR/);
    expect(enableCommand("the terraform binary is not on PATH")).toMatch(/terraform 1\.11/);
    expect(enableCommand("shellcheck is not installed")).toBe("sudo bash __tests__/setup/boot-tests.sh");
    expect(enableCommand("unshare --uts needs root")).toMatch(/as root/);
  });

  test("recordSkip appends one JSON line per skip to the run's file, with this test file's path", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "skips-"));
    try {
      const file = path.join(dir, "skips.jsonl");
      recordSkip("thing one", "shellcheck is not installed", { [SKIP_RECORDS_ENV]: file });
      recordSkip("thing two", "the terraform binary is not on PATH", { [SKIP_RECORDS_ENV]: file });
      expect(reporter.readRecords(file)).toEqual([
        { testPath: "__tests__/unit/skip-summary.test.ts", what: "thing one", problem: "shellcheck is not installed", enable: "sudo bash __tests__/setup/boot-tests.sh" },
        expect.objectContaining({ what: "thing two", enable: expect.stringMatching(/terraform/) }),
      ]);
      expect(readFileSync(file, "utf8").split("\n")).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("a real jest run (two workers) with a fake skipped suite ends with the summary naming it", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "skip-run-"));
  try {
    const config = path.join(dir, "jest.config.json");
    writeFileSync(config, JSON.stringify({
      rootDir: ROOT,
      testEnvironment: "node",
      transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
      moduleFileExtensions: ["ts", "js", "json"],
      testMatch: ["<rootDir>/__tests__/fixtures/skip-summary/*.fixture.ts"],
      modulePathIgnorePatterns: ["<rootDir>/.cache/", "<rootDir>/cdktf.out/"],
      reporters: ["default", "<rootDir>/__tests__/reporters/skip-summary.js"],
    }));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CI;
    delete env[SKIP_RECORDS_ENV];
    const run = spawnSync(path.join(ROOT, "node_modules/.bin/jest"), ["--config", config, "--maxWorkers=2", "--ci"],
      { cwd: ROOT, encoding: "utf8", env });
    const summary = run.stderr.slice(run.stderr.indexOf("SKIPPED:"));
    expect(run.status).toBe(0);
    expect(summary).toContain("SKIPPED: 3 test(s) in 2 file(s) did not run.");
    expect(summary).toContain([
      "  __tests__/fixtures/skip-summary/recorded.fixture.ts (2 skipped)",
      "    why: the demo suite: the demo fixture is not installed in /nowhere; run __tests__/setup/openclaw.sh",
      "    enable: bash __tests__/setup/openclaw.sh",
      "    - a demo suite that needs a fixture first demo test",
      "    - a demo suite that needs a fixture second demo test",
    ].join("\n"));
    expect(summary).toContain("  __tests__/fixtures/skip-summary/plain.fixture.ts (1 skipped)\n    why: skipped in the test file itself");
    expect(summary).toContain("To run them: bash __tests__/setup/openclaw.sh.");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
