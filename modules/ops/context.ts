import { resourceNames } from "../names";
import { GatewaySettings, resolveSettingsFile } from "../settings/settings";
import { displayPath, isSettingsError, readSettingsJson, settingsErrorText, settingsFilePath } from "../settings/file";
import { OpsAws, sdkOpsAws } from "./aws";
import type { OpsTarget } from "./operations";
import { OpsError, Progress, RunOptions, ttyProgress } from "./run";

/** Exit codes of the operator CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Everything a CLI command touches outside itself; tests pass their own. */
export interface OpsIo {
  out(text: string): void;
  err(text: string): void;
  /** The settings file's parsed JSON (a missing or malformed file throws a SettingsError). */
  readSettings(): unknown;
  /** Name of the settings file, for messages. */
  settingsSource: string;
  /** The AWS calls for a region. */
  aws(region: string): OpsAws;
  progress(): Progress;
  /**
   * A secret typed by the operator: all of stdin when it is piped, else a prompt on the terminal
   * that does not echo. Never from argv.
   */
  readSecret(prompt: string): Promise<string>;
  /** Polling knobs and the clock (tests shorten and fake them); the CLI's own times use `now` too. */
  runOptions?: RunOptions;
}

/** The real terminal, settings.json (or $OPENCLAW_AWS_SETTINGS) and the AWS SDK. */
export function processIo(): OpsIo {
  const file = settingsFilePath();
  return {
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    readSettings: () => readSettingsJson(file),
    settingsSource: displayPath(file),
    aws: sdkOpsAws,
    progress: () => ttyProgress(process.stderr),
    readSecret: (prompt) => (process.stdin.isTTY ? promptHidden(prompt) : readAll(process.stdin)),
  };
}

/** The environment named by --env, or the first one of the file. */
export function selectEnvironment(all: GatewaySettings[], name: string | undefined): GatewaySettings {
  if (name === undefined) return all[0];
  const found = all.find((s) => s.environment === name);
  if (!found) throw new OpsError(`No environment "${name}" in the settings; known: ${all.map((s) => s.environment).join(", ")}`);
  return found;
}

/** Where the chosen environment's stack lives and its resource names. */
export function targetOf(s: GatewaySettings): OpsTarget {
  const names = resourceNames(s);
  return { environment: s.environment, region: s.region, autoScalingGroup: names.autoScalingGroup, names };
}

/** A wrong command line: printed with the usage text, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Runs a CLI body and maps its outcome to an exit code and a message on stderr. */
export async function runCli(io: OpsIo, usage: string, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n\n${usage}`);
      return EXIT.usage;
    }
    // A bad settings file: the same block as synth and the audit print.
    if (isSettingsError(error)) {
      io.err(settingsErrorText(error));
      return EXIT.failed;
    }
    if (error instanceof OpsError) {
      io.err(`error: ${(error as Error).message}`);
      return EXIT.failed;
    }
    io.err(`unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.failed;
  }
}

/** Loads the settings file and picks the environment. */
export function loadTarget(io: OpsIo, env: string | undefined) {
  const settings = selectEnvironment(resolveSettingsFile(io.readSettings(), io.settingsSource), env);
  return { settings, target: targetOf(settings) };
}

/** All of a stream (a piped secret). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads one line from the terminal with echo off (raw mode); Ctrl-C aborts. */
export function promptHidden(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = "";
    output.write(prompt);
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding("utf8");
    const finish = (error?: Error) => {
      input.setRawMode?.(false);
      input.pause();
      input.removeListener("data", onData);
      output.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003") return finish(new OpsError("Cancelled."));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
  });
}
