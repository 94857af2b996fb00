import { DEFAULT_CERT_GUARD_POLICY, TRAEFIK_RENEWAL_WINDOWS, renderCertGuard, renderDnsWait } from "../../modules/host/cert-guard";

/** The renderers' input checks and what they take from their parameters (their behaviour is proven in the integration test). */
const guardParams = { domain: "gw.example.com", publicAddressCommand: "echo 198.51.100.1", stateDir: "/var/lib/g", traefikUnit: "traefik.service" };

describe("renderCertGuard / renderDnsWait parameters", () => {
  test("the limits reach the script: interval in seconds, daily cap, Traefik unit, state directory, port", () => {
    const script = renderCertGuard({ ...guardParams, port: 8443, policy: { minRestartIntervalMinutes: 90, maxRestartsPerDay: 3 } });
    expect(script).toContain("\nMIN_INTERVAL=5400\nMAX_PER_DAY=3\n");
    expect(script).toContain("\nCONNECT='127.0.0.1:8443'\n");
    expect(script).toContain("\nTRAEFIK_UNIT='traefik.service'\n");
    expect(script).toContain("\nSTATE_DIR='/var/lib/g'\n");
    expect(renderCertGuard(guardParams)).toContain(`\nMAX_PER_DAY=${DEFAULT_CERT_GUARD_POLICY.maxRestartsPerDay}\n`);
  });

  test("a value with quotes stays one shell word", () => {
    expect(renderCertGuard({ ...guardParams, stateDir: "/var/lib/it's" })).toContain(`\nSTATE_DIR='/var/lib/it'\\''s'\n`);
  });

  test("non-integer or non-positive limits are refused (the script does integer arithmetic)", () => {
    expect(() => renderCertGuard({ ...guardParams, policy: { maxRestartsPerDay: 0 } })).toThrow(/maxRestartsPerDay must be a positive integer, got 0/);
    expect(() => renderCertGuard({ ...guardParams, policy: { minRestartIntervalMinutes: 1.5 } })).toThrow(/minRestartIntervalMinutes/);
    expect(() => renderCertGuard({ ...guardParams, port: -1 })).toThrow(/port/);
    expect(() => renderDnsWait({ ...guardParams, timeoutSeconds: 0 })).toThrow(/timeoutSeconds must be a positive integer/);
    expect(() => renderDnsWait({ ...guardParams, timeoutSeconds: 5, pollSeconds: 6 })).toThrow(/pollSeconds/);
    expect(() => renderDnsWait({ ...guardParams, timeoutSeconds: 5, pollSeconds: 0 })).toThrow(/pollSeconds/);
  });

  test("Traefik's renewal table is ordered from the longest lifetime down and ends with a catch-all", () => {
    const mins = TRAEFIK_RENEWAL_WINDOWS.map((w) => w.minLifetimeHours);
    expect(mins).toEqual([...mins].sort((a, b) => b - a));
    expect(mins[mins.length - 1]).toBe(0);
  });
});
