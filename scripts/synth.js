#!/usr/bin/env node
// @ts-check
"use strict";
/**
 * `npm run synth`: runs cdktf.json's `app` command the way `cdktf synth` (cdktf-cli 0.21.0) does,
 * without loading cdktf-cli. The CLI adds ~2 s of start-up, and on Node 24 it cannot start at all:
 * it loads node-pty, whose prebuilt binaries stop at Node 22 (ERR_DLOPEN_FAILED / MODULE_NOT_FOUND
 * pty.node). What the CLI does around the app, and what this script repeats
 * (node_modules/@cdktf/cli-core/src/lib/synth-stack.js, SynthStack.synth):
 *   - runs `app` in a shell from the project root, TF_VAR_* variables removed from its environment,
 *     NODE_OPTIONS=--max-old-space-size=4096 when NODE_OPTIONS is unset, and
 *     CDKTF_OUTDIR=<output>, CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS=true,
 *     CDKTF_CONTEXT_JSON={...existing, cdktfRelativeModules}, SYNTH_HCL_OUTPUT=false;
 *   - fails when the app wrote no manifest.json, then deletes stack folders under <output>/stacks
 *     that the new manifest no longer names (a removed environment);
 *   - prints "Generated Terraform code for the stacks: …".
 * It skips the CLI's telemetry and update check (which print a red checkpoint [ERROR] offline).
 * Usage: node scripts/synth.js [--output <dir>]   (default: cdktf.json's "output", else cdktf.out)
 * Plain JavaScript so it starts in node directly, on every supported Node (no tsx start-up).
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

/**
 * The parts of cdktf.json a synth needs.
 * @param {string} root project root
 * @returns {{ app: string, output: string, terraformModules: Array<string | { source: string }> }}
 */
function readCdktfConfig(root) {
  const file = path.join(root, "cdktf.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8"));
  if (typeof config.app !== "string" || config.app.trim() === "") throw new Error(`${file}: "app" must be the command that synthesizes the app`);
  return { app: config.app, output: config.output ?? "cdktf.out", terraformModules: config.terraformModules ?? [] };
}

/**
 * Modules from local folders, which cdktf-cli hands to the app as context (cdktfRelativeModules).
 * @param {Array<string | { source: string }>} modules
 */
function relativeModules(modules) {
  const local = (/** @type {string} */ s) => s.startsWith("./") || s.startsWith("../");
  return modules.filter((m) => local(typeof m === "string" ? m : m.source));
}

/**
 * The app's environment, as cdktf-cli 0.21.0 builds it.
 * @param {NodeJS.ProcessEnv} env the caller's environment
 * @param {string} outdir
 * @param {Array<string | { source: string }>} modules cdktf.json's terraformModules
 * @returns {NodeJS.ProcessEnv}
 */
function appEnvironment(env, outdir, modules) {
  const kept = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("TF_VAR_")));
  if (!kept.NODE_OPTIONS) kept.NODE_OPTIONS = "--max-old-space-size=4096";
  const context = env.CDKTF_CONTEXT_JSON ? JSON.parse(env.CDKTF_CONTEXT_JSON) : {};
  return {
    ...kept,
    CDKTF_OUTDIR: outdir,
    CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true",
    CDKTF_CONTEXT_JSON: JSON.stringify({ ...context, cdktfRelativeModules: relativeModules(modules) }),
    SYNTH_HCL_OUTPUT: "false",
  };
}

/**
 * Stack folders under <outdir>/stacks.
 * @param {string} outdir
 * @returns {string[]}
 */
function stackFolders(outdir) {
  const stacks = path.join(outdir, "stacks");
  if (!fs.existsSync(stacks)) return [];
  return fs.readdirSync(stacks, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
}

/**
 * Folders that existed before the synth and that the new manifest does not name.
 * @param {string[]} before folder names
 * @param {string[]} stacks stack names in the manifest
 */
const orphanedFolders = (before, stacks) => before.filter((name) => !stacks.includes(name));

/**
 * Runs the synth; returns the exit code.
 * @param {string} root project root
 * @param {string[]} argv arguments after the script name
 * @param {NodeJS.ProcessEnv} env
 */
function synth(root, argv, env) {
  const config = readCdktfConfig(root);
  const at = argv.indexOf("--output");
  const output = at >= 0 ? argv[at + 1] : config.output;
  if (!output) throw new Error("--output needs a directory");
  const outdir = path.resolve(root, output);
  const before = stackFolders(outdir);
  const manifestFile = path.join(outdir, "manifest.json");
  // A manifest left from an earlier synth must not pass for this one's.
  fs.rmSync(manifestFile, { force: true });
  const run = spawnSync(config.app, { shell: true, cwd: root, stdio: "inherit", env: appEnvironment(env, output, config.terraformModules) });
  if (run.error) throw run.error;
  if (run.status !== 0) return run.status ?? 1;
  if (!fs.existsSync(manifestFile)) {
    console.error(`synth: the app (${config.app}) wrote no ${manifestFile}: it must call app.synth()`);
    return 1;
  }
  const stacks = Object.keys(JSON.parse(fs.readFileSync(manifestFile, "utf8")).stacks ?? {});
  for (const name of orphanedFolders(before, stacks)) fs.rmSync(path.join(outdir, "stacks", name), { recursive: true, force: true });
  if (stacks.length === 0) {
    console.error("synth: no Terraform code synthesized (settings.json has no environment)");
    return 1;
  }
  console.log(`Generated Terraform code for the stacks: ${stacks.join(", ")}`);
  return 0;
}

module.exports = { readCdktfConfig, relativeModules, appEnvironment, orphanedFolders, synth };

if (require.main === module) {
  try {
    process.exitCode = synth(path.resolve(__dirname, ".."), process.argv.slice(2), process.env);
  } catch (e) {
    console.error(`synth: ${/** @type {Error} */ (e).message}`);
    process.exitCode = 1;
  }
}
