import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { offlineProvider, offlineTerraformProblem, writeCliConfig } from "../helpers/terraform-offline";
import { requireInCi } from "../helpers/settings";
import { recordSkip } from "../helpers/skips";
import { documentationPages } from "../../scripts/docs";

/**
 * The review commands of the README and the docs/ pages, run as written. Every ```bash block preceded by a
 * `<!-- readme-test: … -->` line is extracted and run by bash (-e, -o pipefail) in a copy of the
 * project (its own cdktf.out/, state and plans/; node_modules linked), offline:
 *  - the AWS provider comes from the filesystem mirror (TF_CLI_CONFIG_FILE, __tests__/helpers/terraform-offline.ts);
 *  - the provider gets fake credentials and skip flags from an override file placed in the stack
 *    folder before the block runs (`npm run synth` keeps files beside cdk.tf.json);
 *  - settings.json is the shipped one with the example domain and e-mail replaced, as step 1 of
 *    Deploy asks (plan refuses the placeholders).
 */
const ROOT = path.resolve(__dirname, "../..");
const MARKER = "<!-- readme-test:";

/** The marked bash blocks of a Markdown text, dedented, with the heading they stand under; `file` names the page in errors. */
export function markedBlocks(markdown: string, file = "README.md"): Array<{ heading: string; script: string; cdktfCli: boolean }> {
  const blocks: Array<{ heading: string; script: string; cdktfCli: boolean }> = [];
  let heading = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (/^#{1,6} /.test(lines[i])) heading = lines[i].replace(/^#+ /, "");
    if (!lines[i].trim().startsWith(MARKER)) continue;
    const open = lines[i + 1]?.match(/^( *)```bash\s*$/);
    if (!open) throw new Error(`${file}:${i + 2}: a ${MARKER} line must be followed by a \`\`\`bash block`);
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j].trim() !== "```"; j++) body.push(lines[j].slice(indent));
    if (j === lines.length) throw new Error(`${file}:${i + 2}: the bash block is never closed`);
    // A block marked "Node 20 and 22 only" uses the cdktf CLI, which does not start on Node 24.
    blocks.push({ heading, script: body.join("\n"), cdktfCli: lines[i].includes("Node 20 and 22 only") });
    i = j;
  }
  return blocks;
}

const STACK = "openclaw-prod";

/** A copy of the project the README's commands can run in without touching the real cdktf.out or state. */
function projectCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "readme-review-"));
  for (const entry of ["main.ts", "modules", "scripts", "cdktf.json", "package.json", "tsconfig.json"]) {
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  // Step 1 of Deploy: the user's own domain and contact address instead of the shipped placeholders.
  const shipped = readFileSync(path.join(ROOT, "settings.json"), "utf8");
  writeFileSync(path.join(dir, "settings.json"), shipped.replace(/example\.org/g, "openclaw-readme-test.net"));
  // Fake credentials for the provider: an override file beside the synthesized config.
  mkdirSync(path.join(dir, "cdktf.out/stacks", STACK), { recursive: true });
  writeFileSync(path.join(dir, "cdktf.out/stacks", STACK, "offline_override.tf.json"), JSON.stringify({ provider: { aws: [offlineProvider()] } }));
  return dir;
}

describe("README and docs/ review blocks", () => {
  const blocks = documentationPages().flatMap((page) => {
    const file = path.relative(ROOT, page);
    return markedBlocks(readFileSync(page, "utf8"), file).map((b) => ({ ...b, heading: `${file}: ${b.heading}` }));
  });

  test("the review commands are marked for this test: synth, terraform plan into plans/, plan:summary, audit", () => {
    expect(blocks.map((b) => b.heading)).toEqual(["README.md: Deploy", "README.md: Deploy", "docs/reviewing.md: Synth-only audit: `npm run audit`"]);
    const plan = blocks[0].script;
    expect(plan).toMatch(/^npm run synth$/m);
    expect(plan).toMatch(/^mkdir -p plans$/m);
    expect(plan).toContain(`terraform -chdir=cdktf.out/stacks/${STACK} plan -out=plan.tfplan`);
    expect(plan).toContain(`npm run plan:summary -- plans/${STACK}.json`);
    // The cdktf CLI (it cannot start on Node 24) only where the README says "Node 20 and 22 only", and
    // always without the checkpoint [ERROR] and with the offline provider lock skipped.
    for (const b of blocks.filter((x) => /\bnpx cdktf\b/.test(x.script))) {
      expect(b.cdktfCli).toBe(true);
      expect(b.script).toMatch(/^CHECKPOINT_DISABLE=1 npx cdktf diff \S+ --skip-provider-lock$/m);
    }
    expect(blocks.filter((b) => !b.cdktfCli).every((b) => !/\bcdktf\b/.test(b.script.replace(/cdktf\.out/g, "")))).toBe(true);
  });

  test("the extractor refuses a marker without a bash block", () => {
    expect(() => markedBlocks(`${MARKER} x -->\ntext`, "docs/x.md")).toThrow(/^docs\/x\.md:2: a .* must be followed by a ```bash block/);
    expect(markedBlocks(`# H\n${MARKER} x -->\n  \`\`\`bash\n  echo hi\n  \`\`\`\n`)).toEqual([{ heading: "H", script: "echo hi", cdktfCli: false }]);
  });

  const canRun = requireInCi(offlineTerraformProblem(), "the README review commands (offline terraform)");
  const maybe = canRun ? describe : describe.skip;
  maybe("run as written, offline, with fake credentials", () => {
    const nodeMajor = Number(process.versions.node.split(".")[0]);
    for (const [index, block] of blocks.entries()) {
      const cliCannotStart = block.cdktfCli && nodeMajor > 22;
      if (cliCannotStart) recordSkip(`Documentation block ${index + 1} (cdktf CLI)`, `cdktf-cli cannot start on Node ${process.versions.node} (node-pty has no binary past Node 22); run this file on Node 20 or 22`);
      const run = cliCannotStart ? test.skip : test;
      run(`block ${index + 1} (${block.heading}) runs and does what the page says`, () => {
        const dir = projectCopy();
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          TF_CLI_CONFIG_FILE: writeCliConfig(dir),
          TF_IN_AUTOMATION: "1",
          TF_INPUT: "0",
          AWS_EC2_METADATA_DISABLED: "true",
          OPENCLAW_AWS_SETTINGS: undefined,
          CHECKPOINT_DISABLE: undefined, // the documented commands must not need it
          NO_COLOR: "1",
        };
        const result = spawnSync("bash", ["-euo", "pipefail", "-c", block.script], { cwd: dir, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        const output = `${result.stdout}\n${result.stderr}`;
        if (result.status !== 0) throw new Error(`Block under "${block.heading}" failed (exit ${result.status}):\n${block.script}\n---\n${output.slice(-6000)}`);
        expect(output).not.toContain("[ERROR]");
        if (block.script.includes("plan:summary")) {
          const plan = JSON.parse(readFileSync(path.join(dir, "plans", `${STACK}.json`), "utf8"));
          expect(plan.format_version).toMatch(/^1\./);
          expect(result.stdout).toContain(`### ${STACK}`);
          expect(result.stdout).toMatch(/\*\*48 to create, 0 to update, 0 to replace, 0 to delete\*\* \(0 unchanged\) — first deploy/);
        }
        if (block.cdktfCli) {
          // eslint-disable-next-line no-control-regex
          expect(result.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")).toMatch(/Plan: 48 to add, 0 to change, 0 to destroy/);
          expect(output).not.toContain("checkpoint");
        }
        if (block.script.includes("npm run audit")) {
          expect(result.stdout).toMatch(/PASS: 0 open findings/);
          expect(existsSync(path.join(dir, "reports/audit.sarif"))).toBe(true);
        }
      }, 300_000);
    }
  });
});
