import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

/**
 * A fresh clone's `npm test` needs nothing outside the repository: no test, script, CI step or
 * config names a path beside or above the clone (the schemas used to be read from ../shared).
 */
const ROOT = path.resolve(__dirname, "../..");
const SCANNED = ["__tests__", "scripts", ".ci", ".github", "modules", "main.ts", "jest.config.js", "package.json", "cdktf.json", "tsconfig.json"];
const SKIPPED_DIRS = new Set(["node_modules", ".cache", "cdktf.out", "__snapshots__"]);
/**
 * `../shared` (also as path.join segments "..", "shared"), or an absolute path into this machine's
 * work or home directories, in a string.
 */
const OUTSIDE = /\.\.\/shared\b|["']shared["']|["'`]\/work\/|["'`]\/root\/|["'`]\/home\/[a-z]/;
/** Home paths that are test data (a user's project directory in state.test.ts), not reads. */
const DATA_PATHS = /"\/home\/me\//;
/** Data files, not code: openclaw's config schema has `"shared"` among its values. */
const DATA_FILES = new Set(["modules/openclaw/config-schema.json"]);

function* files(entry: string): Generator<string> {
  const full = path.join(ROOT, entry);
  if (!statSync(full, { throwIfNoEntry: false })) return;
  if (statSync(full).isFile()) { yield entry; return; }
  for (const name of readdirSync(full)) {
    if (SKIPPED_DIRS.has(name) || entry === "__tests__/fixtures/schemas") continue;
    yield* files(path.join(entry, name));
  }
}

test("no test, script, CI file or config reads outside the repository", () => {
  const offending: string[] = [];
  for (const file of SCANNED.flatMap((e) => [...files(e)])) {
    if (file === "__tests__/unit/self-contained.test.ts" || DATA_FILES.has(file)) continue;
    readFileSync(path.join(ROOT, file), "utf8").split("\n").forEach((line, i) => {
      if (OUTSIDE.test(line) && !DATA_PATHS.test(line)) offending.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(offending).toEqual([]);
});

test("the check finds what it looks for", () => {
  expect(OUTSIDE.test('const SCHEMA = path.join(ROOT, "../shared/schemas/github-workflow.json");')).toBe(true);
  expect(OUTSIDE.test('readFileSync("/work/shared/DESIGN.md")')).toBe(true);
  expect(OUTSIDE.test('const schemaDir = path.join(__dirname, "..", "..", "..", "shared", "schemas");')).toBe(true);
  expect(OUTSIDE.test('const dir = path.join(__dirname, "..", "fixtures", "schemas");')).toBe(false);
});
