import { GatewaySettings, GatewaySettingsInput, resolveSettings } from "../../modules/settings";

/** Valid settings for tests: the defaults plus the three required values, with overrides. */
export function testSettings(overrides: Partial<GatewaySettingsInput> = {}): GatewaySettings {
  return resolveSettings({
    environment: "test",
    domainName: "gateway.example.org",
    acmeEmail: "ops@example.org",
    ...overrides,
  } as GatewaySettingsInput);
}

/** Fails loudly in CI, warns loudly elsewhere, when an external tool a test needs is missing. */
export function requireInCi(problem: string | undefined, what: string): boolean {
  if (!problem) return true;
  if (process.env.CI) throw new Error(`${what} cannot run in CI: ${problem}`);
  // eslint-disable-next-line no-console
  console.warn(`\n!!! SKIPPING ${what}: ${problem}. (In CI this is a failure.)\n`);
  return false;
}
