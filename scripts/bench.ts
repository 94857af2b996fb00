/**
 * Two benchmarks. `npm run bench -- downtime [--json] [--record]`: the downtime model
 * (modules/review/downtime.ts) from the timing reports the tests left in reports/timings/; `--record`
 * copies those inputs to the file the README's "What to expect" table is generated from.
 *
 * Synth benchmark: cold `cdktf synth` wall time and peak memory of this app, against a minimal
 * one-VPC app with the same pinned packages (the floor). Prints medians and the ratio.
 * Also compares ways to run main.ts for cdktf.json's "app". Usage: npm run bench [-- --runs N]
 *
 * It never touches the project's own cdktf.out, .gen or state files, nor anything in the
 * caller's temporary folder: everything runs in a temporary "shadow" of the project (symlinks to
 * its sources, its own cdktf.out and .gen), with its own TMPDIR (tsx's cache, emptied before each
 * cold run), and that folder is deleted afterwards.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  downtimePaths, evaluatePath, missingInputs, readTimingReports, RECORDED_INPUTS_FILE, renderPaths, renderVmComparison,
} from "../modules/review/downtime";

const ROOT = path.resolve(__dirname, "..");

interface Sample { seconds: number; peakMb: number }

/** Top-level entries of the project the shadow leaves out: build output, caches, VCS, state. */
export const isShadowed = (name: string): boolean =>
  !["cdktf.out", ".gen", ".cache", ".git", ".terraform", "node_modules"].includes(name) && !/\.tfstate(\.|$)/.test(name);

/** The bench's own folders, all under one temporary directory. */
export interface BenchDirs { base: string; project: string; floor: string; tmp: string; bundle: string }

/** Creates the temporary folders and the shadow project (symlinks to ROOT's sources and node_modules). */
export function createBenchDirs(root: string, parent = os.tmpdir()): BenchDirs {
  const base = mkdtempSync(path.join(parent, "openclaw-bench-"));
  const dirs = { base, project: path.join(base, "project"), floor: path.join(base, "floor"), tmp: path.join(base, "tmp"), bundle: path.join(base, "bundle") };
  for (const dir of [dirs.project, dirs.floor, dirs.tmp, dirs.bundle]) mkdirSync(dir);
  for (const name of readdirSync(root).filter(isShadowed)) symlinkSync(path.join(root, name), path.join(dirs.project, name));
  symlinkSync(path.join(root, "node_modules"), path.join(dirs.project, "node_modules"));
  symlinkSync(path.join(root, "node_modules"), path.join(dirs.floor, "node_modules"));
  return dirs;
}

/** Refuses to delete anything outside the bench's temporary folder. */
function removeInside(base: string, target: string): void {
  const rel = path.relative(base, target);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) throw new Error(`bench: refusing to delete ${target}, outside ${base}`);
  rmSync(target, { recursive: true, force: true });
}

/** Removes synth output and tsx's transform cache (in the bench's own TMPDIR) so every run is cold. */
export function makeCold(dirs: BenchDirs, cwd: string): void {
  for (const out of ["cdktf.out", ".gen"]) removeInside(dirs.base, path.join(cwd, out));
  for (const entry of readdirSync(dirs.tmp)) removeInside(dirs.base, path.join(dirs.tmp, entry));
}

/** Runs a command under GNU time; returns wall seconds and the peak RSS of the largest process. */
function measure(command: string[], cwd: string, dirs: BenchDirs): Sample {
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...command], {
    cwd, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1", TMPDIR: dirs.tmp },
  });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  const [seconds, kb] = result.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  return { seconds, peakMb: kb / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function bench(label: string, command: string[], cwd: string, dirs: BenchDirs, runs: number): Sample {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    makeCold(dirs, cwd);
    samples.push(measure(command, cwd, dirs));
  }
  const result = { seconds: median(samples.map((s) => s.seconds)), peakMb: median(samples.map((s) => s.peakMb)) };
  console.log(`${label.padEnd(44)} median ${result.seconds.toFixed(2)} s   peak ${result.peakMb.toFixed(0)} MB   ` +
    `(runs: ${samples.map((s) => s.seconds.toFixed(2)).join(", ")})`);
  return result;
}

/** The floor: one stack, one provider, one VPC, same packages, same runner as cdktf.json's "app". */
function writeFloorApp(dirs: BenchDirs): string {
  const app = JSON.parse(readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app;
  writeFileSync(path.join(dirs.floor, "cdktf.json"), JSON.stringify({ language: "typescript", app, sendCrashReports: "false" }));
  // The app command runs scripts/app.js (bundle + node) of the folder it runs in.
  mkdirSync(path.join(dirs.floor, "scripts"));
  copyFileSync(path.join(ROOT, "scripts/app.js"), path.join(dirs.floor, "scripts/app.js"));
  writeFileSync(path.join(dirs.floor, "main.ts"), [
    'import { App, TerraformStack } from "cdktf";',
    'import { AwsProvider } from "@cdktf/provider-aws/lib/provider";',
    'import { Vpc } from "@cdktf/provider-aws/lib/vpc";',
    "const app = new App();",
    'const stack = new TerraformStack(app, "floor");',
    'new AwsProvider(stack, "aws", { region: "us-east-1" });',
    'new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });',
    "app.synth();",
    "",
  ].join("\n"));
  return dirs.floor;
}

/** `npm run bench -- downtime`: per path its stages, figures, sources, total and critical path. */
function downtimeMain(args: string[]): void {
  const dir = path.join(ROOT, "reports/timings");
  const inputs = readTimingReports(dir);
  const results = downtimePaths(inputs).map(evaluatePath);
  if (args.includes("--record")) {
    const { sandbox, gateway } = inputs;
    writeFileSync(RECORDED_INPUTS_FILE, `${JSON.stringify({ sandbox, gateway }, null, 2)}\n`);
    console.error(`recorded the measured inputs in ${path.relative(ROOT, RECORDED_INPUTS_FILE)}; run npm run docs for the README table`);
  }
  const missing = missingInputs(inputs);
  if (args.includes("--json")) {
    console.log(JSON.stringify({ inputs, missing, paths: results }, null, 2));
    return;
  }
  console.log(`Downtime model (modules/review/downtime.ts), measured inputs from ${path.relative(ROOT, dir)}/\n`);
  if (missing.length) console.log(`Missing inputs (their stages are unknown below):\n${missing.map((m) => `  ${m}`).join("\n")}\n`);
  console.log(renderPaths(results));
  if (inputs.vm) console.log(`\nVM (TCG) boots, emulated (~2x+ slower, awscli calls 6-9 s): for comparison only, never EC2 figures\n${renderVmComparison(inputs.vm)}`);
}

function main(): void {
  if (process.argv[2] === "downtime") return downtimeMain(process.argv.slice(3));
  const runsArg = process.argv.indexOf("--runs");
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: got ${process.argv[runsArg + 1]}; must be a whole number ≥ 1`);
  const dirs = createBenchDirs(ROOT);
  const cleanUp = () => rmSync(dirs.base, { recursive: true, force: true });
  process.once("SIGINT", () => { cleanUp(); process.exit(130); });
  try {
    const cdktf = path.join(dirs.project, "node_modules/.bin/cdktf");
    const { project } = dirs;
    console.log(`cdktf synth benchmark, ${runs} cold runs each, ${os.cpus().length} CPUs, node ${process.version}`);
    console.log(`(in ${dirs.base}: a shadow of the project with its own cdktf.out, .gen and TMPDIR)\n`);
    // cdktf-cli 0.21 loads node-pty, which has no binary for Node >= 23: there only the CLI-free rows run.
    const cliRuns = Number(process.versions.node.split(".")[0]) <= 22;
    if (!cliRuns) console.log(`cdktf-cli cannot start on Node ${process.versions.node} (node-pty): the cdktf synth rows and the floor ratio are left out\n`);
    const app = cliRuns ? bench("this app: cdktf synth (all environments)", [cdktf, "synth", "--output", "cdktf.out"], project, dirs, runs) : undefined;
    // npm run synth's script finds the project from its own location: a copy (not a symlink, which node
    // would resolve back to the real project) inside the shadow makes that the shadow.
    if (existsSync(path.join(ROOT, "scripts/synth.js"))) {
      mkdirSync(path.join(project, ".bench"));
      copyFileSync(path.join(ROOT, "scripts/synth.js"), path.join(project, ".bench/synth.js"));
      bench("this app: npm run synth (no cdktf CLI)", ["node", ".bench/synth.js", "--output", "cdktf.out"], project, dirs, runs);
    }
    if (app) {
      const floor = bench("floor: one-VPC app, cdktf synth", [cdktf, "synth", "--output", "cdktf.out"], writeFloorApp(dirs), dirs, runs);
      console.log(`\nratio (this app / floor): ${(app.seconds / floor.seconds).toFixed(2)}  (target <= 1.3)`);
      console.log(`peak memory: ${app.peakMb.toFixed(0)} MB  (target <= 600 MB)\n`);
    }

    console.log("Ways to run main.ts (cdktf.json \"app\"), without the cdktf CLI around it:");
    bench("node --import tsx main.ts", ["node", "--import", "tsx", "main.ts"], project, dirs, runs);
    bench("npx tsx main.ts", ["npx", "tsx", "main.ts"], project, dirs, runs);
    const bundle = path.join(dirs.bundle, "main.js");
    bench("esbuild bundle + node, build included (chosen)", ["sh", "-c",
      `node_modules/.bin/esbuild main.ts --bundle --platform=node --log-level=warning --outfile=${bundle} && node ${bundle}`], project, dirs, runs);
  } finally {
    cleanUp();
  }
}

if (require.main === module) main();
