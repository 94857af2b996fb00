import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { GatewaySettings } from "../../modules/settings/settings";
import { OpenClawStack } from "../../modules/stack";

/**
 * Runs real terraform against a synthesized stack with no network and no AWS account:
 * the AWS provider comes from a local filesystem mirror, the provider gets fake credentials
 * and skip flags, its SSM endpoint is a local fake of AWS's public parameters (the AMI id the
 * stacks read at plan time), and state is a local file in a temporary directory.
 */

/** Root of the filesystem mirror (the folder above registry.terraform.io/hashicorp/aws/…). */
export const providerMirror = (): string => process.env.TF_PROVIDER_MIRROR ?? "/opt/tf-plugins";
export const AWS_PROVIDER_VERSION = "5.100.0";

/** Why terraform cannot run offline here, or undefined when it can. */
export function offlineTerraformProblem(): string | undefined {
  const version = spawnSync("terraform", ["version", "-json"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return "the terraform binary is not on PATH";
  const provider = path.join(providerMirror(), "registry.terraform.io/hashicorp/aws", AWS_PROVIDER_VERSION);
  if (!existsSync(provider)) {
    return `no AWS provider ${AWS_PROVIDER_VERSION} in the filesystem mirror ${providerMirror()} (set TF_PROVIDER_MIRROR)`;
  }
  return undefined;
}

/** Writes a CLI config that installs hashicorp/aws only from the mirror; returns its path. */
export function writeCliConfig(dir: string): string {
  const file = path.join(dir, "offline.tfrc");
  writeFileSync(file, [
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(providerMirror())}`,
    `    include = ["registry.terraform.io/hashicorp/aws"]`,
    "  }",
    `  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }`,
    "}",
    "",
  ].join("\n"));
  return file;
}

/** Test-only provider settings: fake credentials, no calls to STS or the metadata service. */
export const OFFLINE_PROVIDER = {
  access_key: "AKIAOFFLINEPLANONLY00",
  secret_key: "offline-plan-not-a-secret",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
};

let publicParameters: { child: ChildProcess; url: string } | undefined;

/**
 * The URL of the fake public-parameter endpoint (fake-public-parameters.js), started on first use
 * in its own process and stopped with this one. Synchronous like the terraform calls: it waits
 * for the port file the fake writes once it listens.
 */
export function publicParametersEndpoint(): string {
  if (publicParameters) return publicParameters.url;
  const dir = mkdtempSync(path.join(os.tmpdir(), "openclaw-public-parameters-"));
  const portFile = path.join(dir, "port");
  const child = spawn(process.execPath, [path.join(__dirname, "fake-public-parameters.js"), portFile], { stdio: ["pipe", "ignore", "inherit"] });
  const deadline = Date.now() + 10_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!(existsSync(portFile) && readFileSync(portFile, "utf8") !== "")) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error("the fake public-parameter endpoint did not start");
    Atomics.wait(pause, 0, 0, 20);
  }
  const url = `http://127.0.0.1:${readFileSync(portFile, "utf8")}`;
  rmSync(dir, { recursive: true, force: true });
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  process.on("exit", () => child.kill());
  publicParameters = { child, url };
  return url;
}

/** OFFLINE_PROVIDER plus the fake public-parameter endpoint, for configurations that read the AMI id at plan time. */
export const offlineProvider = (): object => ({ ...OFFLINE_PROVIDER, endpoints: [{ ssm: publicParametersEndpoint() }] });

export interface OfflineStackDir {
  /** Directory with cdk.tf.json and the offline override. */
  dir: string;
  /** Environment for terraform commands in that directory. */
  env: NodeJS.ProcessEnv;
}

/**
 * Synthesizes one environment into a fresh temporary directory and prepares it for offline
 * terraform: a local backend inside the directory and a provider override file.
 */
export function synthForOfflineTerraform(settings: GatewaySettings, workDir?: string): OfflineStackDir {
  const root = workDir ?? mkdtempSync(path.join(os.tmpdir(), "openclaw-tf-"));
  const app = new App({ outdir: path.join(root, "cdktf.out") });
  const stack = new OpenClawStack(app, settings);
  app.synth();
  const dir = path.join(root, "cdktf.out", "stacks", stack.node.id);
  const config = JSON.parse(readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
  config.terraform.backend = { local: { path: path.join(dir, "terraform.tfstate") } };
  writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(config, null, 2));
  // An override file merges into the provider block without touching the synthesized config.
  writeFileSync(path.join(dir, "offline_override.tf.json"), JSON.stringify({ provider: { aws: [offlineProvider()] } }, null, 2));
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: writeCliConfig(root),
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_INPUT: "0",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return { dir, env };
}

/** Runs terraform in a prepared directory; throws with its output when it fails. */
export function terraform(stack: OfflineStackDir, args: string[]): string {
  const result = spawnSync("terraform", args, { cwd: stack.dir, env: stack.env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`terraform ${args.join(" ")} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** The JSON of `terraform show -json` for a plan (see Terraform's JSON output format). */
export interface PlanJson {
  format_version: string;
  resource_changes: Array<{
    address: string;
    type: string;
    name: string;
    change: { actions: string[]; before: unknown; after: Record<string, unknown> | null; after_unknown: unknown };
  }>;
  planned_values: unknown;
  configuration: unknown;
  [key: string]: unknown;
}

/**
 * init + plan + show -json: the offline plan of one environment. No separate `terraform validate`:
 * plan "includes an implied validation check" (https://developer.hashicorp.com/terraform/cli/commands/validate,
 * read 2026-11-30), and every terraform command that loads the AWS provider costs ~2.5 s of CPU
 * (its schema), the bulk of the terraform suites' time.
 */
export function offlinePlan(settings: GatewaySettings, workDir?: string): { stack: OfflineStackDir; plan: PlanJson } {
  const stack = offlinePlanFile(settings, workDir);
  const plan = JSON.parse(terraform(stack, ["show", "-json", "plan.bin"])) as PlanJson;
  return { stack, plan };
}

/**
 * init + plan, the plan left as plan.bin: for tests that only need terraform to accept or refuse
 * the plan (a `show -json` costs ~6 s of CPU more).
 */
export function offlinePlanFile(settings: GatewaySettings, workDir?: string): OfflineStackDir {
  const stack = synthForOfflineTerraform(settings, workDir);
  terraform(stack, ["init", "-input=false", "-no-color", "-backend=true"]);
  terraform(stack, ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
  return stack;
}
