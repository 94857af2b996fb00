// @ts-check
/**
 * One temporary folder per jest run (jest.config.js's globalSetup and globalTeardown), so that a run
 * leaves nothing in the machine's temp folder: Testing.app()'s cdktf.outdir.*, the terraform stack
 * folders, the sandboxes and gateways of the integration tier all come from os.tmpdir(), which reads
 * TMPDIR. globalSetup runs in jest's parent process before it starts its workers, so they inherit it.
 *
 * What must outlive the run stays outside: the converged terraform states
 * (__tests__/helpers/terraform-state.ts) get their default folder from the temp folder as it was
 * before the override, unless OPENCLAW_TF_STATE_CACHE already names one.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** Names this run's folder while the run lasts. */
const RUN_TMPDIR_ENV = "OPENCLAW_AWS_RUN_TMPDIR";
/** TMPDIR as it was before the run (empty when it was unset), restored by the teardown. */
const SAVED_TMPDIR_ENV = "OPENCLAW_AWS_SAVED_TMPDIR";
/** Same name as STATE_CACHE_ENV in __tests__/helpers/terraform-state.ts. */
const STATE_CACHE_ENV = "OPENCLAW_TF_STATE_CACHE";

/** Creates $TMPDIR/openclaw-aws-test-<pid> and points TMPDIR at it; returns its path. */
function createRunTmpdir(env = process.env, pid = process.pid) {
  const base = os.tmpdir();
  env[STATE_CACHE_ENV] ??= path.join(base, "openclaw-aws-tf-states");
  const dir = path.join(base, `openclaw-aws-test-${pid}`);
  fs.rmSync(dir, { recursive: true, force: true }); // a killed run with the same pid
  fs.mkdirSync(dir, { recursive: true });
  env[SAVED_TMPDIR_ENV] = env.TMPDIR ?? "";
  env[RUN_TMPDIR_ENV] = dir;
  env.TMPDIR = dir;
  return dir;
}

/** Deletes this run's folder and gives TMPDIR back its value from before the run. */
function removeRunTmpdir(env = process.env) {
  const dir = env[RUN_TMPDIR_ENV];
  if (!dir) return;
  fs.rmSync(dir, { recursive: true, force: true });
  if (env[SAVED_TMPDIR_ENV]) env.TMPDIR = env[SAVED_TMPDIR_ENV];
  else delete env.TMPDIR;
  delete env[SAVED_TMPDIR_ENV];
  delete env[RUN_TMPDIR_ENV];
}

module.exports = { createRunTmpdir, removeRunTmpdir, RUN_TMPDIR_ENV, STATE_CACHE_ENV };
