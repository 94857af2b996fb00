import { spawn } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SECRETS_CREDENTIAL } from "../../modules/host/contract";
import { shellQuote } from "../../modules/host/shell";
import type { Invocation, OpsAws } from "../../modules/ops/aws";
import { runOps } from "../../modules/ops/cli";
import type { OpsIo } from "../../modules/ops/context";
import { commandDocument } from "../../modules/ops/documents";
import { documentName, documentOperations, DocumentOperation } from "../../modules/ops/operations";
import { silentProgress } from "../../modules/ops/run";
import type { GatewaySettings } from "../../modules/settings/settings";
import { gatewayProcessEnv, OpenclawFixture, RunningGateway, secretsFileContent } from "./openclaw-harness";

/** How the local agent runs the documents. */
export interface LocalAgentOptions {
  /** Host paths in the scripts replaced by test stand-ins (e.g. the admin tool by a stub), applied in order. */
  readonly replace?: Readonly<Record<string, string>>;
  /** PATH the scripts run with. @default "/usr/bin:/bin" */
  readonly path?: string;
  /** The shell that runs the scripts (the agent runs `sh`: dash on Debian, bash on AL2023). @default "sh" */
  readonly shell?: string;
  /** Every document sent is appended here as "<name> <parameters as JSON>". */
  readonly sent?: string[];
  /**
   * Where the script runs. @default a local `sh -c` (options.shell) with only PATH and the parameters in its
   * environment, killed after the document's timeout. The VM proof runs it in the guest instead (as root, as the agent does).
   */
  readonly execute?: ScriptRunner;
}

/** What one document run printed and how it ended. */
export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a document's script with its parameters as $SSM_<name> (`env`), bounded by `timeoutMs`. */
export type ScriptRunner = (script: string, env: Readonly<Record<string, string>>, timeoutMs: number) => Promise<ScriptResult>;

/** The default runner: `shell -c script` here, with `PATH` and the parameters only. */
function localRunner(shell: string, pathValue: string): ScriptRunner {
  return (script, env, timeoutMs) => new Promise((resolve) => {
    const child = spawn(shell, ["-c", script], { env: { PATH: pathValue, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The local agent: the OpsAws calls of one instance, and every invocation as Run Command keeps it. */
export interface LocalSsmAgent extends OpsAws {
  /** Each command's invocation by command id: what GetCommandInvocation / the console show later. */
  readonly invocations: ReadonlyMap<string, Invocation>;
}

/**
 * A local stand-in for SSM and the agent on one instance: SendCommand checks the parameters
 * against the stack's document (each declared parameter present and matching its allowedPattern,
 * as SSM does), runs the document's exact script with the parameters as $SSM_<name>
 * (interpolationType ENV_VAR) and keeps its output; GetCommandInvocation reports it.
 */
export function localSsmAgent(settings: GatewaySettings, options: LocalAgentOptions): LocalSsmAgent {
  const operationOf = new Map(documentOperations().map((op) => [documentName(settings, op), op] as [string, DocumentOperation]));
  const invocations = new Map<string, Invocation>();
  const refuse = (name: string, message: string) => Object.assign(new Error(message), { name });
  const execute = options.execute ?? localRunner(options.shell ?? "sh", options.path ?? "/usr/bin:/bin");
  return {
    invocations,
    describeGroup: async () => [{ instanceId: "i-local", lifecycleState: "InService", healthStatus: "Healthy" }],
    describeGroupState: async () => ({
      desired: 1, min: 1, max: 1, instances: [{ instanceId: "i-local", lifecycleState: "InService", healthStatus: "Healthy", availabilityZone: "local-1a" }],
    }),
    latestInstanceRefresh: async () => undefined,
    async sendCommand({ documentName: name, parameters }) {
      const op = operationOf.get(name);
      if (!op) throw refuse("InvalidDocument", `no document ${name}`);
      const doc = commandDocument(op, settings);
      const env: Record<string, string> = {};
      for (const [param, spec] of Object.entries(doc.parameters)) {
        const value = parameters[param];
        if (value === undefined || !new RegExp(spec.allowedPattern).test(value)) throw refuse("InvalidParameters", `${param} does not match`);
        env[`SSM_${param}`] = value;
      }
      let script = doc.mainSteps[0].inputs.runCommand.join("\n");
      for (const [from, to] of Object.entries(options.replace ?? {})) script = script.replaceAll(from, to);
      const id = `cmd-${invocations.size + 1}`;
      options.sent?.push(`${name} ${JSON.stringify(parameters)}`);
      invocations.set(id, { status: "InProgress", statusDetails: "InProgress", responseCode: -1, stdout: "", stderr: "" });
      void execute(script, env, Number(doc.mainSteps[0].inputs.timeoutSeconds) * 1000).then(({ code, stdout, stderr }) => {
        const status = code === 0 ? "Success" : "Failed";
        invocations.set(id, { status, statusDetails: status, responseCode: code, stdout, stderr });
      }, (err: Error) => invocations.set(id, { status: "Failed", statusDetails: "Failed", responseCode: -1, stdout: "", stderr: err.message }));
      return id;
    },
    getInvocation: async (id) => invocations.get(id),
    putSecureString: async () => {
      throw new Error("not used");
    },
    getSecureString: async () => {
      throw new Error("not used");
    },
  };
}

/**
 * A stand-in for the host's openclaw-admin tool, written to `work`: what its transient unit does,
 * minus the user switch. A fresh credentials directory per run with a copy of the root-only secrets
 * file (0600 here, as on the host), the gateway's environment and CREDENTIALS_DIRECTORY only, cwd =
 * state dir, then the fixture's openclaw CLI. No secret is in its text. Returns its path (pass it in
 * `replace` for the host's admin tool).
 */
export function openclawAdminStub(gateway: Pick<RunningGateway, "token" | "layout">, fixture: OpenclawFixture, work: string): string {
  const secretsFile = path.join(work, "gateway-secrets.json");
  writeFileSync(secretsFile, secretsFileContent(gateway.token), { mode: 0o600 });
  const env = gatewayProcessEnv(gateway.layout, "$CREDENTIALS_DIRECTORY");
  const stub = path.join(work, "openclaw-admin");
  writeFileSync(stub, [
    "#!/bin/bash",
    "set -euo pipefail",
    `CREDENTIALS_DIRECTORY=$(mktemp -d ${shellQuote(path.join(work, "credentials.XXXXXX"))})`,
    'trap \'rm -rf "$CREDENTIALS_DIRECTORY"\' EXIT',
    `install -m 0400 ${shellQuote(secretsFile)} "$CREDENTIALS_DIRECTORY/${SECRETS_CREDENTIAL}"`,
    `cd ${shellQuote(gateway.layout.stateDir)}`,
    `env -i ${Object.entries(env).map(([k, v]) => (k === "CREDENTIALS_DIRECTORY" ? `${k}="${v}"` : shellQuote(`${k}=${v}`))).join(" ")} ${shellQuote(fixture.nodeBin)} ${shellQuote(fixture.openclawEntry)} "$@"`,
    "",
  ].join("\n"), { mode: 0o700 });
  chmodSync(stub, 0o700);
  return stub;
}

/** What one `npm run devices -- …` printed, and its exit code. */
export interface OpsRun {
  code: number;
  out: string;
  err: string;
}

/**
 * `npm run <cli> -- <argv>` (modules/ops/cli.ts runOps) for `settings`' environment, through `aws`; `runOptions`
 * replaces the quick poll used here (the VM proof waits as long as its emulated guest needs).
 */
export async function runOpsCli(
  settings: GatewaySettings, aws: OpsAws, cli: Parameters<typeof runOps>[0], argv: string[], runOptions: OpsIo["runOptions"] = { pollMs: 200 },
): Promise<OpsRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: OpsIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readSettings: () => ({ environments: [{ environment: settings.environment, domainName: settings.domainName, acmeEmail: settings.acmeEmail }] }),
    settingsSource: "settings.json",
    aws: () => aws,
    progress: () => silentProgress,
    readSecret: async () => "",
    runOptions,
  };
  const code = await runOps(cli, argv, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** `npm run devices -- <argv>` for `settings`' environment, through `aws`. */
export const runDevices = (settings: GatewaySettings, aws: OpsAws, argv: string[], runOptions?: OpsIo["runOptions"]): Promise<OpsRun> =>
  runOpsCli(settings, aws, "devices", argv, runOptions);
