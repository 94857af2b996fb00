import * as path from "node:path";
import type { GatewaySettings } from "./settings";

/**
 * Where one stack's Terraform state lives, fully resolved. Two environments with the same
 * location would plan against each other's state, so settings refuse that (see settings.ts).
 */
export type StateLocation =
  | { type: "local"; /** Absolute path of the state file. */ path: string }
  | { type: "s3"; bucket: string; key: string; region: string };

/** Default local state file name, in the project root. */
export const defaultLocalStateFile = (environment: string): string => `terraform.${environment}.tfstate`;
/** Default S3 object key of the state file. */
export const defaultS3StateKey = (environment: string): string => `openclaw-aws/${environment}.tfstate`;

/**
 * Resolves the stack's backend settings to one location. A local path is relative to the project
 * root (terraform itself runs in cdktf.out/stacks/<stack>/, so a relative path would land there).
 */
export function stateLocation(
  s: Pick<GatewaySettings, "backend" | "environment" | "region">,
  projectRoot: string,
): StateLocation {
  const { backend } = s;
  if (backend.type === "s3") {
    return { type: "s3", bucket: backend.bucket, key: backend.key ?? defaultS3StateKey(s.environment), region: backend.region ?? s.region };
  }
  return { type: "local", path: path.resolve(projectRoot, backend.path ?? defaultLocalStateFile(s.environment)) };
}

/** One line naming a location, for messages. */
export const describeStateLocation = (l: StateLocation): string =>
  l.type === "local" ? `local state file ${l.path}` : `s3://${l.bucket}/${l.key} (${l.region})`;
