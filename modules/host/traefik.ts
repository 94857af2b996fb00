import { stringify } from "yaml";
import { acmeDirectoryUrl, GatewaySettings } from "../settings/settings";
import type { HostContract } from "./contract";

/** Name of the ACME certificate resolver (TLS-ALPN-01 on 443, or DNS-01 through Route53 with a hosted zone). */
export const CERT_RESOLVER = "letsencrypt";

/**
 * Traefik's `certificatesDuration` (hours): 2160, its own default, written out so it cannot drift.
 * Traefik v3.6/v3.7 (pkg/provider/acme/provider.go `getCertificateRenewDurations`, identical at
 * v3.6.24 and v3.7.9) derives its renewal window from this setting, not from the certificate:
 * ≥ 90 days → renew 30 days before expiry, checked daily. Let's Encrypt's default certificates last
 * 90 days, 64 days from 2027-02 and 45 days from 2028-02 (letsencrypt.org/2025/12/02/from-90-to-45,
 * read 2026-11-30): renewed 30 days before expiry that is after 60, 34 and 15 days, each within
 * Let's Encrypt's limits (5 certificates per exact set of names per 7 days) and with 30 daily attempts
 * left before expiry. openclaw-cert-guard's EXPIRING threshold (half of Traefik's window for the
 * certificate's own lifetime: 15 d / 5 d / 5 d) stays inside that window, so the guard acts only after
 * Traefik has failed for weeks. Let's Encrypt's 6-day ("shortlived") profile is opt-in and never
 * requested here (no `profile`): with 2160 hours Traefik would renew such a certificate at every
 * daily check, 7 a week, over the 5-per-week duplicate limit; it would need 144–159 hours instead.
 */
export const CERTIFICATES_DURATION_HOURS = 2160;

/**
 * Traefik's DNS provider for Route53 (lego's "route53"). lego reads AWS_HOSTED_ZONE_ID (skips the
 * zone lookup by name) and AWS_REGION; credentials come from the AWS SDK's default chain, i.e. the
 * instance role through IMDS (https://go-acme.github.io/lego/dns/route53/, read 2026-11-30).
 */
export const DNS_CHALLENGE_PROVIDER = "route53";

/** Environment of the Traefik unit: lego's Route53 variables when DNS-01 is used, else none. */
export function traefikEnvironment(s: Pick<GatewaySettings, "hostedZoneId" | "region">): Record<string, string> {
  return s.hostedZoneId === undefined ? {} : { AWS_REGION: s.region, AWS_HOSTED_ZONE_ID: s.hostedZoneId };
}

/**
 * How lego checks that the TXT record is visible before telling Let's Encrypt to look. By default it
 * asks the zone's authoritative nameservers (Route53's awsdns servers) directly on port 53, which the
 * host's security group (443 out only) blocks: the check would time out and every order fail. So the
 * authoritative check is off (`disableANSChecks`) and every recursive resolver of the host must see the
 * record instead (`requireAllRNS`): the VPC's Amazon DNS resolver, which security groups do not filter
 * (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html, read 2026-11-30; every
 * name the boot script downloads from already resolves through it). lego's route53 provider first waits
 * until Route53 reports the change INSYNC (GetChange). Traefik v3.7.9 pkg/provider/acme/provider.go maps
 * these two options to lego's DisableAuthoritativeNssPropagationRequirement / RecursiveNSs requirement.
 */
export const DNS_PROPAGATION = { disableANSChecks: true, requireAllRNS: true } as const;

/** The ACME challenge: DNS-01 through Route53 with a hosted zone (allowedCidrs may be narrowed), else TLS-ALPN-01 on 443. */
function acmeChallenge(s: Pick<GatewaySettings, "hostedZoneId">): object {
  return s.hostedZoneId === undefined
    ? { tlsChallenge: {} }
    : { dnsChallenge: { provider: DNS_CHALLENGE_PROVIDER, propagation: { ...DNS_PROPAGATION } } };
}
/**
 * Traefik's access log: one JSON line per request on its standard output, i.e. the traefik unit's
 * journal (`journalctl -u traefik`). Every request header is dropped except the few that say who
 * asked (`fields.headers.defaultMode: drop`), and `Authorization` and `Cookie` are named as dropped
 * so a later `defaultMode` change cannot bring them back. The gateway token and the one-time owner
 * link never travel in a URL path or query (the Control UI sends the token over its WebSocket, the
 * link carries it in the fragment), so `RequestPath` is kept. Traefik v3 access-log options:
 * https://doc.traefik.io/traefik/observe/logs-and-access-logs/ (read 2026-12-02), checked against
 * the Traefik v3 JSON schema in __tests__/integration/boot-lint.test.ts.
 */
export const ACCESS_LOG = {
  format: "json",
  fields: {
    defaultMode: "keep",
    headers: {
      defaultMode: "drop",
      names: { "User-Agent": "keep", "X-Forwarded-For": "keep", Authorization: "drop", Cookie: "drop" },
    },
  },
} as const;

/** Name of the router and the service in Traefik's dynamic configuration. */
const ROUTE = "openclaw";

/** Traefik's static configuration: one TLS entrypoint on 443, the ACME resolver, the file provider. */
export function traefikStaticConfig(
  s: Pick<GatewaySettings, "acmeEmail" | "acmeDirectory" | "hostedZoneId">, c: HostContract,
): object {
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    log: { level: "INFO" },
    accessLog: ACCESS_LOG,
    entryPoints: {
      websecure: { address: ":443", http: { tls: { certResolver: CERT_RESOLVER } } },
    },
    certificatesResolvers: {
      [CERT_RESOLVER]: {
        acme: {
          email: s.acmeEmail,
          caServer: acmeDirectoryUrl(s.acmeDirectory),
          storage: c.acmeStorage,
          certificatesDuration: CERTIFICATES_DURATION_HOURS,
          ...acmeChallenge(s),
        },
      },
    },
    providers: { file: { filename: c.traefikDynamicConfig, watch: true } },
  };
}

/** Traefik's dynamic configuration: the domain → the gateway on loopback, health-checked on /healthz. */
export function traefikDynamicConfig(s: Pick<GatewaySettings, "domainName">, c: HostContract): object {
  return {
    http: {
      routers: {
        [ROUTE]: {
          rule: `Host(\`${s.domainName}\`)`,
          entryPoints: ["websecure"],
          service: ROUTE,
          tls: { certResolver: CERT_RESOLVER },
        },
      },
      services: {
        [ROUTE]: {
          loadBalancer: {
            servers: [{ url: `http://127.0.0.1:${c.gatewayPort}` }],
            passHostHeader: true,
            // /healthz, never /readyz: readiness answers 403 through a proxy.
            healthCheck: { path: "/healthz", interval: "30s", timeout: "5s" },
          },
        },
      },
    },
  };
}

/** Serializes a Traefik configuration object as YAML. */
export const traefikYaml = (config: object): string => stringify(config, { lineWidth: 0 });
