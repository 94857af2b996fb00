import { parseArgs } from "node:util";
import { loadTarget, OpsIo, runCli, UsageError } from "./context";
import { parseHostJson, terminalSafeText } from "./format";
import { CliName, documentName, FLAGS, FlagName, flagsOf, OperationContext, OperationSpec, OPERATIONS, sendsDocument } from "./operations";
import { describeAwsError, runOperation } from "./run";

/**
 * The operator CLIs (`npm run devices -- …`, `npm run secrets -- …`), derived from the
 * operations table: the usage text, argument parsing and dispatch. scripts/devices.ts and
 * scripts/secrets.ts only call runOps.
 */

/** Total width the usage text wraps descriptions at. */
const USAGE_WIDTH = 96;
const ENV_OPTION = { usage: "--env NAME", description: "environment from settings.json (default: the first one)" };

const commandsOf = (cli: CliName, table: readonly OperationSpec[]) => table.filter((op) => op.cli === cli);
const commandLabel = (op: OperationSpec) => [op.command, ...op.args.map((a) => `<${a.name}>`)].join(" ");
const allFlags = Object.keys(FLAGS) as FlagName[];
/** The commands of one CLI that take a flag. */
const takersOf = (cli: CliName, flag: FlagName, table: readonly OperationSpec[]) =>
  commandsOf(cli, table).filter((op) => flagsOf(op).includes(flag)).map((op) => op.command);

/** Words of `text` in lines no longer than `width`. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Two columns: `  <label padded>  <description wrapped at USAGE_WIDTH>`. */
function columns(rows: Array<[string, string]>, labelWidth: number, gap: string): string[] {
  const indent = 2 + labelWidth + gap.length;
  return rows.flatMap(([label, description]) => wrap(description, USAGE_WIDTH - indent)
    .map((line, i) => (i === 0 ? `  ${label.padEnd(labelWidth)}${gap}${line}` : `${" ".repeat(indent)}${line}`)));
}

/** The one operation of a CLI that has only one: it takes no command word (`npm run status -- --json`). */
const soleOperation = (cli: CliName, table: readonly OperationSpec[]): OperationSpec | undefined => {
  const ops = commandsOf(cli, table);
  return ops.length === 1 ? ops[0] : undefined;
};

/** What `flag` does in this CLI: its first taker's own description, else the general one. */
const flagDescription = (cli: CliName, flag: FlagName, table: readonly OperationSpec[]): string =>
  commandsOf(cli, table).find((op) => flagsOf(op).includes(flag) && op.flagDescriptions?.[flag])?.flagDescriptions?.[flag] ?? FLAGS[flag].description;

/** The help text of one CLI: its commands and options, from the table. */
export function usageText(cli: CliName, table: readonly OperationSpec[] = OPERATIONS): string {
  const ops = commandsOf(cli, table);
  const sole = soleOperation(cli, table);
  const flags = allFlags.filter((flag) => takersOf(cli, flag, table).length > 0);
  // Flags every command takes are part of the synopsis; the others say which commands take them.
  const everywhere = flags.filter((flag) => takersOf(cli, flag, table).length === ops.length);
  const options: Array<[string, string]> = [[ENV_OPTION.usage, ENV_OPTION.description], ...flags.map((flag): [string, string] => [
    FLAGS[flag].usage,
    everywhere.includes(flag) ? flagDescription(cli, flag, table) : `${takersOf(cli, flag, table).join(", ")} only: ${flagDescription(cli, flag, table)}`,
  ])];
  const optionLines = ["options:", ...columns(options, Math.max(...options.map(([label]) => label.length)), "   ")];
  const synopsis = `[${ENV_OPTION.usage}]${everywhere.map((flag) => ` [${FLAGS[flag].usage}]`).join("")}`;
  if (sole) return [`usage: npm run ${cli} -- ${synopsis}`, "", ...wrap(sole.summary, USAGE_WIDTH - 2).map((l) => `  ${l}`), "", ...optionLines].join("\n");
  // One command column for both CLIs, so their help texts line up.
  const labelWidth = Math.max(...table.map((op) => commandLabel(op).length));
  return [
    `usage: npm run ${cli} -- <command> ${synopsis}`,
    "",
    "commands:",
    ...columns(ops.map((op) => [commandLabel(op), op.summary]), labelWidth, "  "),
    "",
    ...optionLines,
  ].join("\n");
}

/** A command line the table understood: the operation, its arguments by name, its flags. */
export interface OperationRequest {
  readonly op: OperationSpec;
  readonly args: Record<string, string>;
  readonly flags: Record<FlagName, boolean>;
  readonly env?: string;
}

/**
 * Parses `<command> [args] [--env NAME] [--json] [--reveal] [--help]` (no command word when the CLI
 * has one operation) against the table: "help"
 * for --help, else the request; a UsageError for anything the command does not take. Arguments
 * given to a command that takes none are never echoed (they may be a secret); a value that fails
 * its pattern is quoted to at most 80 characters.
 */
export function parseOperation(cli: CliName, argv: string[], table: readonly OperationSpec[] = OPERATIONS): OperationRequest | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        env: { type: "string", short: "e" },
        help: { type: "boolean", short: "h", default: false },
        ...Object.fromEntries(allFlags.map((flag) => [flag, { type: "boolean", default: false } as const])),
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return "help";
  const sole = soleOperation(cli, table);
  const [command, ...positionals] = sole ? [sole.command, ...parsed.positionals] : parsed.positionals;
  if (!command) throw new UsageError("missing command");
  const op = commandsOf(cli, table).find((o) => o.command === command);
  if (!op) throw new UsageError(`unknown command ${JSON.stringify(command)}`);

  if (op.args.length === 0 && positionals.length > 0) throw new UsageError(op.noArguments ?? `${command} takes no arguments`);
  if (positionals.length !== op.args.length) {
    throw new UsageError(`${command} takes exactly ${op.args.map((a) => `one ${a.label} (from ${a.source})`).join(" and ")}`);
  }
  const args: Record<string, string> = {};
  op.args.forEach((a, i) => {
    const value = positionals[i];
    if (!new RegExp(a.allowedPattern).test(value)) {
      throw new UsageError(a.refusedValueHint !== undefined
        ? `that is not a ${a.label} (not repeated here); ${a.label}s are ${a.format}s such as ${a.example}. ${a.refusedValueHint}`
        : `${JSON.stringify(value.slice(0, 80))} is not a ${a.label}; ${a.label}s are ${a.format}s such as ${a.example}`);
    }
    args[a.name] = value;
  });

  const values = parsed.values as Record<string, unknown>;
  const flags = Object.fromEntries(allFlags.map((flag) => [flag, values[flag] === true])) as Record<FlagName, boolean>;
  for (const flag of allFlags.filter((f) => flags[f] && !flagsOf(op).includes(f))) {
    const takers = takersOf(cli, flag, table);
    throw new UsageError(takers.length > 0 ? `--${flag} only applies to ${takers.join(", ")}` : `--${flag} is not an option of ${cli}`);
  }
  return { op, args, flags, env: parsed.values.env };
}

/** Carries out one parsed request: sends its document and prints what its output says, or runs its own steps. */
async function dispatch(cli: CliName, request: OperationRequest, io: OpsIo): Promise<void> {
  const { op, args, flags } = request;
  const { settings, target } = loadTarget(io, request.env);
  const aws = io.aws(settings.region);
  const ctx: OperationContext = {
    io, settings, target, aws, args, flags,
    now: io.runOptions?.now ?? Date.now,
    async runDocument(other, parameters = {}) {
      if (!sendsDocument(other)) throw new Error(`operation ${other.id} sends no document`);
      return runOperation(aws, target, other, documentName(settings, other), parameters, { progress: io.progress(), ...io.runOptions });
    },
    call: (action, fn) => fn().catch((error: unknown) => {
      throw describeAwsError(error, action, target);
    }),
  };
  switch (op.output.format) {
    case "json": {
      const stdout = await ctx.runDocument(op, args);
      io.out(flags.json ? stdout.trim() : op.output.render(parseHostJson(stdout, `${cli} ${op.command}`), ctx));
      return;
    }
    case "text":
      await ctx.runDocument(op, args);
      io.out(op.output.message(ctx));
      return;
    case "local":
      await op.output.run(ctx);
      return;
  }
}

/**
 * `io` whose out and err pass every text through terminalSafeText: whatever a client or the host
 * put into a message (device names, host output in an error), the terminal receives no control
 * sequence.
 */
function terminalSafeIo(io: OpsIo): OpsIo {
  return { ...io, out: (text) => io.out(terminalSafeText(text)), err: (text) => io.err(terminalSafeText(text)) };
}

/**
 * Runs one operator CLI: parse the command line against the table, load the environment, carry
 * out the operation. Returns the exit code (EXIT in context.ts); every message goes to `io`,
 * through terminalSafeIo.
 */
export async function runOps(cli: CliName, argv: string[], terminal: OpsIo, table: readonly OperationSpec[] = OPERATIONS): Promise<number> {
  const io = terminalSafeIo(terminal);
  const usage = usageText(cli, table);
  return runCli(io, usage, async () => {
    const request = parseOperation(cli, argv, table);
    if (request === "help") io.out(usage);
    else await dispatch(cli, request, io);
  });
}
