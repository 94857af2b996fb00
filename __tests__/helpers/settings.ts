import { GatewaySettings, GatewaySettingsInput, problemLine, resolveSettings, resolveSettingsFile, SettingsError } from "../../modules/settings/settings";
import { recordSkip } from "./skips";

/**
 * Deployable-looking values for tests: not the RFC 2606 example domains, which are placeholders
 * that `terraform plan` refuses (modules/settings/rules.ts placeholderWarnings).
 */
export const TEST_DOMAIN = "gateway.clawops.dev";
export const TEST_EMAIL = "ops@clawops.dev";

/** Valid settings for tests: the defaults plus the three required values, with overrides. */
export function testSettings(overrides: Partial<GatewaySettingsInput> = {}): GatewaySettings {
  return resolveSettings({
    environment: "test",
    domainName: TEST_DOMAIN,
    acmeEmail: TEST_EMAIL,
    ...overrides,
  } as GatewaySettingsInput);
}

/**
 * Fails loudly in CI, warns loudly elsewhere, when an external tool a test needs is missing. The
 * skip is also recorded for the end-of-run summary (__tests__/reporters/skip-summary.js), because
 * jest hides the console of a file whose tests are all skipped.
 */
export function requireInCi(problem: string | undefined, what: string): boolean {
  if (!problem) return true;
  if (process.env.CI) throw new Error(`${what} cannot run in CI: ${problem}`);
  const { enable } = recordSkip(what, problem);
  // eslint-disable-next-line no-console
  console.warn(`\n!!! SKIPPING ${what}: ${problem}. Enable it with: ${enable}. (In CI this is a failure.)\n`);
  return false;
}

/** The problem lines of a settings file with one environment "prod" (TEST_DOMAIN, TEST_EMAIL) plus `extra` ([] when valid). */
export function environmentProblems(extra: Record<string, unknown>): string[] {
  try {
    resolveSettingsFile({ environments: [{ environment: "prod", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, ...extra }] });
    return [];
  } catch (e) {
    if (e instanceof SettingsError) return e.problems.map(problemLine);
    throw e;
  }
}
