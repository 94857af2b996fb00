import { GatewaySettings } from "./settings/settings";

/** Port the gateway listens on (loopback only). */
export const GATEWAY_PORT = 18789;
/** Where the persistent data volume is mounted on the host. */
export const DATA_MOUNT = "/opt/openclaw";
/** Value the SSM parameters are created with; the real values never pass through Terraform. */
export const GATEWAY_TOKEN_PLACEHOLDER = "placeholder:generated-on-first-boot";
export const API_KEY_PLACEHOLDER = "placeholder:set-with-npm-run-secrets";

/** Tag that every resource of one environment carries; the host finds its volume and address by it. */
export const ENVIRONMENT_TAG = "openclaw:environment";
/** Tag that says what a resource is for the host (`data-volume`, `address`). */
export const ROLE_TAG = "openclaw:role";

/**
 * Names derived from the settings alone (plain strings, never Terraform tokens), so the boot
 * script can be rendered at synth time and finds everything by name or tag at run time.
 */
export function resourceNames(s: Pick<GatewaySettings, "environment">) {
  const prefix = `openclaw-${s.environment}`;
  return {
    prefix,
    stack: prefix,
    autoScalingGroup: prefix,
    gatewayTokenParameter: `/openclaw/${s.environment}/gateway-token`,
    apiKeyParameter: `/openclaw/${s.environment}/anthropic-api-key`,
    kmsAlias: `alias/${prefix}`,
  };
}
