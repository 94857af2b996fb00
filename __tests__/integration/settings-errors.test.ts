import { recordSkip } from "../helpers/skips";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A bad settings file through the REAL entry points, as child processes: `npm run synth` (whatever
 * package.json runs), `npx cdktf synth`, `npm run audit` and `npm run devices -- list`. Each prints
 * the same block (the file, then `environment › setting: got …; …` for every environment), exits 1,
 * and shows no stack trace and no `problems: [...]` dump.
 */

const ROOT = path.join(__dirname, "..", "..");
const BAD = {
  defaults: { acmeEmail: "ops@example.org" },
  environments: [
    { environment: "prod", domainName: "gateway", dataVolumeSizeGiB: 4 },
    { environment: "staging", domainName: "staging.example.org", hostOs: "ubuntu24" },
  ],
};

let dir: string;
let file: string;
let block: string[];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "settings-errors-"));
  file = path.join(dir, "settings.json");
  writeFileSync(file, JSON.stringify(BAD, null, 2));
  block = [
    `Invalid settings in ${file}:`,
    "  prod › domainName: got \"gateway\"; must be a lowercase fully qualified domain name such as \"gateway.example.org\"",
    "  prod › dataVolumeSizeGiB: got 4; must be a whole number from 8 to 1024",
    "  staging › hostOs: got \"ubuntu24\"; allowed values: al2023, debian12",
  ];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, args: string[], extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENCLAW_AWS_SETTINGS: file, CHECKPOINT_DISABLE: "1" };
  delete env.OPENCLAW_AWS_DEBUG;
  delete env.FORCE_COLOR;
  Object.assign(env, extraEnv);
  // A TF_CLI_CONFIG_FILE naming a missing file (this machine's) makes terraform, which cdktf-cli
  // calls, print a warning box several times: noise that is not the app's.
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: "utf8", timeout: 120_000 });
  const clean = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
  return { status: result.status, stdout: clean(result.stdout), stderr: clean(result.stderr) };
}

/** What every entry point must never print. */
function expectNoTrace(output: string) {
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toContain("problems:");
  expect(output).not.toMatch(/Node\.js v\d+/);
}

/** The block on its own lines, in order, nothing between. */
function expectBlock(stderr: string) {
  const lines = stderr.split("\n");
  const start = lines.indexOf(block[0]);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(lines.slice(start, start + block.length)).toEqual(block);
}

test("npm run synth: the block on stderr, exit 1", () => {
  const script = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.synth as string;
  const out = path.join(dir, "out");
  const r = run("npm", ["run", "synth", "--", "--output", out]);
  expect({ script, status: r.status }).toEqual({ script, status: 1 });
  expectBlock(r.stderr);
  // Only the block: nothing before it, nothing after (npm's own header goes to stdout).
  expect(r.stderr).toBe(`${block.join("\n")}\n`);
  expectNoTrace(r.stdout + r.stderr);
}, 120_000);

test("npm run synth: a directory is named (no bare EISDIR); a file with a byte-order mark synthesizes", () => {
  const asDir = run("npm", ["run", "synth", "--", "--output", path.join(dir, "out")], { OPENCLAW_AWS_SETTINGS: dir });
  expect(asDir.status).toBe(1);
  expect(asDir.stderr).toBe(`Invalid settings in ${dir}:\n  file: got a directory; must be a JSON file; point OPENCLAW_AWS_SETTINGS at the file inside it\n`);
  const bom = path.join(dir, "bom.json");
  const good = { environments: [{ environment: "bom", domainName: "gateway.acme.dev", acmeEmail: "ops@acme.dev" }] };
  writeFileSync(bom, `\uFEFF${JSON.stringify(good)}`);
  const out = path.join(dir, "bom-out");
  const ok = run("npm", ["run", "synth", "--", "--output", out], { OPENCLAW_AWS_SETTINGS: bom });
  expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: expect.not.stringContaining("Invalid settings") });
  expect(existsSync(path.join(out, "stacks", "openclaw-bom", "cdk.tf.json"))).toBe(true);
}, 120_000);

test("npm run synth with OPENCLAW_AWS_DEBUG=1 adds the stack trace", () => {
  const r = run("npm", ["run", "synth", "--", "--output", path.join(dir, "out")], { OPENCLAW_AWS_DEBUG: "1" });
  expect(r.status).toBe(1);
  expectBlock(r.stderr);
  expect(r.stderr).toMatch(/^\s+at .*settings/m);
}, 120_000);

// cdktf-cli loads node-pty, whose prebuilt binaries stop at Node 22: it cannot start on Node 24.
const cdktfCliRuns = Number(process.versions.node.split(".")[0]) <= 22;
if (!cdktfCliRuns) recordSkip("npx cdktf synth's error block", `cdktf-cli cannot start on Node ${process.versions.node} (node-pty has no binary past Node 22); run this file on Node 20 or 22`);
(cdktfCliRuns ? test : test.skip)("npx cdktf synth: the block, and only cdktf-cli's own lines around it", () => {
  const r = run("npx", ["cdktf", "synth", "--output", path.join(dir, "cdktf-out")]);
  expect(r.status).toBe(1);
  expectNoTrace(r.stdout + r.stderr);
  // cdktf-cli shows the app's stderr twice: live (stdout, "[time] [ERROR] default - " before the
  // first line) and again in its error report (stderr, indented by 4).
  const live = r.stdout.split("\n");
  const first = live.findIndex((l) => l.endsWith(block[0]));
  expect(live[first]).toMatch(/^\[[\d\-T:.]+\] \[ERROR\] default - Invalid settings in /);
  expect(live.slice(first + 1, first + block.length)).toEqual(block.slice(1));
  const spinner = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\s+(Starting|Synthesizing)$/;
  const otherLive = live.filter((l, i) => l.trim() !== "" && !spinner.test(l) && (i < first || i >= first + block.length));
  expect(otherLive).toEqual([]);
  const app = JSON.parse(readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app as string;
  expect(r.stderr.split("\n").filter((l) => l.trim() !== "")).toEqual([
    "ERROR: cdktf encountered an error while synthesizing",
    `Synth command: ${app}`,
    "Error:         non-zero exit code 1",
    "Command output on stderr:",
    ...block.map((l) => `    ${l}`),
  ]);
}, 120_000);

test("npm run audit: the same block, exit 1", () => {
  const r = run("npm", ["run", "audit", "--", "--out", path.join(dir, "reports")]);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`${block.join("\n")}\n`);
  expectNoTrace(r.stdout + r.stderr);
}, 120_000);

test("npm run devices -- list: the same block, exit 1, before any AWS call", () => {
  // No credentials and no network: an AWS call would fail with another message.
  const r = run("npm", ["run", "devices", "--", "list"], { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_EC2_METADATA_DISABLED: "true" });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`${block.join("\n")}\n`);
  expectNoTrace(r.stdout + r.stderr);
}, 120_000);
