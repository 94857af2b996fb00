import { readFileSync } from "node:fs";
import * as path from "node:path";
import { GatewaySettings, resolveSettingsFile, SettingsError, SettingsProblem } from "./settings";
import { placeholderWarnings } from "./rules";

/**
 * Reading the settings file, for every entry point (main.ts, the audit, the ops CLIs): the same
 * path, the same errors, the same block on stderr.
 */

/** Environment variable naming another settings file. */
export const SETTINGS_ENV = "OPENCLAW_AWS_SETTINGS";
/** Environment variable that adds the stack trace to a settings error (`OPENCLAW_AWS_DEBUG=1`). */
export const DEBUG_ENV = "OPENCLAW_AWS_DEBUG";

/** Absolute path of the settings file: $OPENCLAW_AWS_SETTINGS, else settings.json, from the working directory. */
export function settingsFilePath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, env[SETTINGS_ENV] || "settings.json");
}

/** How messages name the file: relative to the working directory when inside it, else absolute. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** Line and column (both from 1) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Offset of the first character where `text` stops being JSON (RFC 8259), or undefined when it is
 * JSON. JSON.parse's messages do not always say where ("Unexpected token '}', "…" is not valid
 * JSON" carries no position on Node 20 or 24), so the position is found here.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const expect = (ch: string) => (text[i] === ch ? i++ : fail());
  const string = () => {
    expect("\"");
    for (;;) {
      if (i >= text.length || text[i] < " ") fail();
      const ch = text[i++];
      if (ch === "\"") return;
      if (ch !== "\\") continue;
      if (text[i] === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
        i += 5;
      } else if (i < text.length && "\"\\/bfnrt".includes(text[i])) i++;
      else fail();
    }
  };
  const sequence = (close: string, item: () => void) => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      ws();
      if (text[i] === ",") i++;
      else return void expect(close);
      ws();
    }
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === "{") return sequence("}", () => { string(); ws(); expect(":"); value(); });
    if (ch === "[") return sequence("]", value);
    if (ch === "\"") return string();
    const literal = ["true", "false", "null"].find((word) => text.startsWith(word, i));
    if (literal) return void (i += literal.length);
    const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (!number.test(text)) fail();
    i = number.lastIndex;
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (stop) {
    if (stop instanceof JsonStop) return stop.offset;
    throw stop;
  }
}

class JsonStop {
  constructor(readonly offset: number) {}
}

/** Where and why JSON.parse failed, as a file-level problem (`line 3:14: got "}"; must be valid JSON (…)`). */
function syntaxProblem(text: string, error: Error): SettingsProblem {
  const position = /at position (\d+)/.exec(error.message);
  const offset = jsonErrorOffset(text) ?? (position ? Number(position[1]) : text.length);
  const { line, column } = lineColumn(text, offset);
  const found = offset < text.length ? JSON.stringify(text[offset]) : "the end of the file";
  const reason = error.message
    .replace(/\s*\(line \d+ column \d+\)/, "")
    .replace(/\s*in JSON at position \d+/, "")
    .replace(/, [\s\S]* is not valid JSON$/, "");
  return { setting: `line ${line}:${column}`, value: undefined, got: found, allowed: `must be valid JSON (${reason})` };
}

/** The failure of reading `file`, as a file-level problem. */
function readProblem(error: NodeJS.ErrnoException): SettingsProblem {
  switch (error.code) {
    case "ENOENT":
      return { setting: "file", value: undefined, got: "no such file", allowed: `create it (see README "Settings"), or point ${SETTINGS_ENV} at an existing JSON file` };
    case "EISDIR":
      return { setting: "file", value: undefined, got: "a directory", allowed: `must be a JSON file; point ${SETTINGS_ENV} at the file inside it` };
    case "EACCES":
      return { setting: "file", value: undefined, got: "a file this user cannot read", allowed: "must be readable" };
    default:
      return { setting: "file", value: undefined, got: `${error.code ?? "an error"} reading it`, allowed: `must be a readable JSON file (${error.message})` };
  }
}

/**
 * The parsed JSON of a settings file. A UTF-8 byte-order mark (some Windows editors write one) is
 * accepted. A missing file, a directory, an unreadable file or a syntax error throws a SettingsError
 * naming the file (and the line:column of the syntax error).
 */
export function readSettingsJson(file: string, cwd = process.cwd()): unknown {
  const source = displayPath(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SettingsError([readProblem(error as NodeJS.ErrnoException)], source);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SettingsError([syntaxProblem(text, error as Error)], source);
  }
}

/**
 * Reads, validates and resolves every environment of a settings file: what every entry point calls.
 * @param projectRoot the entry point's working directory (relative local state paths resolve from it)
 */
export function loadSettings(file = settingsFilePath(), projectRoot = process.cwd()): GatewaySettings[] {
  return resolveSettingsFile(readSettingsJson(file), displayPath(file), projectRoot);
}

/** True for a SettingsError, also across bundles (where instanceof may not hold). */
export const isSettingsError = (error: unknown): error is SettingsError =>
  error instanceof SettingsError || (error as Error | undefined)?.name === "SettingsError";

/**
 * What an entry point prints for a settings error: the block (file, then one line per problem),
 * plus the stack trace only when OPENCLAW_AWS_DEBUG=1.
 */
export function settingsErrorText(error: SettingsError, env: NodeJS.ProcessEnv = process.env): string {
  return env[DEBUG_ENV] === "1" ? `${error.message}\n\n${error.stack ?? ""}\n` : `${error.message}\n`;
}

/**
 * Prints a settings error on stderr and returns exit code 1; anything else is not a settings error
 * and is thrown on (a bug keeps its stack trace).
 */
export function reportSettingsError(error: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (!isSettingsError(error)) throw error;
  write(settingsErrorText(error));
  return 1;
}

/**
 * The warning block for placeholder values (synth continues; plan/deploy refuse them), or
 * undefined when there are none.
 */
export function placeholderWarningText(environments: GatewaySettings[], source: string): string | undefined {
  const lines = environments.flatMap((s) =>
    placeholderWarnings(s).map((w) => `  ${s.environment} › ${w.setting}: ${JSON.stringify(w.value)}; ${w.why}`));
  if (lines.length === 0) return undefined;
  return `Warning: placeholder values in ${source} (synth goes on; plan and deploy refuse them until they are changed):\n${lines.join("\n")}\n`;
}

/** Prints the placeholder warning block on stderr, if any. */
export function warnAboutPlaceholders(environments: GatewaySettings[], source: string, write: (text: string) => void = (t) => process.stderr.write(t)): void {
  const text = placeholderWarningText(environments, source);
  if (text) write(text);
}
