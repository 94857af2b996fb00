import { GatewaySettings } from "./settings/settings";

/** Port the gateway listens on (loopback only). */
export const GATEWAY_PORT = 18789;

/** Tag that every resource of one environment carries; the host finds its volume and address by it. */
export const ENVIRONMENT_TAG = "openclaw:environment";
/** Tag that says what a resource is for the host (`data-volume`, `address`). */
export const ROLE_TAG = "openclaw:role";
/**
 * The role tag's value on the data volume. Exactly one volume per environment carries it: the boot
 * refuses two, the host role may attach only a volume that carries it (storage.ts), and
 * `npm run restore` moves it from the old volume to the restored one (modules/ops/restore.ts).
 */
export const DATA_VOLUME_ROLE = "data-volume";
/** Tag the DLM policy selects the data volume by (value: the environment's prefix); its snapshots copy it. */
export const SNAPSHOT_TAG = "openclaw:snapshots";

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
    kmsAlias: `alias/${prefix}`,
    /** SNS topic of the environment's alerts (modules/constructs/alerts.ts); the key policy names it. */
    alertsTopic: `${prefix}-alerts`,
  };
}
