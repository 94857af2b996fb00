import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A jest run leaves nothing in the temp folder (issue 16: every `npm test` left ~1 000 folders in
 * /tmp). A child jest runs a tiny project of two files in two workers with the repository's own
 * jest.config.js hooks; each file makes a temp folder and leaves it, the way Testing.app() and the
 * terraform helpers do. Afterwards the child's TMPDIR must be empty, the files must have seen a
 * per-run folder inside it, and the terraform state cache must point outside that folder (it is
 * kept between runs).
 */
const REPO = path.resolve(__dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(path.join(REPO, "jest.config.js")) as { globalSetup?: string; globalTeardown?: string };
const hook = (file: string | undefined) => file && file.replace("<rootDir>", REPO);

const LEAKY_TEST = `
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
test("leaves a temp folder behind", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leak-"));
  fs.writeFileSync(path.join(dir, "file"), "x");
  fs.writeFileSync(path.join(process.env.REPORT_DIR, path.basename(__filename) + ".json"), JSON.stringify({
    dir, pid: process.pid, stateCache: process.env.OPENCLAW_TF_STATE_CACHE,
  }));
});
`;

describe("one temporary folder per jest run", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "run-tmpdir-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("the files' temp folders are inside a per-run folder that is gone after the run; the state cache is outside it", () => {
    const project = path.join(root, "project");
    const tmp = path.join(root, "tmp");
    const reports = path.join(root, "reports");
    for (const dir of [project, tmp, reports]) mkdirSync(dir);
    for (const name of ["a", "b"]) writeFileSync(path.join(project, `${name}.test.js`), LEAKY_TEST);
    writeFileSync(path.join(project, "jest.config.json"), JSON.stringify({
      rootDir: project,
      testEnvironment: "node",
      transform: {},
      maxWorkers: 2,
      // A fresh cache has no timings, so jest does not fall back to running the two files in band.
      cacheDirectory: path.join(root, "jest-cache"),
      globalSetup: hook(config.globalSetup),
      globalTeardown: hook(config.globalTeardown),
    }));
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, REPORT_DIR: reports };
    delete env.OPENCLAW_TF_STATE_CACHE;
    delete env.JEST_WORKER_ID;
    const child = spawnSync(process.execPath, [path.join(REPO, "node_modules/jest/bin/jest.js"), "--config", path.join(project, "jest.config.json")],
      { cwd: project, env, encoding: "utf8" });
    expect(`${child.status}\n${child.stderr}`).toMatch(/^0\n/);

    const seen = readdirSync(reports).sort().map((name) => JSON.parse(readFileSync(path.join(reports, name), "utf8")));
    expect(seen).toHaveLength(2);
    for (const file of seen) {
      expect(path.dirname(path.dirname(file.dir))).toBe(tmp);
      expect(path.basename(path.dirname(file.dir))).toMatch(/^openclaw-aws-test-\d+$/);
      expect(file.stateCache).toBe(path.join(tmp, "openclaw-aws-tf-states"));
      expect(file.pid).not.toBe(child.pid); // ran in a worker, which inherited TMPDIR
    }
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);
});
