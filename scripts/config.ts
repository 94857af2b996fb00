import { runOps } from "../modules/ops/cli";
import { processIo } from "../modules/ops/context";

/** `npm run config`: apply the deployed openclaw.json on the host now (modules/ops/operations.ts APPLY_CONFIG). */
void runOps("config", process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
