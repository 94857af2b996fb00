/** `npm run plan:summary -- <plan.json>...`: the pull-request comment for one or more `terraform show -json` plans. */
import * as path from "node:path";
import { readPlanFile, renderSummary } from "../modules/review/plan-summary";

function main(): number {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: npm run plan:summary -- <terraform show -json output>... (one file per stack)");
    return 2;
  }
  try {
    const plans = files.map((file) => ({ title: path.basename(file).replace(/\.json$/, ""), plan: readPlanFile(file) }));
    process.stdout.write(renderSummary(plans));
    return 0;
  } catch (e) {
    console.error(`plan:summary: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main();
