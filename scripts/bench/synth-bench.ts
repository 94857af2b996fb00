/**
 * Synth benchmark: cold `cdktf synth` wall time and peak memory of this app, against a minimal
 * one-VPC app with the same pinned packages (the floor). Prints medians and the ratio.
 * Also compares ways to run main.ts for cdktf.json's "app". Usage: npm run bench [-- --runs N]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const CDKTF = path.join(ROOT, "node_modules/.bin/cdktf");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

interface Sample { seconds: number; peakMb: number }

/** Runs a command under GNU time; returns wall seconds and the peak RSS of the largest process. */
function measure(command: string[], cwd: string): Sample {
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...command], {
    cwd, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1" },
  });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  const [seconds, kb] = result.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  return { seconds, peakMb: kb / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Removes synth output and tsx's transform cache so every run is cold. */
function makeCold(dir: string): void {
  for (const out of ["cdktf.out", ".gen"]) rmSync(path.join(dir, out), { recursive: true, force: true });
  for (const entry of readdirSync(os.tmpdir())) {
    if (entry.startsWith("tsx-")) rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
  }
}

function bench(label: string, command: string[], cwd: string): { seconds: number; peakMb: number } {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    makeCold(cwd);
    samples.push(measure(command, cwd));
  }
  const result = { seconds: median(samples.map((s) => s.seconds)), peakMb: median(samples.map((s) => s.peakMb)) };
  console.log(`${label.padEnd(44)} median ${result.seconds.toFixed(2)} s   peak ${result.peakMb.toFixed(0)} MB   ` +
    `(runs: ${samples.map((s) => s.seconds.toFixed(2)).join(", ")})`);
  return result;
}

/** The floor: one stack, one provider, one VPC, same packages, same runner. */
function writeFloorApp(): string {
  const dir = path.join(ROOT, ".cache/bench-floor");
  mkdirSync(dir, { recursive: true });
  // Same runner as cdktf.json's "app", with the esbuild binary of this project.
  const app = JSON.parse(readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app.replace("node_modules/.bin/", path.join(ROOT, "node_modules/.bin/"));
  writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app, sendCrashReports: "false" }));
  writeFileSync(path.join(dir, "main.ts"), [
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
  return dir;
}

function main(): void {
  console.log(`cdktf synth benchmark, ${RUNS} cold runs each, ${os.cpus().length} CPUs, node ${process.version}\n`);
  const app = bench("this app: cdktf synth (all environments)", [CDKTF, "synth", "--output", "cdktf.out"], ROOT);
  const floor = bench("floor: one-VPC app, cdktf synth", [CDKTF, "synth", "--output", "cdktf.out"], writeFloorApp());
  console.log(`\nratio (this app / floor): ${(app.seconds / floor.seconds).toFixed(2)}  (target <= 1.3)`);
  console.log(`peak memory: ${app.peakMb.toFixed(0)} MB  (target <= 600 MB)\n`);

  console.log("Ways to run main.ts (cdktf.json \"app\"), without the cdktf CLI around it:");
  bench("node --import tsx main.ts", ["node", "--import", "tsx", "main.ts"], ROOT);
  bench("npx tsx main.ts", ["npx", "tsx", "main.ts"], ROOT);
  const bundle = path.join(ROOT, ".cache/bench-bundle/main.js");
  bench("esbuild bundle + node, build included (chosen)", ["sh", "-c",
    `node_modules/.bin/esbuild main.ts --bundle --platform=node --log-level=warning --outfile=${bundle} && node ${bundle}`], ROOT);
  rmSync(path.join(ROOT, "cdktf.out"), { recursive: true, force: true });
}

main();
