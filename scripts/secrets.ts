import { runOps } from "../modules/ops/cli";
import { processIo } from "../modules/ops/context";

/** `npm run secrets -- …`: the gateway's SSM parameters and the host's copy of them (modules/ops/operations.ts). */
void runOps("secrets", process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
