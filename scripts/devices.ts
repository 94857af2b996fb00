import { runOps } from "../modules/ops/cli";
import { processIo } from "../modules/ops/context";

/** `npm run devices -- …`: device pairing on the gateway host through SSM Run Command (modules/ops/operations.ts). */
void runOps("devices", process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
