import { stringify } from "yaml";
import type { GatewaySettings } from "../settings/settings";
import type { HostContract } from "./contract";

/** Name of the ACME certificate resolver (TLS-ALPN-01: only 443 needs to be open). */
export const CERT_RESOLVER = "letsencrypt";
/** Name of the router and the service in Traefik's dynamic configuration. */
const ROUTE = "openclaw";

/** Traefik's static configuration: one TLS entrypoint on 443, the ACME resolver, the file provider. */
export function traefikStaticConfig(s: Pick<GatewaySettings, "acmeEmail">, c: HostContract): object {
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    log: { level: "INFO" },
    entryPoints: {
      websecure: { address: ":443", http: { tls: { certResolver: CERT_RESOLVER } } },
    },
    certificatesResolvers: {
      [CERT_RESOLVER]: {
        acme: { email: s.acmeEmail, storage: c.acmeStorage, tlsChallenge: {} },
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
