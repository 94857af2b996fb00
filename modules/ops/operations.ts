import { resourceNames } from "../names";
import { GATEWAY_TOKEN, secretParameterName, SECRETS, secretsInUse, SecretSpec } from "../secrets-catalogue";
import type { GatewaySettings } from "../settings/settings";
import type { HostContract } from "../host/contract";
import { shellQuote } from "../host/shell";
import { CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS } from "../host/config-apply";
import type { OpsAws } from "./aws";
import type { OpsIo } from "./context";
import { DocumentSpec, ParameterSpec, REQUEST_ID_GLOB, REQUEST_ID_PATTERN } from "./documents";
import { formatDashboard, formatDecision, formatDeviceList, HostJson, parseHostJson } from "./format";
import { OpsError, PENDING_REQUEST_TTL_MINUTES, Target } from "./run";
import { newSealingKey, PUBLIC_KEY_PATTERN, sealCommand } from "./sealed";
import { runStatus, STATUS_TIMEOUT_SECONDS, statusLines } from "./status";

/**
 * Every day-2 operation, in one table (in the spirit of aws-cdk-cli's declared commands): one
 * entry says which CLI runs it and with which words, its usage line, its arguments and their
 * patterns, the SSM document it sends (name, description, timeout, host lines) and what the CLI
 * prints. The SSM documents (documents.ts, constructs/operations.ts), the help text, argument
 * parsing and dispatch (cli.ts) are all derived from it: a new operation is one new entry.
 */

/**
 * The operator CLIs: `npm run devices -- …`, `npm run secrets -- …`, `npm run status` and `npm run config`. A CLI with
 * one operation takes no command word (cli.ts).
 */
export type CliName = "devices" | "secrets" | "status" | "config";

/** Flags beyond --env and --help. `json` belongs to every operation whose output is "json". */
export type FlagName = "json" | "reveal";

/** Each flag's usage line. */
export const FLAGS: Record<FlagName, { readonly usage: string; readonly description: string }> = {
  json: { usage: "--json", description: "print the host's JSON as is" },
  reveal: { usage: "--reveal", description: "print the token itself" },
};

/** Where the chosen environment's stack lives, and its resource names. */
export interface OpsTarget extends Target {
  readonly names: ReturnType<typeof resourceNames>;
}

/** What an operation's CLI code is given. */
export interface OperationContext {
  readonly io: OpsIo;
  readonly settings: GatewaySettings;
  readonly target: OpsTarget;
  readonly aws: OpsAws;
  /** The positional arguments by parameter name, already checked against their patterns. */
  readonly args: Readonly<Record<string, string>>;
  readonly flags: Readonly<Record<FlagName, boolean>>;
  now(): number;
  /** Sends an operation's document to the running instance; its standard output. */
  runDocument(op: OperationSpec, parameters?: Record<string, string>): Promise<string>;
  /** One AWS call; an SDK error becomes an OpsError naming `action`. */
  call<T>(action: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * What the CLI prints. "json": the document prints JSON on the host; the CLI renders it as text,
 * or prints it as is with --json. "text": the document's output is not shown; the CLI prints a
 * message once it succeeded. "local": the CLI's own steps (AWS calls from the operator's
 * machine, possibly documents of other operations).
 */
export type OperationOutput =
  | { readonly format: "json"; readonly render: (result: HostJson, ctx: OperationContext) => string }
  | { readonly format: "text"; readonly message: (ctx: OperationContext) => string }
  | { readonly format: "local"; readonly run: (ctx: OperationContext) => Promise<void> };

/** A failure the host reports in its output, and what the operator is told instead. */
export interface KnownFailure {
  readonly output: RegExp;
  readonly message: (parameters: Readonly<Record<string, string>>) => string;
}

/** One operation. */
export interface OperationSpec {
  /** The operation's one name: the construct id of its document and its key in the stack output. */
  readonly id: string;
  readonly cli: CliName;
  /** `npm run <cli> -- <command>`. */
  readonly command: string;
  /** The usage line's description. */
  readonly summary: string;
  /** Positional arguments, in order; each is also a parameter of the document. */
  readonly args: readonly ParameterSpec[];
  /** Flags it takes besides --env (and --json, implied by a "json" output). */
  readonly flags?: readonly FlagName[];
  /** What a flag does for this operation, where FLAGS' general description does not fit. @default FLAGS[flag].description */
  readonly flagDescriptions?: Partial<Record<FlagName, string>>;
  /** The refusal when arguments are given to an operation that takes none. @default "<command> takes no arguments" */
  readonly noArguments?: string;
  /** The SSM document it sends; none for operations the CLI carries out itself. */
  readonly document?: DocumentSpec;
  /** Host failures with a better message than the generic one (checked in order). */
  readonly failures?: readonly KnownFailure[];
  readonly output: OperationOutput;
}

/** An operation that sends a document. */
export type DocumentOperation = OperationSpec & { readonly document: DocumentSpec };

/** The flags an operation takes. */
export function flagsOf(op: OperationSpec): FlagName[] {
  return [...(op.output.format === "json" ? ["json" as const] : []), ...(op.flags ?? [])];
}

// ---------------------------------------------------------------- devices

const REQUEST_ID: ParameterSpec = {
  name: "requestId",
  variable: "REQUEST_ID",
  label: "request id",
  description: "Pairing request id from the devices list (a UUID)",
  allowedPattern: REQUEST_ID_PATTERN,
  glob: REQUEST_ID_GLOB,
  format: "UUID",
  example: "0b5c1a52-7d0e-4f7e-9a51-2c3d4e5f6a7b",
  source: "`npm run devices -- list`",
};

/** openclaw's answers for a request id it does not know (approve and reject word it differently). */
const UNKNOWN_REQUEST: KnownFailure = {
  output: /No pending device request matches|unknown requestId/i,
  message: ({ requestId }) => `No pending pairing request ${requestId ?? ""} on the gateway: it is unknown, was already handled, `
    + `or expired (pending requests vanish after ${PENDING_REQUEST_TTL_MINUTES} minutes). Let the device connect again, `
    + "then run `npm run devices -- list` and approve the new request id.",
};

const admin = (layout: HostContract) => shellQuote(layout.adminTool);

/**
 * A decision on one pending pairing request. The gateway records it in its sqlite database on the data volume (WAL
 * mode: the commit is written to the page cache, not forced to disk), so the script syncs before it reports: a host
 * that dies or is snapshotted seconds after the approval otherwise comes back with the device still pending (the VM
 * proof's restore scenario saw exactly that ~10 s after an approval). The tool's exit status and JSON are kept.
 */
function decision(id: string, command: "approve" | "reject", verb: "approved" | "rejected", summary: string, description: string): DocumentOperation {
  return {
    id,
    cli: "devices",
    command,
    summary,
    args: [REQUEST_ID],
    document: {
      suffix: `devices-${command}`,
      description,
      timeoutSeconds: 120,
      commands: (layout) => [
        "status=0",
        `${admin(layout)} devices ${command} "$REQUEST_ID" --json || status=$?`,
        "sync",
        'exit "$status"',
      ],
    },
    failures: [UNKNOWN_REQUEST],
    output: { format: "json", render: (result, ctx) => formatDecision(result, verb, ctx.args.requestId) },
  };
}

export const LIST_DEVICES: DocumentOperation = {
  id: "listDevices",
  cli: "devices",
  command: "list",
  summary: "pending pairing requests (with the time left) and paired devices",
  args: [],
  document: {
    suffix: "devices-list",
    description: "OpenClaw: list pending pairing requests and paired devices (JSON)",
    timeoutSeconds: 120,
    commands: (layout) => [`exec ${admin(layout)} devices list --json`],
  },
  output: { format: "json", render: (result, ctx) => formatDeviceList(result, ctx.now()) },
};

export const APPROVE_DEVICE = decision("approveDevice", "approve", "approved",
  `approve one pending request (they expire after ${PENDING_REQUEST_TTL_MINUTES} minutes)`,
  `OpenClaw: approve one pending device pairing request (requests expire after ${PENDING_REQUEST_TTL_MINUTES} minutes)`);

export const REJECT_DEVICE = decision("rejectDevice", "reject", "rejected",
  "reject one pending request",
  "OpenClaw: reject one pending device pairing request");

/** The CLI's one-time public key for the dashboard link (modules/ops/sealed.ts). */
const PUBLIC_KEY: ParameterSpec = {
  name: "publicKey",
  variable: "PUBLIC_KEY",
  label: "public key",
  description: "One-time RSA public key of the operator CLI (base64 DER); the host prints the link only sealed to it",
  allowedPattern: PUBLIC_KEY_PATTERN,
  glob: "MII?*",
  refuseGlob: "*[!A-Za-z0-9+/=]*",
  format: "base64 DER RSA public key",
  example: "MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEA...",
  source: "the CLI (npm run devices -- dashboard makes one per request)",
};

/**
 * The dashboard document's lines. openclaw's JSON stays in a shell variable and reaches jq and
 * openssl through pipes from the `printf` builtin: never an argument of a process (`ps`), never a
 * file. The output is a whitelist: ok, the expiry and the link sealed to the operator's key
 * (openclaw's other fields, e.g. a password handoff under password auth, never leave the host).
 * openclaw's stderr is shown only when it failed (no link exists then).
 */
function dashboardLines(layout: HostContract): string[] {
  return [
    `DIR=$(mktemp -d)`,
    `trap 'rm -rf "$DIR"' EXIT`,
    `printf '%s' "$PUBLIC_KEY" | base64 -d > "$DIR/key"`,
    `if ! ANSWER=$(${admin(layout)} dashboard --json 2>"$DIR/stderr"); then`,
    `  cat "$DIR/stderr" >&2`,
    `  printf '%s' "$ANSWER" | jq -nc 'input | {ok: false, reason: (.reason // .error.message // "openclaw dashboard failed")}' 2>/dev/null \\`,
    `    || echo '{"ok":false,"reason":"openclaw dashboard failed without JSON"}'`,
    `  exit 1`,
    `fi`,
    `printf '%s' "$ANSWER" | jq -e '.ok == true and (.browserUrl | type == "string")' >/dev/null 2>&1 \\`,
    `  || { echo '{"ok":false,"reason":"openclaw printed no browserUrl"}'; exit 1; }`,
    `printf '%s' "$ANSWER" | jq -j .browserUrl | ${sealCommand(`"$DIR/key"`, `"$DIR/sealed"`)}`,
    `printf '%s' "$ANSWER" | jq -c --arg sealed "$(base64 -w 0 "$DIR/sealed")" '{ok: true, browserBootstrapExpiresAtMs, sealedBrowserUrl: $sealed}'`,
  ];
}

/**
 * The one-time owner link, delivered only to the operator who asked: a key pair per request, the
 * link sealed on the host, opened here (modules/ops/sealed.ts). Run Command history holds only
 * the public key and the ciphertext.
 */
export const DASHBOARD_LINK: DocumentOperation = {
  id: "dashboardLink",
  cli: "devices",
  command: "dashboard",
  summary: "one-time owner link to the Control UI (single use, 10 minutes)",
  args: [],
  document: {
    suffix: "dashboard-link",
    description: "OpenClaw: issue a one-time owner dashboard link (valid 10 minutes, single use), printed only sealed to the caller's key",
    timeoutSeconds: 120,
    parameters: [PUBLIC_KEY],
    commands: dashboardLines,
  },
  output: {
    format: "local",
    async run(ctx) {
      const key = await newSealingKey();
      const answer = parseHostJson(await ctx.runDocument(DASHBOARD_LINK, { publicKey: key.publicKey }), "devices dashboard");
      ctx.io.out(formatDashboard(answer, key, ctx.settings.domainName, ctx.now()));
    },
  },
};

// ---------------------------------------------------------------- secrets

// A restart waits for /healthz; a cold gateway takes a while to load its plugins.
const RESTART_TIMEOUT_SECONDS = 300;

export const REFRESH_SECRETS: DocumentOperation = {
  id: "refreshSecrets",
  cli: "secrets",
  command: "refresh",
  summary: "re-read every secrets parameter on the host and restart the gateway",
  args: [],
  document: {
    suffix: "refresh-secrets",
    description: "OpenClaw: re-read the SSM parameters into the gateway's secrets file (its systemd credential) and restart it",
    timeoutSeconds: RESTART_TIMEOUT_SECONDS,
    commands: (layout) => [`${shellQuote(layout.refreshSecretsTool)} --restart`],
    waitForHealth: true,
  },
  output: { format: "text", message: () => "The gateway re-read its secrets and restarted." },
};

export const ROTATE_TOKEN: DocumentOperation = {
  id: "rotateToken",
  cli: "secrets",
  command: "rotate-token",
  summary: "generate and store a new gateway token on the host, restart the gateway",
  args: [],
  document: {
    suffix: "rotate-token",
    description: "OpenClaw: generate and store a new gateway token, then restart the gateway",
    timeoutSeconds: RESTART_TIMEOUT_SECONDS,
    commands: (layout) => [`${shellQuote(layout.refreshSecretsTool)} --rotate-token --restart`],
    waitForHealth: true,
  },
  output: {
    format: "text",
    message: (ctx) => `Rotated the gateway token (${secretParameterName(ctx.settings, GATEWAY_TOKEN)}) and restarted the gateway. `
      + "Clients that authenticate with the shared token need the new one (npm run secrets -- show-token --reveal); "
      + "paired devices keep their own device credentials.",
  },
};

export const SHOW_TOKEN: OperationSpec = {
  id: "showToken",
  cli: "secrets",
  command: "show-token",
  summary: "gateway token parameter: version and date; the value only with --reveal",
  args: [],
  flags: ["reveal"],
  output: {
    format: "local",
    async run(ctx) {
      const name = secretParameterName(ctx.settings, GATEWAY_TOKEN);
      const parameter = await ctx.call(`reading ${name}`, () => ctx.aws.getSecureString(name));
      if (parameter.value === GATEWAY_TOKEN.placeholder) {
        throw new OpsError(`${name} still holds its placeholder: the host generates the token at its first boot.`);
      }
      const when = parameter.lastModified ? `, last changed ${parameter.lastModified.toISOString()}` : "";
      ctx.io.err(`${name}: version ${parameter.version}${when}.`);
      if (ctx.flags.reveal) ctx.io.out(parameter.value);
      else ctx.io.err("Add --reveal to print the token itself.");
    },
  },
};

/** Characters a secret's value may hold on the host (openclaw-refresh-secrets refuses others). */
const SECRET_CHARS = /^[A-Za-z0-9._~+/=:-]+$/;

/**
 * Checks a typed or piped operator secret and returns it without surrounding whitespace.
 * Messages never contain the value.
 */
export function validateSecret(secret: Pick<SecretSpec, "label" | "placeholder">, raw: string): string {
  const value = raw.trim();
  const { label } = secret;
  if (value.length === 0) throw new OpsError(`No ${label} given (stdin was empty). Pipe it in or type it at the prompt.`);
  if (/\s/.test(value)) throw new OpsError(`The ${label} contains whitespace or several lines; give exactly one value.`);
  if (!SECRET_CHARS.test(value)) throw new OpsError(`The ${label} has characters outside A-Z a-z 0-9 . _ ~ + / = : - (the host refuses those).`);
  if (value.length < 20 || value.length > 512) throw new OpsError(`The ${label} must be 20 to 512 characters long (got ${value.length}).`);
  if (value === secret.placeholder) throw new OpsError("That is the placeholder, not a real value.");
  return value;
}

/**
 * `npm run secrets -- <setCommand>` of one operator-written secret of the catalogue: read it
 * (stdin or a hidden prompt, never argv), write the SSM parameter from the operator's machine,
 * then refresh the running gateway.
 */
export function setSecretOperation(secret: SecretSpec & { setCommand: string }): OperationSpec {
  const { label } = secret;
  return {
    id: `set:${secret.id}`,
    cli: "secrets",
    command: secret.setCommand,
    summary: `store the ${label} (read from stdin when piped, else a hidden prompt; never from the command line), `
      + "then refresh the running gateway",
    args: [],
    // Never echo the arguments: someone may have typed the secret there.
    noArguments: `${secret.setCommand} takes no arguments: the ${label} is read from stdin or a hidden prompt, never from the `
      + "command line (it would land in your shell history and the process list). Remove it from your shell history.",
    output: { format: "local", run: (ctx) => storeSecret(ctx, secret) },
  };
}

/** The operator secrets, by id: what `npm run secrets -- set <id>` stores. */
const operatorWritten = (): SecretSpec[] => SECRETS.filter((s) => s.writer === "operator");

const SECRET_NAME: ParameterSpec = {
  name: "secret",
  variable: "SECRET",
  label: "secret name",
  description: "Id of an operator secret of the catalogue (modules/secrets-catalogue.ts)",
  allowedPattern: `^(?:${operatorWritten().map((s) => s.id).join("|")})$`,
  glob: operatorWritten().map((s) => s.id).join("|"),
  format: "catalogue id",
  example: operatorWritten().map((s) => s.id).join(", "),
  source: "the catalogue: modules/secrets-catalogue.ts",
  refusedValueHint: "The value itself is read from stdin or a hidden prompt, never from the command line: if you typed it here, "
    + "remove it from your shell history.",
};

/**
 * `npm run secrets -- set <id>`: any operator secret of the catalogue (an API key, a channel's token), read
 * from stdin or a hidden prompt, never argv. A channel's token only while the environment's settings enable
 * the channel: otherwise it has no parameter (modules/secrets-catalogue.ts `secretsInUse`).
 */
export const SET_SECRET: OperationSpec = {
  id: "set",
  cli: "secrets",
  command: "set",
  summary: "store any operator secret by its catalogue id, e.g. `set telegram-bot-token` (read from stdin when piped, "
    + "else a hidden prompt; never from the command line), then refresh the running gateway",
  args: [SECRET_NAME],
  output: {
    format: "local",
    async run(ctx) {
      const secret = operatorWritten().find((s) => s.id === ctx.args.secret)!;
      if (!secretsInUse(ctx.settings).some((s) => s.id === secret.id)) {
        throw new OpsError(`The ${secret.label} is used only while the openclaw setting enables channels.${secret.channel}; `
          + `environment ${ctx.settings.environment} does not, so it has no parameter ${secretParameterName(ctx.settings, secret)}. `
          + "Enable the channel in the settings (docs/settings.md#channels), deploy, then store the token.");
      }
      await storeSecret(ctx, secret);
    },
  },
};

/** Reads one operator secret (stdin or a hidden prompt), writes its parameter, then refreshes the running gateway. */
async function storeSecret(ctx: OperationContext, secret: SecretSpec): Promise<void> {
  const { label } = secret;
  const value = validateSecret(secret, await ctx.io.readSecret(`${label} (input hidden): `));
  const name = secretParameterName(ctx.settings, secret);
  const { kmsAlias } = ctx.target.names;
  const version = await ctx.call(`writing ${name}`, () => ctx.aws.putSecureString(name, value, kmsAlias));
  ctx.io.err(`Stored the ${label} in ${name} (version ${version}, encrypted with ${kmsAlias}).`);
  try {
    await ctx.runDocument(REFRESH_SECRETS);
  } catch (error) {
    if (error instanceof OpsError && /No running instance/.test(error.message)) {
      ctx.io.err(`${error.message}\nThe ${label} is stored; the next host reads it when it boots.`);
      return;
    }
    throw new OpsError(`The ${label} is stored, but refreshing the gateway failed; retry with \`npm run secrets -- `
      + `${REFRESH_SECRETS.command}\`.\n${(error as Error).message}`);
  }
  ctx.io.out(`The gateway restarted with the new ${label}.`);
}

// ---------------------------------------------------------------- status

/**
 * `npm run status`: the group from Auto Scaling, the host's facts from the read-only "status"
 * document (modules/ops/status.ts), one screen or JSON.
 */
export const STATUS: DocumentOperation = {
  id: "status",
  cli: "status",
  command: "status",
  summary: "one screen: the group, the instance, its lifecycle and refresh; on the host /healthz, versions, "
    + "certificate, last boot, disk, memory, units, latest snapshot",
  args: [],
  flags: ["json"],
  flagDescriptions: { json: "print the report as JSON (its shape: docs/operating.md#status)" },
  document: {
    suffix: "status",
    description: "OpenClaw: read-only status of the gateway host (health, versions, certificate, last boot, disk, memory, units, latest snapshot and backup) as one JSON object",
    timeoutSeconds: STATUS_TIMEOUT_SECONDS,
    commands: statusLines,
  },
  output: { format: "local", run: (ctx) => runStatus(ctx, STATUS) },
};

// ---------------------------------------------------------------- config

/**
 * `npm run config`: the host applies the environment's openclaw.json from the artifacts bucket now
 * (openclaw-apply-config, modules/host/config-apply.ts) instead of at its timer's next run: hot when
 * openclaw reloads every changed path, else with a gateway restart; a refused object fails it.
 */
export const APPLY_CONFIG: DocumentOperation = {
  id: "applyConfig",
  cli: "config",
  command: "apply",
  summary: "apply the deployed openclaw.json on the host now (hot, or a gateway restart where openclaw needs one)",
  args: [],
  document: {
    suffix: "apply-config",
    description: "OpenClaw: fetch openclaw.json from the stack's artifacts bucket, check its locked gateway fields and apply it (hot reload, or a gateway restart where openclaw needs one)",
    // A restart's wait, plus openclaw's install of each external channel plugin a changed config enables.
    timeoutSeconds: RESTART_TIMEOUT_SECONDS + CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS,
    commands: (layout) => [shellQuote(layout.applyConfigTool)],
    waitForHealth: true,
  },
  failures: [{
    output: /openclaw-apply-config: refused: (.*)/,
    message: () => "The host refused the deployed openclaw.json (its locked gateway fields are not this host's, or a Slack or Discord "
      + "plugin could not be installed or did not match its pin) and kept the file it has; "
      + "see the Run Command output or journalctl -u openclaw-apply-config on the host.",
  }],
  output: { format: "text", message: () => "The host applied the deployed openclaw.json (its journal says: unchanged, applied (hot) or applied (restart))." },
};

const operatorSecrets = SECRETS.filter((s): s is SecretSpec & { setCommand: string } => s.writer === "operator" && !!s.setCommand);

/** Every operation, in the order the usage texts and the README list them. */
export const OPERATIONS: readonly OperationSpec[] = [
  LIST_DEVICES,
  APPROVE_DEVICE,
  REJECT_DEVICE,
  DASHBOARD_LINK,
  ...operatorSecrets.map(setSecretOperation),
  SET_SECRET,
  ROTATE_TOKEN,
  REFRESH_SECRETS,
  SHOW_TOKEN,
  STATUS,
  APPLY_CONFIG,
];

/** True when the operation sends a document. */
export const sendsDocument = (op: OperationSpec): op is DocumentOperation => op.document !== undefined;

/** The operations that send a document. */
export function documentOperations(table: readonly OperationSpec[] = OPERATIONS): DocumentOperation[] {
  return table.filter(sendsDocument);
}

/** The SSM document name of one operation in one environment: `openclaw-<env>-<suffix>`. */
export function documentName(s: Pick<GatewaySettings, "environment">, op: DocumentOperation): string {
  return `${resourceNames(s).prefix}-${op.document.suffix}`;
}

/** The SSM document name of every document operation of one environment, by operation id. */
export function documentNames(s: Pick<GatewaySettings, "environment">, table: readonly OperationSpec[] = OPERATIONS): Record<string, string> {
  return Object.fromEntries(documentOperations(table).map((op) => [op.id, documentName(s, op)]));
}
