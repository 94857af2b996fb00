import { resourceNames } from "../names";
import type { GatewaySettings } from "../settings/settings";
import { hostContract, HostContract } from "../host/contract";
import { healthWaitLines as gatewayHealthWait } from "../host/posix";
import { shellQuote } from "../host/shell";

/**
 * The SSM Command documents an operator runs on the gateway host (no SSH), as plain data:
 * the Terraform construct (modules/constructs/operations.ts) serializes them, the operator CLI
 * (modules/ops/*.ts) finds them by name, and tests read them without synthesizing a stack.
 */

/** Every operation, in the order the README lists them. */
export const OPERATIONS = ["listDevices", "approveDevice", "rejectDevice", "dashboardLink", "refreshSecrets", "rotateToken"] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * A pairing request id. openclaw 2026.9.6 creates them with crypto.randomUUID(); anything else is
 * refused by SSM before the command reaches the host (and again by the script on the host).
 */
export const REQUEST_ID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** Seconds a document's step may run on the host before the agent stops it. */
export const STEP_TIMEOUT_SECONDS: Record<Operation, number> = {
  listDevices: 120,
  approveDevice: 120,
  rejectDevice: 120,
  dashboardLink: 120,
  // A restart waits for /healthz; a cold gateway takes a while to load its plugins.
  refreshSecrets: 300,
  rotateToken: 300,
};

/** Seconds the refresh/rotate documents wait for /healthz after restarting the gateway. */
export const HEALTH_WAIT_SECONDS = 120;

/** One parameter of a Command document (schema 2.2). */
export interface DocumentParameter {
  type: "String";
  description: string;
  allowedPattern: string;
  /** The agent passes the value as the environment variable SSM_<name>, never spliced into the script. */
  interpolationType: "ENV_VAR";
}

/** A schema 2.2 Command document with one aws:runShellScript step. */
export interface CommandDocument {
  schemaVersion: "2.2";
  description: string;
  parameters: Record<string, DocumentParameter>;
  mainSteps: Array<{
    action: "aws:runShellScript";
    name: string;
    precondition: { StringEquals: ["platformType", "Linux"] };
    inputs: { timeoutSeconds: string; runCommand: string[] };
  }>;
}

/** Name suffix of each document; the full name is `openclaw-<env>-<suffix>`. */
const SUFFIX: Record<Operation, string> = {
  listDevices: "devices-list",
  approveDevice: "devices-approve",
  rejectDevice: "devices-reject",
  dashboardLink: "dashboard-link",
  refreshSecrets: "refresh-secrets",
  rotateToken: "rotate-token",
};

/** The SSM document name of every operation of one environment (plain strings, known at synth time). */
export function documentNames(s: Pick<GatewaySettings, "environment">): Record<Operation, string> {
  const { prefix } = resourceNames(s);
  return Object.fromEntries(OPERATIONS.map((op) => [op, `${prefix}-${SUFFIX[op]}`])) as Record<Operation, string>;
}

// ---------------------------------------------------------------- shell, POSIX sh (the agent runs `sh`)

const HEX = "[0-9A-Fa-f]";
/** REQUEST_ID_PATTERN as a `case` glob: the host checks again, whatever the agent version did. */
export const REQUEST_ID_GLOB = [8, 4, 4, 4, 12].map((n) => HEX.repeat(n)).join("-");

/**
 * Lines that put a validated request id into $REQUEST_ID. Agents >= 3.3.2746 pass the parameter
 * as $SSM_requestId (ENV_VAR interpolation); older agents only substitute {{ requestId }}, which
 * the allowedPattern has already restricted to hex digits and hyphens.
 */
function requestIdLines(): string[] {
  return [
    // printenv, not \${VAR+x}: Terraform would read "\${" in the document content as an interpolation.
    `printenv SSM_requestId >/dev/null || SSM_requestId='{{ requestId }}'`,
    `REQUEST_ID=$SSM_requestId`,
    `case "$REQUEST_ID" in`,
    `  ${REQUEST_ID_GLOB}) ;;`,
    `  *) echo "openclaw-ops: invalid request id (expected a UUID such as 0b5c1a52-7d0e-4f7e-9a51-2c3d4e5f6a7b)" >&2; exit 2 ;;`,
    `esac`,
  ];
}

/** Waits for the gateway's /healthz (never /readyz: it answers 403 through proxies). */
function healthWaitLines(layout: HostContract): string[] {
  return gatewayHealthWait({
    url: layout.healthUrl,
    attempts: HEALTH_WAIT_SECONDS / 2,
    delay: 2,
    onTimeout: `echo "openclaw-ops: the gateway did not answer /healthz within ${HEALTH_WAIT_SECONDS}s after the restart" >&2; exit 1`,
    onHealthy: `echo "openclaw-ops: gateway restarted and healthy" >&2`,
  });
}

/** The shell lines of each operation. */
export function operationCommands(op: Operation, layout: HostContract): string[] {
  const admin = shellQuote(layout.adminTool);
  const refresh = shellQuote(layout.refreshSecretsTool);
  const head = ["set -eu"];
  switch (op) {
    case "listDevices":
      return [...head, `exec ${admin} devices list --json`];
    case "approveDevice":
      return [...head, ...requestIdLines(), `exec ${admin} devices approve "$REQUEST_ID" --json`];
    case "rejectDevice":
      return [...head, ...requestIdLines(), `exec ${admin} devices reject "$REQUEST_ID" --json`];
    case "dashboardLink":
      return [...head, `exec ${admin} dashboard --json`];
    case "refreshSecrets":
      return [...head, `${refresh} --restart`, ...healthWaitLines(layout)];
    case "rotateToken":
      return [...head, `${refresh} --rotate-token --restart`, ...healthWaitLines(layout)];
  }
}

const DESCRIPTION: Record<Operation, string> = {
  listDevices: "OpenClaw: list pending pairing requests and paired devices (JSON)",
  approveDevice: "OpenClaw: approve one pending device pairing request (requests expire after 5 minutes)",
  rejectDevice: "OpenClaw: reject one pending device pairing request",
  dashboardLink: "OpenClaw: issue a one-time owner dashboard link (valid 10 minutes, single use)",
  refreshSecrets: "OpenClaw: re-read the SSM parameters into the gateway's EnvironmentFile and restart it",
  rotateToken: "OpenClaw: generate and store a new gateway token, then restart the gateway",
};

const REQUEST_ID_PARAMETER: DocumentParameter = {
  type: "String",
  description: "Pairing request id from the devices list (a UUID)",
  allowedPattern: REQUEST_ID_PATTERN,
  interpolationType: "ENV_VAR",
};

/** The document content of one operation (serialize with JSON.stringify). */
export function commandDocument(op: Operation, s: Pick<GatewaySettings, "environment" | "versions">): CommandDocument {
  const layout = hostContract(s);
  const takesRequestId = op === "approveDevice" || op === "rejectDevice";
  return {
    schemaVersion: "2.2",
    description: DESCRIPTION[op],
    parameters: takesRequestId ? { requestId: REQUEST_ID_PARAMETER } : {},
    mainSteps: [{
      action: "aws:runShellScript",
      name: SUFFIX[op].replace(/-/g, "_"),
      precondition: { StringEquals: ["platformType", "Linux"] },
      inputs: { timeoutSeconds: String(STEP_TIMEOUT_SECONDS[op]), runCommand: operationCommands(op, layout) },
    }],
  };
}
