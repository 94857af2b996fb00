import { REQUEST_ID_PATTERN } from "../modules/ops/documents";
import { formatDashboard, formatDecision, formatDeviceList, parseHostJson } from "../modules/ops/format";
import { loadTarget, OpsIo, parseCommandLine, processIo, runCli, UsageError } from "../modules/ops/context";
import { runOperation } from "../modules/ops/run";

/** `npm run devices -- …`: device pairing on the gateway host through SSM Run Command. */
export const DEVICES_USAGE = `usage: npm run devices -- <command> [--env NAME] [--json]

commands:
  list                 pending pairing requests (with the time left) and paired devices
  approve <requestId>  approve one pending request (they expire after 5 minutes)
  reject <requestId>   reject one pending request
  dashboard            one-time owner link to the Control UI (single use, 10 minutes)

options:
  --env NAME   environment from settings.json (default: the first one)
  --json       print the host's JSON as is`;

const REQUEST_ID = new RegExp(REQUEST_ID_PATTERN);

/** Checks a request id before anything is sent (SSM checks the same pattern again). */
export function requireRequestId(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one request id (from \`npm run devices -- list\`)`);
  const id = positionals[0];
  if (!REQUEST_ID.test(id)) {
    throw new UsageError(`${JSON.stringify(id.slice(0, 80))} is not a request id; request ids are UUIDs such as 0b5c1a52-7d0e-4f7e-9a51-2c3d4e5f6a7b`);
  }
  return id;
}

/** Runs the devices CLI; returns the exit code. */
export async function devicesMain(argv: string[], io: OpsIo, now: () => number = Date.now): Promise<number> {
  return runCli(io, DEVICES_USAGE, async () => {
    const args = parseCommandLine(argv);
    if (args.help || !args.command) {
      if (!args.help) throw new UsageError("missing command");
      io.out(DEVICES_USAGE);
      return;
    }
    if (args.reveal) throw new UsageError("--reveal is not an option of devices");
    const command = args.command;
    if (!["list", "approve", "reject", "dashboard"].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    if ((command === "list" || command === "dashboard") && args.positionals.length > 0) {
      throw new UsageError(`${command} takes no arguments`);
    }
    const requestId = command === "approve" || command === "reject" ? requireRequestId(args.positionals, command) : undefined;

    const { settings, target } = loadTarget(io, args.env);
    const aws = io.aws(settings.region);
    const run = (op: Parameters<typeof runOperation>[2], parameters: Record<string, string> = {}) =>
      runOperation(aws, target, op, target.documents[op], parameters, { progress: io.progress(), ...io.runOptions });

    switch (command) {
      case "list": {
        const stdout = await run("listDevices");
        io.out(args.json ? stdout.trim() : formatDeviceList(parseHostJson(stdout, "devices list"), now()));
        return;
      }
      case "approve":
      case "reject": {
        const stdout = await run(command === "approve" ? "approveDevice" : "rejectDevice", { requestId: requestId! });
        io.out(args.json ? stdout.trim()
          : formatDecision(parseHostJson(stdout, `devices ${command}`), command === "approve" ? "approved" : "rejected", requestId!));
        return;
      }
      case "dashboard": {
        const stdout = await run("dashboardLink");
        io.out(args.json ? stdout.trim() : formatDashboard(parseHostJson(stdout, "dashboard"), settings.domainName, now()));
        return;
      }
    }
  });
}

if (require.main === module) {
  devicesMain(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
