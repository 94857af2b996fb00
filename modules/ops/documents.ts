import type { GatewaySettings } from "../settings/settings";
import { hostContract, HostContract } from "../host/contract";
import { healthWaitLines as gatewayHealthWait } from "../host/posix";

/**
 * The SSM Command documents an operator runs on the gateway host (no SSH), rendered from the
 * operations table (modules/ops/operations.ts) as plain data: the Terraform construct
 * (modules/constructs/operations.ts) serializes them, the operator CLI finds them by name, and
 * tests read them without synthesizing a stack.
 */

/**
 * A pairing request id. openclaw 2026.9.6 creates them with crypto.randomUUID(); anything else is
 * refused by SSM before the command reaches the host (and again by the script on the host).
 */
export const REQUEST_ID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** Seconds the refresh/rotate documents wait for /healthz after restarting the gateway. */
export const HEALTH_WAIT_SECONDS = 120;

/** What a document's text depends on: the environment (names), the pins and architecture (host paths), the region. */
export type DocumentSettings = Pick<GatewaySettings, "environment" | "versions" | "instanceType" | "region">;

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

/**
 * A value passed to an operation's document: a positional argument the operator types, or a
 * value the CLI makes itself (DocumentSpec.parameters). Checked three times: by the CLI and SSM
 * against `allowedPattern`, by the script on the host against `glob` (and `refuseGlob`).
 * `allowedPattern` must exclude quotes and whitespace: agents without ENV_VAR support splice the
 * value between single quotes.
 */
export interface ParameterSpec {
  /** Parameter name; the host script reads it from $SSM_<name>. */
  readonly name: string;
  /** Shell variable that holds the checked value in the host script. */
  readonly variable: string;
  /** What a person calls it ("request id"): messages and the usage line. */
  readonly label: string;
  /** The parameter's description in the document. */
  readonly description: string;
  /** Anchored regular expression SSM (and the CLI) check the value against. */
  readonly allowedPattern: string;
  /** The same as a `case` glob, for the host's own check. */
  readonly glob: string;
  /** A `case` glob the host refuses first, for what `glob` alone cannot exclude (e.g. `*[!0-9]*`). */
  readonly refuseGlob?: string;
  /** What the value looks like, singular ("UUID"), and one example: messages. */
  readonly format: string;
  readonly example: string;
  /** Where the operator finds a value, e.g. "`npm run devices -- list`". */
  readonly source: string;
  /**
   * A refused value is not repeated in the message (the argument may be a secret typed in the wrong
   * place), and this is said instead. Absent: the message quotes the value.
   */
  readonly refusedValueHint?: string;
}

/** What an operation's document runs on the host. */
export interface DocumentSpec {
  /** Name suffix; the document is `openclaw-<env>-<suffix>` (and its step `<suffix>` with underscores). */
  readonly suffix: string;
  /** The document's description in SSM. */
  readonly description: string;
  /** Seconds the step may run on the host before the agent stops it. */
  readonly timeoutSeconds: number;
  /**
   * The step's own lines (POSIX sh: the agent runs `sh`). The document puts `set -eu` and the
   * checks of its parameters (each in its `variable`) before them.
   */
  readonly commands: (layout: HostContract, s: DocumentSettings) => string[];
  /** The lines restart the gateway: the document then waits for /healthz (HEALTH_WAIT_SECONDS). */
  readonly waitForHealth?: boolean;
  /** Parameters the CLI fills in itself, after the operation's positional arguments (never typed). */
  readonly parameters?: readonly ParameterSpec[];
}

/** Every parameter of an operation's document: its positional arguments, then the CLI's own. */
export function documentParameters(op: { readonly document: Pick<DocumentSpec, "parameters">; readonly args: readonly ParameterSpec[] }): ParameterSpec[] {
  return [...op.args, ...(op.document.parameters ?? [])];
}

// ---------------------------------------------------------------- shell, POSIX sh (the agent runs `sh`)

const HEX = "[0-9A-Fa-f]";
/** REQUEST_ID_PATTERN as a `case` glob: the host checks again, whatever the agent version did. */
export const REQUEST_ID_GLOB = [8, 4, 4, 4, 12].map((n) => HEX.repeat(n)).join("-");

/**
 * Lines that put a validated parameter into its shell variable. Agents >= 3.3.2746 pass the
 * parameter as $SSM_<name> (ENV_VAR interpolation); older agents only substitute {{ <name> }},
 * which the allowedPattern has already restricted.
 */
function parameterLines(p: ParameterSpec): string[] {
  const refuse = `echo "openclaw-ops: invalid ${p.label} (expected a ${p.format} such as ${p.example})" >&2; exit 2 ;;`;
  return [
    // printenv, not \${VAR+x}: Terraform would read "\${" in the document content as an interpolation.
    `printenv SSM_${p.name} >/dev/null || SSM_${p.name}='{{ ${p.name} }}'`,
    `${p.variable}=$SSM_${p.name}`,
    `case "$${p.variable}" in`,
    ...(p.refuseGlob ? [`  ${p.refuseGlob}) ${refuse}`] : []),
    `  ${p.glob}) ;;`,
    `  *) ${refuse}`,
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

/** The shell lines of one document's step. */
export function documentCommands(document: DocumentSpec, parameters: readonly ParameterSpec[], layout: HostContract, s: DocumentSettings): string[] {
  return [
    "set -eu",
    ...parameters.flatMap(parameterLines),
    ...document.commands(layout, s),
    ...(document.waitForHealth ? healthWaitLines(layout) : []),
  ];
}

/** The document content of one operation (serialize with JSON.stringify). */
export function commandDocument(
  op: { readonly document: DocumentSpec; readonly args: readonly ParameterSpec[] },
  s: DocumentSettings,
): CommandDocument {
  const { document } = op;
  const parameters = documentParameters(op);
  return {
    schemaVersion: "2.2",
    description: document.description,
    parameters: Object.fromEntries(parameters.map((p) => [p.name, {
      type: "String",
      description: p.description,
      allowedPattern: p.allowedPattern,
      interpolationType: "ENV_VAR",
    } satisfies DocumentParameter])),
    mainSteps: [{
      action: "aws:runShellScript",
      name: document.suffix.replace(/-/g, "_"),
      precondition: { StringEquals: ["platformType", "Linux"] },
      inputs: { timeoutSeconds: String(document.timeoutSeconds), runCommand: documentCommands(document, parameters, hostContract(s), s) },
    }],
  };
}
