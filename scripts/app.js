#!/usr/bin/env node
// @ts-check
"use strict";
/**
 * cdktf.json's `app` (run by `npm run synth` and by `cdktf synth`): bundles main.ts with esbuild
 * into .gen/main.js, then runs the bundle with node.
 *  - The bundle is built in memory and each file is written under a temporary name, then renamed
 *    into place (atomic within one filesystem). With `esbuild --outfile` two synths at once (parallel
 *    test workers, `cdktf synth` beside `npm run synth`) could run each other's half-written bundle:
 *    "SyntaxError: Unexpected end of input" in .gen/main.js, 1 run in 18 with six at a time.
 *  - target node22: the oldest supported Node line (package.json engines).
 *  - --disable-warning=DEP0044: cdktf 0.21.0 (final release) calls util.isArray in TerraformOutput,
 *    which Node 22+ reports on every synth; no other warning is hidden.
 * Plain JavaScript so it starts in node directly, on every supported Node (no tsx start-up).
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

// The project is the working folder: cdktf and scripts/synth.js run the app from the project root,
// and a copy of the project with symlinked sources (npm run bench) then builds into its own .gen.
const ROOT = process.cwd();
const BUNDLE = path.join(ROOT, ".gen", "main.js");

/** Builds main.ts into .gen/main.js (+ .map), each file replaced atomically. */
function bundle() {
  // Loaded here so that `require("./app.js")` in a test costs nothing.
  const esbuild = require("esbuild");
  const result = esbuild.buildSync({
    entryPoints: [path.join(ROOT, "main.ts")],
    bundle: true,
    platform: "node",
    target: "node22",
    sourcemap: true,
    logLevel: "warning",
    outfile: BUNDLE,
    write: false,
  });
  fs.mkdirSync(path.dirname(BUNDLE), { recursive: true });
  for (const file of result.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, file.contents);
    fs.renameSync(temporary, file.path);
  }
}

function main() {
  try {
    bundle();
  } catch {
    return 1; // esbuild has printed the errors (file:line, what is wrong)
  }
  const run = spawnSync(process.execPath, ["--enable-source-maps", "--disable-warning=DEP0044", BUNDLE], { stdio: "inherit" });
  if (run.error) throw run.error;
  return run.status ?? 1;
}

if (require.main === module) process.exitCode = main();

module.exports = { bundle, BUNDLE };
