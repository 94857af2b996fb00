import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { App, TerraformResource, TerraformStack, Testing } from "cdktf";
import { GatewaySettings } from "../../settings/settings";
import { loadSettings } from "../../settings/file";
import { OpenClawStack } from "../../stack";
import { AuditInput, AuditResource, DecodedUserData } from "./types";
import { configuredResources, listOf } from "../terraform-json";

/**
 * Synthesis for the audit: in memory, no terraform binary, no credentials, no network.
 * `Testing.synth` gives the stack's Terraform JSON without backend and metadata; construct
 * paths are read from the construct tree instead, so findings name what a developer edits.
 */

/** Decodes launch-template user data: base64, then gunzip when it is gzip (cloud-init accepts both). */
export function decodeUserData(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  const gzipped = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzipped ? gunzipSync(bytes) : bytes).toString("utf8");
}

/** The audit's view of one synthesized stack. */
export function auditInputOf(stack: TerraformStack): AuditInput {
  const json = JSON.parse(Testing.synth(stack)) as Record<string, any>;
  const paths = new Map<string, string>();
  for (const node of stack.node.findAll()) {
    if (node instanceof TerraformResource) {
      paths.set(`${node.terraformResourceType}.${stack.getLogicalId(node)}`, node.node.path);
    }
  }
  const resources: AuditResource[] = configuredResources(json).map((r) => ({ ...r, path: paths.get(r.address) ?? r.address }));
  const defaultTags: Record<string, string> = {};
  for (const provider of listOf(json.provider?.aws)) {
    for (const block of listOf(provider.default_tags)) Object.assign(defaultTags, block.tags ?? {});
  }
  const userData: DecodedUserData[] = resources
    .filter((r) => r.type === "aws_launch_template" && typeof r.config.user_data === "string" && !r.config.user_data.includes("${"))
    .map((r) => ({ address: r.address, script: decodeUserData(r.config.user_data) }));
  return { stack: stack.node.id, json, resources, defaultTags, userData };
}

/** Synthesizes one OpenClaw stack per environment, in a throw-away app; returns the audit inputs. */
export function synthesizeEnvironments(environments: GatewaySettings[]): AuditInput[] {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "openclaw-audit-"));
  try {
    const app = new App({ outdir });
    return environments.map((settings) => auditInputOf(new OpenClawStack(app, settings)));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Reads and validates a settings file (with main.ts's loadSettings: a bad file throws the same
 * SettingsError) and synthesizes every environment.
 */
export function synthesizeSettingsFile(file: string): { environments: GatewaySettings[]; inputs: AuditInput[] } {
  const environments = loadSettings(path.resolve(file));
  return { environments, inputs: synthesizeEnvironments(environments) };
}
