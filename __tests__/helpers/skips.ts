import { appendFileSync } from "node:fs";
import * as path from "node:path";

/**
 * Skip records for the end-of-run summary (__tests__/reporters/skip-summary.js). Jest hides the
 * console output of a test file whose tests are all skipped, so a skip's reason would otherwise be
 * invisible in a full run. The reporter creates one file per run and names it in this variable
 * (set in the parent process before the workers start, so every worker inherits it).
 */
export const SKIP_RECORDS_ENV = "OPENCLAW_AWS_SKIP_RECORDS";

/** One skipped part of a test file: what did not run, why, and the command that enables it. */
export interface SkipRecord {
  testPath: string;
  what: string;
  problem: string;
  enable: string;
}

const REPO = path.resolve(__dirname, "../..");

/**
 * The command (or step) that removes a skip's cause. Each cause has one setup step in the
 * README's "Test" section; the problem sentences come from the *Problem() helpers of the suites.
 */
export function enableCommand(problem: string): string {
  if (/openclaw fixture|__tests__\/setup\/openclaw\.sh/.test(problem)) return "bash __tests__/setup/openclaw.sh";
  if (/__tests__\/setup\/node\.sh/.test(problem)) return "bash __tests__/setup/node.sh";
  if (/terraform|AWS provider|TF_PROVIDER_MIRROR/.test(problem)) {
    return "install terraform 1.11 and the AWS provider 5.100.0 filesystem mirror (set TF_PROVIDER_MIRROR; README \"Test\")";
  }
  if (/needs root|unshare|namespace/.test(problem)) return "run the tests as root (sudo npm test) on a machine with user/network namespaces";
  if (/is not installed/.test(problem)) return "sudo bash __tests__/setup/boot-tests.sh";
  return "see README \"Test\"";
}

/** Appends a skip record to this run's file, when the skip-summary reporter runs. */
export function recordSkip(what: string, problem: string, env: NodeJS.ProcessEnv = process.env): SkipRecord {
  const file = env[SKIP_RECORDS_ENV];
  const state = (globalThis as { expect?: { getState(): { testPath?: string } } }).expect?.getState();
  const testPath = path.relative(REPO, state?.testPath ?? "unknown");
  const record = { testPath, what, problem, enable: enableCommand(problem) };
  // One line per append: O_APPEND writes this small are not interleaved between workers.
  if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
  return record;
}
