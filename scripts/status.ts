import { runOps } from "../modules/ops/cli";
import { processIo } from "../modules/ops/context";

/** `npm run status [-- --env NAME] [--json]`: one screen of the environment's state (modules/ops/status.ts). */
void runOps("status", process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
