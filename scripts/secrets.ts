import { API_KEY_PLACEHOLDER, GATEWAY_TOKEN_PLACEHOLDER } from "../modules/names";
import { loadTarget, OpsIo, parseCommandLine, processIo, runCli, UsageError } from "../modules/ops/context";
import { describeAwsError, OpsError, runOperation } from "../modules/ops/run";

/** `npm run secrets -- …`: the gateway's two SSM parameters and the host's copy of them. */
export const SECRETS_USAGE = `usage: npm run secrets -- <command> [--env NAME]

commands:
  set-api-key          store the Anthropic API key (read from stdin when piped, else a hidden
                       prompt; never from the command line), then refresh the running gateway
  rotate-token         generate and store a new gateway token on the host, restart the gateway
  refresh              re-read both parameters on the host and restart the gateway
  show-token           gateway token parameter: version and date; the value only with --reveal

options:
  --env NAME   environment from settings.json (default: the first one)
  --reveal     show-token only: print the token itself`;

/** Characters the host's EnvironmentFile can carry (openclaw-refresh-secrets refuses others). */
const API_KEY_CHARS = /^[A-Za-z0-9._~+/=:-]+$/;

/**
 * Checks a typed or piped API key and returns it without surrounding whitespace. Messages never
 * contain the value.
 */
export function validateApiKey(raw: string): string {
  const key = raw.trim();
  if (key.length === 0) throw new OpsError("No API key given (stdin was empty). Pipe it in or type it at the prompt.");
  if (/\s/.test(key)) throw new OpsError("The API key contains whitespace or several lines; give exactly one key.");
  if (!API_KEY_CHARS.test(key)) throw new OpsError("The API key has characters outside A-Z a-z 0-9 . _ ~ + / = : - (the host refuses those).");
  if (key.length < 20 || key.length > 512) throw new OpsError(`The API key must be 20 to 512 characters long (got ${key.length}).`);
  if (key === API_KEY_PLACEHOLDER) throw new OpsError("That is the placeholder, not a key.");
  return key;
}

/** Runs the secrets CLI; returns the exit code. */
export async function secretsMain(argv: string[], io: OpsIo): Promise<number> {
  return runCli(io, SECRETS_USAGE, async () => {
    const args = parseCommandLine(argv);
    if (args.help || !args.command) {
      if (!args.help) throw new UsageError("missing command");
      io.out(SECRETS_USAGE);
      return;
    }
    const command = args.command;
    if (!["set-api-key", "rotate-token", "refresh", "show-token"].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    if (args.positionals.length > 0) {
      // Never echo the arguments: someone may have typed the key there.
      throw new UsageError(command === "set-api-key"
        ? "set-api-key takes no arguments: the key is read from stdin or a hidden prompt, never from the command line "
          + "(it would land in your shell history and the process list). Remove it from your shell history."
        : `${command} takes no arguments`);
    }
    if (args.reveal && command !== "show-token") throw new UsageError("--reveal only applies to show-token");
    if (args.json) throw new UsageError("--json is not an option of secrets");

    const { settings, target } = loadTarget(io, args.env);
    const aws = io.aws(settings.region);
    const run = (op: "refreshSecrets" | "rotateToken") =>
      runOperation(aws, target, op, target.documents[op], {}, { progress: io.progress(), ...io.runOptions });
    const call = <T>(action: string, fn: () => Promise<T>): Promise<T> =>
      fn().catch((error: unknown) => {
        throw describeAwsError(error, action, target);
      });

    switch (command) {
      case "set-api-key": {
        const key = validateApiKey(await io.readSecret("Anthropic API key (input hidden): "));
        const version = await call(`writing ${target.names.apiKeyParameter}`,
          () => aws.putSecureString(target.names.apiKeyParameter, key, target.names.kmsAlias));
        io.err(`Stored the API key in ${target.names.apiKeyParameter} (version ${version}, encrypted with ${target.names.kmsAlias}).`);
        try {
          await run("refreshSecrets");
        } catch (error) {
          if (error instanceof OpsError && /No running instance/.test(error.message)) {
            io.err(`${error.message}\nThe key is stored; the next host reads it when it boots.`);
            return;
          }
          throw new OpsError(`The key is stored, but refreshing the gateway failed; retry with \`npm run secrets -- refresh\`.\n${(error as Error).message}`);
        }
        io.out("The gateway restarted with the new API key.");
        return;
      }
      case "rotate-token": {
        await run("rotateToken");
        io.out(`Rotated the gateway token (${target.names.gatewayTokenParameter}) and restarted the gateway. `
          + "Clients that authenticate with the shared token need the new one (npm run secrets -- show-token --reveal); "
          + "paired devices keep their own device credentials.");
        return;
      }
      case "refresh": {
        await run("refreshSecrets");
        io.out("The gateway re-read its secrets and restarted.");
        return;
      }
      case "show-token": {
        const parameter = await call(`reading ${target.names.gatewayTokenParameter}`,
          () => aws.getSecureString(target.names.gatewayTokenParameter));
        if (parameter.value === GATEWAY_TOKEN_PLACEHOLDER) {
          throw new OpsError(`${target.names.gatewayTokenParameter} still holds its placeholder: the host generates the token at its first boot.`);
        }
        const when = parameter.lastModified ? `, last changed ${parameter.lastModified.toISOString()}` : "";
        io.err(`${target.names.gatewayTokenParameter}: version ${parameter.version}${when}.`);
        if (args.reveal) io.out(parameter.value);
        else io.err("Add --reveal to print the token itself.");
        return;
      }
    }
  });
}

if (require.main === module) {
  secretsMain(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
