import type { GroupInstance, Invocation, OpsAws } from "./aws";
import { documentParameters, DocumentSpec } from "./documents";
import type { DocumentOperation } from "./operations";

/** A failure the operator can act on; its message says what happened and what to do. */
export class OpsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpsError";
  }
}

/** How long pending pairing requests live in openclaw 2026.9.6 (DEVICE_PAIRING_PENDING_TTL_MS). */
export const PENDING_REQUEST_TTL_MINUTES = 5;

/** Where the stack lives: the names the CLI needs to find the host and its documents. */
export interface Target {
  environment: string;
  region: string;
  autoScalingGroup: string;
}

// ---------------------------------------------------------------- pure: errors

const CREDENTIAL_ERRORS = ["CredentialsProviderError", "ProviderError", "TokenProviderError"];
const EXPIRED_ERRORS = ["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"];
const INVALID_CREDENTIAL_ERRORS = ["UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch"];

/** Turns an SDK error into an OpsError with a clear message; `action` names what was attempted. */
export function describeAwsError(error: unknown, action: string, target: Target): OpsError {
  if (error instanceof OpsError) return error;
  const name = (error as { name?: string })?.name ?? "";
  const message = (error as { message?: string })?.message ?? String(error);
  if (CREDENTIAL_ERRORS.includes(name) || /could not load credentials/i.test(message)) {
    return new OpsError("No AWS credentials found. Configure them (aws configure, AWS_PROFILE=…, aws sso login, "
      + "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and retry.");
  }
  if (EXPIRED_ERRORS.includes(name)) return new OpsError(`Your AWS credentials have expired (${name}). Refresh them (e.g. aws sso login) and retry.`);
  if (INVALID_CREDENTIAL_ERRORS.includes(name)) return new OpsError(`AWS rejected your credentials (${name}) while ${action}. Check the profile and keys.`);
  if (/AccessDenied|UnauthorizedOperation|AccessDeniedException/.test(name)) {
    return new OpsError(`AWS denied ${action}: ${message}`);
  }
  if (name === "InvalidDocument") {
    return new OpsError(`The SSM document for this task does not exist in ${target.region}. Deploy the stack first `
      + `(cdktf deploy openclaw-${target.environment}) or check --env / the region.`);
  }
  if (name === "InvalidInstanceId") {
    return new OpsError("The gateway instance is not reachable through Systems Manager yet (its SSM agent is not online). "
      + "If it has just started, wait a minute and retry.");
  }
  if (name === "InvalidParameters") return new OpsError(`The document refused the parameters: ${message}`);
  return new OpsError(`AWS error while ${action}: ${name ? `${name}: ` : ""}${message}`);
}

// ---------------------------------------------------------------- pure: instance

/** The one running instance of the group, or an OpsError that says why there is none. */
export function pickInstance(instances: GroupInstance[] | undefined, target: Target): string {
  if (!instances) {
    return fail(`Auto Scaling group ${target.autoScalingGroup} not found in ${target.region}. `
      + `Is the stack deployed (cdktf deploy openclaw-${target.environment}) and is --env right?`);
  }
  const inService = instances.filter((i) => i.lifecycleState === "InService");
  const healthy = inService.filter((i) => i.healthStatus !== "Unhealthy");
  const chosen = healthy[0] ?? inService[0];
  if (chosen) return chosen.instanceId;
  const states = instances.map((i) => `${i.instanceId} ${i.lifecycleState}`).join(", ");
  return fail(`No running instance in Auto Scaling group ${target.autoScalingGroup} (${target.region})`
    + (states ? `: ${states}. A replacement may be booting; the first boot takes several minutes.` : ": the group has no instances."));
}

const fail = (message: string): never => {
  throw new OpsError(message);
};

// ---------------------------------------------------------------- pure: outcome

const lastLines = (text: string, n = 15): string => text.trim().split("\n").slice(-n).join("\n");

/** What runOperation needs of an operation: its id, its step timeout, what its failures mean. */
export type RunnableOperation = Pick<DocumentOperation, "id" | "args" | "failures">
  & { readonly document: Pick<DocumentSpec, "timeoutSeconds" | "parameters"> };

/**
 * What a finished invocation means. Success → its output; anything else → an OpsError naming
 * the cause (a failure the operation knows, such as an expired request id; a parameter the host
 * refused; a timeout; else the tail of the host's error output).
 */
export function invocationOutcome(invocation: Invocation, op: RunnableOperation, parameters: Readonly<Record<string, string>>): string {
  if (invocation.status === "Success") return invocation.stdout;
  const output = `${invocation.stderr}\n${invocation.stdout}`;
  if (invocation.status === "TimedOut" || /TimedOut/.test(invocation.statusDetails)) {
    const where = invocation.statusDetails === "DeliveryTimedOut"
      ? "The SSM agent on the host did not pick the command up in time (is the instance up and its agent online?)."
      : `The command ran longer than ${op.document.timeoutSeconds}s on the host and was stopped.`;
    return fail(`${where}${invocation.stderr.trim() ? `\nHost output:\n${lastLines(invocation.stderr)}` : ""}`);
  }
  if (invocation.status === "Cancelled" || invocation.status === "Cancelling") return fail("The command was cancelled.");
  const known = op.failures?.find((f) => f.output.test(output));
  if (known) return fail(known.message(parameters));
  const refused = documentParameters(op).find((p) => output.includes(`invalid ${p.label}`));
  if (refused) return fail(`The host refused the ${refused.label}: it must be a ${refused.format} from ${refused.source}.`);
  const refusal = jsonRefusal(invocation.stdout);
  if (refusal) return fail(`The gateway refused: ${refusal}`);
  const code = invocation.responseCode >= 0 ? ` (exit ${invocation.responseCode})` : "";
  const tail = lastLines(invocation.stderr) || lastLines(invocation.stdout);
  return fail(`The command failed on the host${code}.${tail ? `\nHost output:\n${tail}` : ""}`);
}

/**
 * openclaw's --json failures print one object on stdout: {"ok":false,"reason":"…"} (dashboard)
 * or {"ok":false,"error":{"message":"…"}} (devices). Its message, or undefined.
 */
export function jsonRefusal(stdout: string): string | undefined {
  try {
    const value = JSON.parse(stdout.trim());
    if (value?.ok !== false) return undefined;
    const message = value.reason ?? value.error?.message;
    return typeof message === "string" && message ? message : "no reason given";
  } catch {
    return undefined;
  }
}

const FINISHED = ["Success", "Failed", "Cancelled", "TimedOut"];

// ---------------------------------------------------------------- effects

/** Shows the operator that something is happening while the CLI waits. */
export interface Progress {
  update(text: string): void;
  done(): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

/** A one-line spinner on a TTY stream; nothing at all when the stream is not a terminal. */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  const frames = ["|", "/", "-", "\\"];
  let frame = 0;
  return {
    update(text) {
      stream.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${text}`);
    },
    done() {
      stream.write("\r\x1b[2K");
    },
  };
}

export interface RunOptions {
  /** Polling interval in ms. @default 2000 */
  pollMs?: number;
  /** Give up waiting after this many ms. @default the step timeout + the delivery timeout + 30 s */
  waitMs?: number;
  /** Injectable for tests. @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests. @default Date.now */
  now?: () => number;
  progress?: Progress;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs one document on the stack's running instance and returns its standard output:
 * DescribeAutoScalingGroups → SendCommand → GetCommandInvocation until finished (bounded).
 */
export async function runOperation(
  aws: OpsAws,
  target: Target,
  op: RunnableOperation,
  documentName: string,
  parameters: Record<string, string> = {},
  options: RunOptions = {},
): Promise<string> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const progress = options.progress ?? silentProgress;
  const pollMs = options.pollMs ?? 2000;
  const waitMs = options.waitMs ?? (op.document.timeoutSeconds + 60 + 30) * 1000;
  const call = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw describeAwsError(error, action, target);
    }
  };

  try {
    progress.update(`finding the gateway instance of ${target.autoScalingGroup}`);
    const instances = await call("describing the Auto Scaling group", () => aws.describeGroup(target.autoScalingGroup));
    const instanceId = pickInstance(instances, target);
    progress.update(`sending ${documentName} to ${instanceId}`);
    const commandId = await call("sending the command", () =>
      aws.sendCommand({ documentName, instanceId, parameters, comment: `openclaw-aws ${op.id}` }));
    const started = now();
    for (;;) {
      const invocation = await call("reading the command result", () => aws.getInvocation(commandId, instanceId));
      if (invocation && FINISHED.includes(invocation.status)) {
        return invocationOutcome(invocation, op, parameters);
      }
      const elapsed = now() - started;
      if (elapsed >= waitMs) {
        throw new OpsError(`Gave up waiting after ${Math.round(elapsed / 1000)}s: command ${commandId} on ${instanceId} is still `
          + `${invocation?.status ?? "not registered"}. Check it later with: aws ssm get-command-invocation --region ${target.region} `
          + `--command-id ${commandId} --instance-id ${instanceId}`);
      }
      progress.update(`${op.id} on ${instanceId}: ${invocation?.status ?? "Pending"} (${Math.round(elapsed / 1000)}s)`);
      await sleep(pollMs);
    }
  } finally {
    progress.done();
  }
}
