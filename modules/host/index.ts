import { createHash } from "node:crypto";
import { GatewaySettings } from "../settings/settings";
import { hostContract, HostContract } from "./contract";
import {
  addressStep, configStep, dnsWaitStep, growStep, hostNameStep, hostScriptHeader, hostScriptStep, imdsFirewallStep, launchCompleteStep, metadataStep, mountStep, nodeStep,
  openclawStep, packagesStep, preamble, pruneRuntimesStep, secretsStep, ssmAgentStep, startStep, summaryStep, swapStep, traefikStep, usersAndDirectoriesStep, volumeStep,
} from "./steps";

/**
 * One piece of the boot script and the shell variables it shares with the others: `needs` are
 * read from earlier steps, `provides` are every variable it sets (for itself or later steps).
 * A unit test checks the order (nothing needed before it is provided) and that each rendered step
 * reads and sets only what it declares.
 */
export interface BootStep {
  /** A short name for messages. */
  readonly name: string;
  /** Shell variables set by an earlier step that this one reads. */
  readonly needs: readonly string[];
  /** Shell variables this step sets. */
  readonly provides: readonly string[];
  /** The step's bash ("" when it does not apply to these settings). */
  readonly render: (s: GatewaySettings, c: HostContract) => string;
}

/**
 * The steps of the user data's loader, in boot order: what must run before anything can be fetched
 * and what owns the failure handling (the log, the error trap that abandons the launch), then the
 * fetch of the host script, which the last step checks against its pinned sha256 and sources.
 */
export const LOADER_STEPS: readonly BootStep[] = [
  {
    name: "preamble",
    needs: [],
    provides: ["LOG", "TEE_PID", "STEP", "ENVIRONMENT", "DOMAIN", "NODE_VERSION", "OPENCLAW_VERSION", "TRAEFIK_VERSION", "AWS_PAGER",
      "GATEWAY_RESTART", "TRAEFIK_RESTART", "UNITS_CHANGED", "FSTAB_CHANGED", "FILE_CHANGED"],
    render: preamble,
  },
  // First: the instance id lets every later failure abandon this launch (complete_launch).
  {
    name: "metadata",
    needs: [],
    provides: ["IMDS", "IMDS_TOKEN", "INSTANCE_ID", "AWS_DEFAULT_REGION", "LAUNCH_RESULT"],
    render: metadataStep,
  },
  // Before any step that can fail: a host whose boot fails stays reachable with Session Manager.
  { name: "SSM agent", needs: [], provides: ["DOWNLOADS"], render: (s) => ssmAgentStep(s) },
  { name: "packages", needs: [], provides: ["MISSING"], render: (s) => packagesStep(s) },
  {
    name: "fetch the host script",
    needs: [],
    provides: ["HOST_SCRIPT", "HOST_SCRIPT_SHA256", "HOST_SCRIPT_NEXT"],
    render: (s, c) => hostScriptStep(s, c, sha256Hex(renderHostSteps(s, c))),
  },
];

/**
 * The steps of the host script (an object in the artifacts bucket, sourced by the loader), in boot
 * order: everything after the fetch. It holds no secret and keeps its comments.
 */
export const HOST_STEPS: readonly BootStep[] = [
  { name: "host script", needs: [], provides: ["FILE_CHANGED"], render: hostScriptHeader },
  { name: "host name", needs: [], provides: ["HOST_NAME"], render: (_s, c) => hostNameStep(c) },
  { name: "swap", needs: [], provides: ["SWAP_FILE", "SWAP_FSTAB", "FSTAB"], render: swapStep },
  {
    name: "volume",
    needs: ["ENVIRONMENT", "INSTANCE_ID"],
    provides: ["VOLUME_JSON", "VOLUME_COUNT", "VOLUME_ID", "VOLUME_STATE", "VOLUME_HOLDER", "SERIAL", "DEVICE"],
    render: (s) => volumeStep(s),
  },
  {
    name: "mount",
    needs: ["DEVICE", "FILE_CHANGED"],
    provides: ["BLKID_STATUS", "DATA_MOUNT", "FS_UUID", "FSTAB", "FSTAB_CHANGED"],
    render: (_s, c) => mountStep(c),
  },
  { name: "grow", needs: ["DEVICE"], provides: ["DEVICE_BYTES", "FS_BYTES"], render: () => growStep() },
  {
    name: "address",
    needs: ["ENVIRONMENT", "INSTANCE_ID"],
    provides: ["ADDRESS_JSON", "ADDRESS_COUNT", "ALLOCATION_ID", "PUBLIC_IP", "ADDRESS_HOLDER"],
    render: (s) => addressStep(s),
  },
  { name: "node", needs: ["NODE_VERSION"], provides: ["NODE_DIR"], render: nodeStep },
  {
    name: "openclaw",
    needs: ["OPENCLAW_VERSION", "NODE_DIR"],
    provides: ["OPENCLAW_PREFIX", "OPENCLAW_PACKAGE", "LOCK_SHA256", "TREE_SHA256", "OPENCLAW_PACKAGE_JSON"],
    render: openclawStep,
  },
  { name: "traefik", needs: ["TRAEFIK_VERSION"], provides: [], render: traefikStep },
  {
    name: "prune runtimes",
    needs: [],
    provides: ["RUNTIME_DIR", "RUNTIMES_CURRENT", "RUNTIMES_PREVIOUS", "RUNTIMES"],
    render: (_s, c) => pruneRuntimesStep(c),
  },
  { name: "users and directories", needs: [], provides: [], render: usersAndDirectoriesStep },
  // After the users (the rules name Traefik's), before anything runs as one of them.
  { name: "IMDS firewall", needs: ["FILE_CHANGED"], provides: ["FIREWALL_RELOAD", "FIREWALL_RESTART"], render: imdsFirewallStep },
  {
    name: "secrets",
    needs: [],
    provides: ["SECRETS_BEFORE", "GATEWAY_RESTART"],
    render: secretsStep,
  },
  {
    name: "configuration",
    needs: ["FILE_CHANGED"],
    provides: ["CONFIG_BEFORE", "GATEWAY_RESTART", "TRAEFIK_RESTART", "UNITS_CHANGED"],
    render: configStep,
  },
  { name: "DNS wait", needs: [], provides: [], render: dnsWaitStep },
  {
    name: "start",
    needs: ["UNITS_CHANGED", "GATEWAY_RESTART", "TRAEFIK_RESTART"],
    provides: [],
    render: (_s, c) => startStep(c),
  },
  // Only after the start step's health wait: the group puts the instance InService now.
  { name: "launch complete", needs: [], provides: [], render: launchCompleteStep },
  {
    name: "summary",
    needs: ["INSTANCE_ID", "VOLUME_ID", "DEVICE", "DATA_MOUNT", "PUBLIC_IP", "NODE_VERSION", "OPENCLAW_VERSION", "TRAEFIK_VERSION", "DOMAIN"],
    provides: [],
    render: () => summaryStep(),
  },
];

/** The whole boot, in order: the loader's steps, then the host script's (one shell runs them all). */
export const BOOT_STEPS: readonly BootStep[] = [...LOADER_STEPS, ...HOST_STEPS];

/** Variables the environment gives every bash process: a step may read them without an earlier step. */
export const INHERITED_VARIABLES: readonly string[] = ["HOME", "PATH", "SECONDS", "LINENO"];

/** Each need that no earlier step (nor the environment) provides, as "step needs VARIABLE". */
export function bootStepOrderErrors(steps: readonly BootStep[]): string[] {
  const provided = new Set(INHERITED_VARIABLES);
  const errors: string[] = [];
  for (const step of steps) {
    for (const need of step.needs) if (!provided.has(need)) errors.push(`${step.name} needs ${need}, which no earlier step provides`);
    for (const variable of step.provides) provided.add(variable);
  }
  return errors;
}

const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

const renderSteps = (steps: readonly BootStep[], s: GatewaySettings, c: HostContract): string =>
  steps.map((step) => step.render(s, c)).filter((piece) => piece !== "").join("\n");

const renderHostSteps = (s: GatewaySettings, c: HostContract): string => renderSteps(HOST_STEPS, s, c);

/** The boot's two programs and the pin that ties them together. */
export interface BootPrograms {
  /** The user data's loader (before user-data.ts strips its comments): LOADER_STEPS. */
  readonly loader: string;
  /** The host script, the artifacts bucket's object: HOST_STEPS, comments included. */
  readonly hostScript: string;
  /** sha256 (hex) of hostScript's UTF-8 bytes: pinned in the loader and the object's key. */
  readonly hostScriptSha256: string;
}

/**
 * The boot, rendered: small pure steps composed into the loader and the host script. Pure: the same
 * settings give the same bytes (no clock, no environment). The host contract is resolved here,
 * once, and handed to every step.
 */
export function renderBootPrograms(s: GatewaySettings): BootPrograms {
  const c = hostContract(s);
  const hostScript = renderHostSteps(s, c);
  return { loader: renderSteps(LOADER_STEPS, s, c), hostScript, hostScriptSha256: sha256Hex(hostScript) };
}

/** Everything the boot runs, as one text: the loader, then the host script it sources (BOOT_STEPS). */
export function renderBootScript(s: GatewaySettings): string {
  const { loader, hostScript } = renderBootPrograms(s);
  return `${loader}\n${hostScript}`;
}

export { hostFiles, toolFiles, configFiles } from "./steps";
export { renderTools } from "./tools";
export { renderUnits } from "./units";
export { hostContract } from "./contract";
export type { HostContract } from "./contract";
