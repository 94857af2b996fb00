/**
 * `npm run clean`: removes the build output, cdktf.out/ and .gen/, and nothing else. Terraform
 * state never lives there any more (see modules/settings/state.ts), but a project from before that change
 * may still have it under cdktf.out/: then clean removes nothing, names each state file and exits 1.
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { BUILD_OUTPUT_DIR, findProjectRoot, findStateUnderBuildOutput } from "../modules/settings/state";

/** What clean removes, relative to the project root. */
export const CLEAN_TARGETS = [BUILD_OUTPUT_DIR, ".gen"];

/** Removes the build output of `root`; returns the refusal message instead when state is inside it. */
export function clean(root: string): { removed: string[] } | { refused: string } {
  const state = findStateUnderBuildOutput(root);
  if (state.length > 0) {
    return {
      refused: [
        `clean: nothing removed: Terraform state is inside ${BUILD_OUTPUT_DIR}/:`,
        ...state.map((file) => `  ${file}`),
        "Run `npm run synth`: it prints the commands that move it to the project root (README.md, \"Terraform state\").",
      ].join("\n"),
    };
  }
  const removed = CLEAN_TARGETS.map((name) => path.join(root, name));
  for (const target of removed) rmSync(target, { recursive: true, force: true });
  return { removed };
}

if (require.main === module) {
  const result = clean(findProjectRoot(process.cwd()));
  if ("refused" in result) {
    process.stderr.write(`${result.refused}\n`);
    process.exit(1);
  }
  console.log(`removed ${result.removed.join(", ")}`);
}
