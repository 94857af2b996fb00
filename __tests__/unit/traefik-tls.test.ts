import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { BOOT_STEPS, hostFiles, renderBootScript } from "../../modules/host";
import { CERT_GUARD_SCHEDULE, TRAEFIK_RENEWAL_WINDOWS } from "../../modules/host/cert-guard";
import { hostContract } from "../../modules/host/contract";
import { ACCESS_LOG, CERTIFICATES_DURATION_HOURS, traefikStaticConfig } from "../../modules/host/traefik";
import { SUPPRESSIONS } from "../../modules/review/audit/suppressions";
import { certGuardService, certGuardTimer } from "../../modules/host/units";
import { ACME_DIRECTORIES } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";

/** Traefik's static configuration, validated against the vendored Traefik v3 JSON schema (SchemaStore). */
const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "schemas", "traefik-v3.json"), "utf8"));
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
const ZONE = "Z0123456789ABCDEFGHIJ";

/** The ACME resolver of the static configuration as the host writes it (traefik.yml parsed back). */
function acmeOf(overrides: Parameters<typeof testSettings>[0] = {}): Record<string, unknown> {
  const s = testSettings(overrides);
  const c = hostContract(s);
  const written = parse(hostFiles(s, c).find((f) => f.path === c.traefikStaticConfig)!.content);
  expect(validate(written) ? [] : validate.errors).toEqual([]);
  return written.certificatesResolvers.letsencrypt.acme;
}

describe("Traefik's ACME resolver", () => {
  test("without a hosted zone: TLS-ALPN-01 on 443, Let's Encrypt production, certificatesDuration 2160", () => {
    expect(acmeOf()).toEqual({
      email: testSettings().acmeEmail, caServer: "https://acme-v02.api.letsencrypt.org/directory",
      storage: "/opt/openclaw/traefik/acme.json", certificatesDuration: 2160, tlsChallenge: {},
    });
  });

  test("with hostedZoneId: DNS-01 through Route53, propagation checked on the VPC resolver, no TLS-ALPN-01 (valid against the schema)", () => {
    const acme = acmeOf({ hostedZoneId: ZONE, allowedCidrs: ["203.0.113.0/24"] });
    // The authoritative-nameserver check would need port 53 out, which the security group does not allow.
    expect(acme.dnsChallenge).toEqual({ provider: "route53", propagation: { disableANSChecks: true, requireAllRNS: true } });
    expect(acme).not.toHaveProperty("tlsChallenge");
  });

  test("acmeDirectory: staging and a URL become caServer", () => {
    expect(acmeOf({ acmeDirectory: "staging" }).caServer).toBe(ACME_DIRECTORIES.staging);
    expect(acmeOf({ acmeDirectory: "https://acme.example.net/dir" }).caServer).toBe("https://acme.example.net/dir");
  });

  test("the schema check is live: a misspelt challenge is refused", () => {
    const config = traefikStaticConfig(testSettings(), hostContract(testSettings())) as any;
    config.certificatesResolvers.letsencrypt.acme.dnsChalenge = { provider: "route53" };
    expect(validate(config)).toBe(false);
  });

  test("certificatesDuration holds for 90-, 64- and 45-day certificates: renewed by Traefik with ≥ 15 days to spare, never more than weekly", () => {
    // Traefik's window comes from certificatesDuration, not from the certificate (cert-guard.ts).
    const window = TRAEFIK_RENEWAL_WINDOWS.find((w) => CERTIFICATES_DURATION_HOURS >= w.minLifetimeHours)!;
    for (const days of [90, 64, 45]) {
      const renewedAfterDays = days - window.windowSeconds / 86400;
      expect(renewedAfterDays).toBeGreaterThanOrEqual(7); // ≤ 1 certificate a week (Let's Encrypt allows 5 duplicates per 7 days)
      // The guard's EXPIRING threshold (half of Traefik's window for the certificate's own lifetime) lies inside Traefik's window.
      const own = TRAEFIK_RENEWAL_WINDOWS.find((w) => days * 24 >= w.minLifetimeHours)!;
      expect(own.windowSeconds / 2).toBeLessThan(window.windowSeconds);
    }
    // A 6-day certificate would be renewed at every daily check: 7 a week > 5. No ACME profile is requested.
    expect(6 - window.windowSeconds / 86400).toBeLessThan(0);
    expect(acmeOf()).not.toHaveProperty("profile");
  });
});

describe("the cert guard and the DNS wait on the host", () => {
  const s = testSettings();
  const c = hostContract(s);

  test("guard units: oneshot after Traefik, bounded; timer 10 min after it starts, then every 15 min", () => {
    expect(certGuardService(c)).toMatchObject({
      Unit: { After: "traefik.service" },
      Service: { Type: "oneshot", ExecStart: "/usr/local/sbin/openclaw-cert-guard", TimeoutStartSec: 120 },
    });
    expect(certGuardTimer(c)).toMatchObject({
      Timer: { OnActiveSec: CERT_GUARD_SCHEDULE.onActiveSec, OnUnitActiveSec: "15min", Unit: "openclaw-cert-guard.service" },
      Install: { WantedBy: "timers.target" },
    });
  });

  test("the boot script installs the guard tool and units, and enables the timer with the services", () => {
    const script = renderBootScript(s);
    for (const file of [c.certGuardTool, `${c.unitDir}/${c.certGuardServiceUnit}`, `${c.unitDir}/${c.certGuardTimerUnit}`]) {
      expect(script).toContain(`put_file ${file} `);
    }
    expect(script).toContain(`systemctl enable --now --quiet ${c.certGuardTimerUnit}`);
    expect(hostFiles(s, c).find((f) => f.path === c.certGuardTool)!.content).toContain(`DOMAIN='${s.domainName}'`);
  });

  test("the DNS wait runs right before Traefik's first start, bounded by dnsWaitSeconds, with the address from IMDSv2", () => {
    const names = BOOT_STEPS.map((step) => step.name);
    expect(names.indexOf("DNS wait")).toBe(names.indexOf("start") - 1);
    const step = BOOT_STEPS.find((x) => x.name === "DNS wait")!;
    const short = step.render(testSettings({ dnsWaitSeconds: 15 }), c);
    expect(short).toContain('step "wait for DNS"');
    expect(short).toContain("DNS NOT READY after 15 s");
    expect(short).toContain("sleep 10");
    expect(short).toContain(`${c.imdsBase}/meta-data/public-ipv4`);
    expect(step.render(s, c)).toContain("DNS NOT READY after 600 s");
  });
});

describe("Traefik's access log (the reason the VPC flow-logs finding is suppressed)", () => {
  const s = testSettings();
  const c = hostContract(s);
  const written = parse(hostFiles(s, c).find((f) => f.path === c.traefikStaticConfig)!.content);

  test("on, as JSON on standard output (the unit's journal), valid against the Traefik v3 schema", () => {
    expect(validate(written) ? [] : validate.errors).toEqual([]);
    expect(written.accessLog).toEqual(ACCESS_LOG);
    expect(written.accessLog.format).toBe("json");
    expect(written.accessLog.filePath).toBeUndefined();
  });

  test("request headers dropped by default; Authorization and Cookie named as dropped", () => {
    expect(written.accessLog.fields.headers.defaultMode).toBe("drop");
    expect(written.accessLog.fields.headers.names).toMatchObject({ Authorization: "drop", Cookie: "drop" });
    expect(Object.entries(written.accessLog.fields.headers.names).filter(([, mode]) => mode !== "drop").map(([name]) => name).sort())
      .toEqual(["User-Agent", "X-Forwarded-For"]);
  });

  test("the flow-logs suppression names this access log", () => {
    const flowLogs = SUPPRESSIONS.find((x) => x.ruleId === "VpcFlowLogsEnabled")!;
    expect(flowLogs.reason).toContain("access log");
    expect(flowLogs.reason).toContain("ACCESS_LOG");
  });
});
