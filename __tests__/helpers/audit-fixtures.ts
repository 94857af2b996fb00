import { gzipSync } from "node:zlib";
import { Testing } from "cdktf";
import { OpenClawStack } from "../../modules/stack";
import { GatewaySettingsInput } from "../../modules/settings/settings";
import { auditInputOf } from "../../modules/review/audit/synth";
import { AuditInput } from "../../modules/review/audit/types";
import { testSettings } from "./settings";

/**
 * Audit fixtures built with the real constructs: synthesize an OpenClawStack (optionally with other
 * settings), let the test change it through cdktf's escape hatches or extra resources of the real
 * provider classes, and hand back what the audit sees.
 */
export function auditFixture(
  mutate: (stack: OpenClawStack) => void = () => undefined,
  overrides: Partial<GatewaySettingsInput> = {},
): { input: AuditInput; stack: OpenClawStack } {
  const stack = new OpenClawStack(Testing.app(), testSettings(overrides));
  mutate(stack);
  return { input: auditInputOf(stack), stack };
}

/** The Terraform address of a construct's resource, as findings name it. */
export const addressOf = (resource: { terraformResourceType: string; friendlyUniqueId: string }): string =>
  `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;

/** Launch-template user data the way renderUserData encodes it: base64 of gzip. */
export const encodeUserData = (script: string): string => gzipSync(Buffer.from(script, "utf8"), { level: 9 }).toString("base64");
