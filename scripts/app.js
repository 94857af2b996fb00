#!/usr/bin/env node
// @ts-check
"use strict";
/**
 * cdktf.json's `app` (run by `npm run synth` and by `cdktf synth`): bundles main.ts with esbuild
 * into .gen/main.js, then runs the bundle with node.
 *  - The bundle is built in a folder of its own (.gen-build-<pid>/), then each file is renamed
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

/**
 * Builds main.ts into .gen/main.js (+ .map) through a private folder, then renames each file into
 * place. esbuild's own binary (its CLI) is the fastest way to run it (its JS API adds ~0.2 s here).
 * @returns {number} esbuild's exit status (it prints its own errors: file, line, what is wrong)
 */
function bundle() {
  const gen = path.dirname(BUNDLE);
  // Beside .gen, not inside it: the map's relative source paths (../main.ts) stay right after the move.
  const own = path.join(ROOT, `.gen-build-${process.pid}`);
  fs.mkdirSync(own, { recursive: true });
  try {
    const esbuild = path.join(ROOT, "node_modules", ".bin", "esbuild");
    const args = ["main.ts", "--bundle", "--platform=node", "--target=node22", "--sourcemap", "--log-level=warning", `--outfile=${path.join(own, "main.js")}`];
    const run = spawnSync(esbuild, args, { cwd: ROOT, stdio: "inherit" });
    if (run.error) throw run.error;
    if (run.status !== 0) return run.status ?? 1;
    // Same file names as the final ones, so the bundle's sourceMappingURL (main.js.map) stays right.
    fs.mkdirSync(gen, { recursive: true });
    for (const name of ["main.js.map", "main.js"]) fs.renameSync(path.join(own, name), path.join(gen, name));
    return 0;
  } finally {
    fs.rmSync(own, { recursive: true, force: true });
  }
}

function main() {
  const built = bundle();
  if (built !== 0) return built;
  const run = spawnSync(process.execPath, ["--enable-source-maps", "--disable-warning=DEP0044", BUNDLE], { stdio: "inherit" });
  if (run.error) throw run.error;
  return run.status ?? 1;
}

if (require.main === module) process.exitCode = main();

module.exports = { bundle, BUNDLE };
