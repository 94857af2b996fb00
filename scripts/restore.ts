import { processIo } from "../modules/ops/context";
import { LIST_DEVICES, STATUS } from "../modules/ops/operations";
import { runRestore } from "../modules/ops/restore";

/** `npm run restore -- --env NAME (--snapshot ID | --latest) [--az ZONE] [--yes]`: the data volume from a snapshot (modules/ops/restore.ts). */
void runRestore(process.argv.slice(2), processIo(), { status: STATUS, listDevices: LIST_DEVICES }).then((code) => {
  process.exitCode = code;
});
