import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { offlineTerraformProblem, writeCliConfig } from "../helpers/terraform-offline";
import { requireInCi } from "../helpers/settings";

/**
 * Where Terraform state really goes, proven with real terraform and the project's own commands,
 * each in a temporary copy of the project (node_modules symlinked), so this work tree is untouched.
 */

const ROOT = path.resolve(__dirname, "../..");
const LEFT_OUT = ["node_modules", ".git", ".cache", "cdktf.out", ".gen", ".terraform", "coverage", "reports"];
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function copyProject(): string {
  const dir = tempDir("openclaw-state-project-");
  for (const name of readdirSync(ROOT)) {
    if (LEFT_OUT.includes(name) || /\.tfstate/.test(name)) continue;
    cpSync(path.join(ROOT, name), path.join(dir, name), { recursive: true });
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}
function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Every file under `dir` whose name says Terraform state (independent of modules/settings/state.ts). */
function stateFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((rel) => /\.tfstate(\.backup)?$/.test(rel) && !rel.split(path.sep).includes(".terraform"))
    .map((rel) => path.join(dir, rel));
}

const synth = (project: string) => run("npm", ["run", "--silent", "synth"], project, { ...process.env, CHECKPOINT_DISABLE: "1" });

const maybe = requireInCi(offlineTerraformProblem(), "the state location tests (real terraform)") ? describe : describe.skip;

maybe("local Terraform state lives in the project root, never in cdktf.out", () => {
  let tfEnv: NodeJS.ProcessEnv;
  let state: object;
  const lineage = "6a1c3f2e-0d4b-4c8e-9f10-5e7a2b3c4d5e";
  beforeAll(() => {
    tfEnv = {
      ...process.env, TF_CLI_CONFIG_FILE: writeCliConfig(tempDir("openclaw-state-tfrc-")),
      TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0",
    };
    const version = JSON.parse(ok(run("terraform", ["version", "-json"], "/"), "terraform version")).terraform_version;
    // A minimal valid state (format version 4): what terraform writes for a stack with no resources yet.
    state = { version: 4, terraform_version: version, serial: 1, lineage, outputs: {}, resources: [] };
  });
  const tf = (stackDir: string, args: string[]) => ok(run("terraform", [`-chdir=${stackDir}`, ...args, "-no-color"], "/", tfEnv), `terraform ${args[0]}`);
  const pulledLineage = (stackDir: string) => JSON.parse(tf(stackDir, ["state", "pull"])).lineage;

  test("synth → terraform init + state push in cdktf.out/stacks/<stack>/ writes <root>/terraform.<env>.tfstate, which survives rm -rf cdktf.out", () => {
    const project = copyProject();
    ok(synth(project), "npm run synth");
    const stackDir = path.join(project, "cdktf.out/stacks/openclaw-prod");
    tf(stackDir, ["init", "-input=false"]);
    const pushed = path.join(tempDir("openclaw-state-push-"), "state.json");
    writeFileSync(pushed, JSON.stringify(state));
    tf(stackDir, ["state", "push", pushed]);

    const rootState = path.join(project, "terraform.prod.tfstate");
    expect(existsSync(rootState)).toBe(true);
    expect(JSON.parse(readFileSync(rootState, "utf8")).lineage).toBe(lineage);
    expect(stateFilesUnder(path.join(project, "cdktf.out"))).toEqual([]);

    rmSync(path.join(project, "cdktf.out"), { recursive: true, force: true });
    ok(synth(project), "npm run synth (again)");
    tf(stackDir, ["init", "-input=false"]);
    expect(pulledLineage(stackDir)).toBe(lineage);
  }, 300_000);

  test("state of the old layout: synth warns, and the commands it prints move it so terraform finds it", () => {
    const project = copyProject();
    ok(synth(project), "npm run synth");
    // The old layout, made by real terraform: the relative backend path the app used to synthesize.
    const stackDir = path.join(project, "cdktf.out/stacks/openclaw-staging");
    const config = path.join(stackDir, "cdk.tf.json");
    const json = JSON.parse(readFileSync(config, "utf8"));
    json.terraform.backend = { local: { path: "terraform.staging.tfstate" } };
    writeFileSync(config, JSON.stringify(json));
    tf(stackDir, ["init", "-input=false"]);
    const pushed = path.join(tempDir("openclaw-state-push-"), "state.json");
    writeFileSync(pushed, JSON.stringify(state));
    tf(stackDir, ["state", "push", pushed]);
    const oldFile = path.join(stackDir, "terraform.staging.tfstate");
    expect(stateFilesUnder(path.join(project, "cdktf.out"))).toEqual([oldFile]);

    const result = synth(project);
    expect(result.status).toBe(0); // a warning, not a failure
    expect(result.stderr).toContain("WARNING: Terraform state found inside cdktf.out/");
    expect(result.stderr).toContain(`${oldFile} (stack openclaw-staging)`);
    const commands = result.stderr.split("\n").filter((l) => /^\s+\$ /.test(l)).map((l) => l.replace(/^\s+\$ /, ""));
    expect(commands).toEqual([
      `mv ${oldFile} ${path.join(project, "terraform.staging.tfstate")}`,
      `terraform -chdir=${stackDir} init -reconfigure`,
    ]);
    for (const command of commands) ok(run("sh", ["-c", command], "/", tfEnv), command);

    expect(stateFilesUnder(path.join(project, "cdktf.out"))).toEqual([]);
    expect(pulledLineage(stackDir)).toBe(lineage);
    expect(synth(project).stderr).not.toContain("Terraform state found inside cdktf.out");
  }, 300_000);
});

describe("npm run bench and npm run clean never touch state", () => {
  const sentinels = (project: string) => {
    mkdirSync(path.join(project, "cdktf.out/stacks/openclaw-prod"), { recursive: true });
    writeFileSync(path.join(project, "cdktf.out/stacks/openclaw-prod/cdk.tf.json"), "{\"sentinel\":true}");
    mkdirSync(path.join(project, ".gen"));
    writeFileSync(path.join(project, ".gen/main.js"), "// sentinel");
    writeFileSync(path.join(project, "terraform.prod.tfstate"), "{\"sentinel\":\"state\"}");
  };
  /** Every path under `dir` (node_modules aside) and the sha256 of each file. */
  const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((rel) => !rel.startsWith("node_modules"))
    .map((rel) => [rel, statSync(path.join(dir, rel)).isDirectory() ? "<dir>" : createHash("sha256").update(readFileSync(path.join(dir, rel))).digest("hex")]));

  test("bench -- --runs 1 leaves the project's cdktf.out, .gen, state and the caller's TMPDIR as they were, and removes its own folder", () => {
    const project = copyProject();
    sentinels(project);
    const tmp = tempDir("openclaw-bench-caller-tmp-");
    mkdirSync(path.join(tmp, "tsx-sentinel")); // the old bench deleted every tsx-* in os.tmpdir()
    const before = snapshot(project);
    const result = run("npm", ["run", "--silent", "bench", "--", "--runs", "1"], project, { ...process.env, TMPDIR: tmp });
    ok(result, "npm run bench");
    // cdktf-cli starts only on Node <= 22 (node-pty); the CLI-free npm run synth row runs on every Node.
    expect(result.stdout).toMatch(Number(process.versions.node.split(".")[0]) <= 22
      ? /this app: cdktf synth \(all environments\)\s+median [\d.]+ s/ : /cdktf-cli cannot start on Node/);
    expect(result.stdout).toMatch(/this app: npm run synth \(no cdktf CLI\)\s+median [\d.]+ s/);
    expect(snapshot(project)).toEqual(before);
    expect(existsSync(path.join(tmp, "tsx-sentinel"))).toBe(true);
    expect(readdirSync(tmp).filter((name) => name.startsWith("openclaw-bench-"))).toEqual([]);
  }, 600_000);

  test("clean removes cdktf.out and .gen only; with state inside cdktf.out it removes nothing and names the file", () => {
    const project = copyProject();
    sentinels(project);
    const oldState = path.join(project, "cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate");
    writeFileSync(oldState, "{\"old\":\"layout\"}");
    const before = snapshot(project);
    const refused = run("npm", ["run", "--silent", "clean"], project);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`clean: nothing removed: Terraform state is inside cdktf.out/:\n  ${oldState}`);
    expect(snapshot(project)).toEqual(before);

    rmSync(oldState);
    const expected = Object.fromEntries(Object.entries(snapshot(project)).filter(([rel]) => !/^(cdktf\.out|\.gen)(\/|$)/.test(rel)));
    ok(run("npm", ["run", "--silent", "clean"], project), "npm run clean");
    expect(snapshot(project)).toEqual(expected);
    expect(readFileSync(path.join(project, "terraform.prod.tfstate"), "utf8")).toBe("{\"sentinel\":\"state\"}");
  }, 120_000);
});

