import { readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * .ci/run runs `npm test` in two parts (the integration tier on the idle machine, then the unit and terraform tiers
 * beside the VM proof): together they must be exactly npm test's jest projects, each once, or a tier added to
 * jest.config.js would pass npm test locally and never run in CI.
 */
const ROOT = path.resolve(__dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const projects: string[] = require(path.join(ROOT, "jest.config.js")).projects.map((p: { displayName: string }) => p.displayName);

/** The projects of each run of .ci/run that writes one of npm test's reports (reports/jest.json, reports/jest-beside.json). */
function npmTestRuns(script: string): string[][] {
  return [...script.matchAll(/--selectProjects ([a-z ]+?) --json --outputFile=reports\/jest(?:-beside)?\.json/g)].map((m) => m[1].split(" "));
}

describe(".ci/run runs all of npm test", () => {
  const script = readFileSync(path.join(ROOT, ".ci/run"), "utf8");

  test("its two runs select every jest project of npm test exactly once", () => {
    const runs = npmTestRuns(script);
    expect(runs).toHaveLength(2);
    expect(runs.flat().sort()).toEqual([...projects].sort());
  });

  test("the first run is npm test itself (type-check and set-up), on the integration tier; the second runs beside the VM, niced", () => {
    expect(script).toContain("npm test -- --selectProjects integration --json --outputFile=reports/jest.json");
    expect(script).toMatch(/\nbeside node_modules\/\.bin\/jest --selectProjects unit terraform --json --outputFile=reports\/jest-beside\.json/);
    expect(script).toContain('beside() { nice -n 19 ionice -c 2 -n 7 "$@"; }');
    // Both reports are counted by the closing summary (a missing one is a failure there).
    expect(script).toContain('load("reports/jest.json")');
    expect(script).toContain('load("reports/jest-beside.json")');
  });

  test("the check can fail: a project left out is found", () => {
    const without = script.replace("--selectProjects unit terraform --json", "--selectProjects unit --json");
    expect(npmTestRuns(without).flat().sort()).not.toEqual([...projects].sort());
  });
});
