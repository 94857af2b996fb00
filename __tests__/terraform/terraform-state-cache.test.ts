import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OfflineStackDir, terraform, writeCliConfig } from "../helpers/terraform-offline";
import { deployOffline, isNoOp, STATE_CACHE_ENV, stateCacheFile } from "../helpers/terraform-state";
import { requireInCi } from "../helpers/settings";

/**
 * The converged-state cache of deployOffline (__tests__/helpers/terraform-state.ts), on a stack that
 * needs no provider (terraform's built-in terraform_data), so that real terraform decides cheaply:
 * a kept state is used only when terraform plans no change against it, and the key follows the
 * configuration, not the folder.
 */
const canRun = requireInCi(spawnSync("terraform", ["version"]).status === 0 ? undefined : "the terraform binary is not on PATH",
  "the converged-state cache test (real terraform)");
const maybe = canRun ? describe : describe.skip;

const config = (input: string) => JSON.stringify({ resource: { terraform_data: { x: { input } } } }, null, 2);

maybe("deployOffline's converged-state cache", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "openclaw-state-cache-"));
  const saved = process.env[STATE_CACHE_ENV];
  let count = 0;
  /** A folder with the given configuration as cdk.tf.json, initialized. */
  const stackWith = (input: string): OfflineStackDir => {
    const dir = path.join(root, `stack-${++count}`);
    const stack = { dir, env: { ...process.env, TF_CLI_CONFIG_FILE: writeCliConfig(root), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } };
    mkdirSync(dir);
    writeFileSync(path.join(dir, "cdk.tf.json"), config(input));
    terraform(stack, ["init", "-input=false", "-no-color"]);
    return stack;
  };
  /** The state terraform itself writes for the configuration with `input`. */
  let applied: Record<string, any>;

  beforeAll(() => {
    process.env[STATE_CACHE_ENV] = path.join(root, "cache");
    mkdirSync(path.join(root, "cache"));
    const stack = stackWith("a");
    terraform(stack, ["apply", "-input=false", "-no-color", "-auto-approve", "-lock=false"]);
    applied = JSON.parse(readFileSync(path.join(stack.dir, "terraform.tfstate"), "utf8"));
  }, 120_000);

  afterAll(() => {
    if (saved === undefined) delete process.env[STATE_CACHE_ENV];
    else process.env[STATE_CACHE_ENV] = saved;
    rmSync(root, { recursive: true, force: true });
  });

  test("the key: the same configuration in another folder finds the same entry; another configuration does not; \"0\" turns it off", () => {
    const a1 = stackWith("a");
    const a2 = stackWith("a");
    expect(stateCacheFile(a1)).toBe(stateCacheFile(a2));
    expect(path.dirname(stateCacheFile(a1)!)).toBe(path.join(root, "cache"));
    expect(stateCacheFile(stackWith("b"))).not.toBe(stateCacheFile(a1));
    process.env[STATE_CACHE_ENV] = "0";
    try {
      expect(stateCacheFile(a1)).toBeUndefined();
    } finally {
      process.env[STATE_CACHE_ENV] = path.join(root, "cache");
    }
  }, 120_000);

  test("a kept state that terraform plans no change against is used as it is", () => {
    const stack = stackWith("a");
    writeFileSync(stateCacheFile(stack)!, JSON.stringify({ rounds: 42, state: applied }));
    // Converging would fail here (no AWS provider schema): the 42 rounds can only come from the kept entry.
    const deployed = deployOffline(stack);
    expect(deployed.rounds).toBe(42);
    expect(JSON.parse(readFileSync(deployed.state, "utf8")).resources).toEqual(applied.resources);
    // The proof is returned (callers read it instead of planning again): no change, as synthesized.
    expect(isNoOp(deployed.plan)).toBe(true);
    expect(deployed.plan.resource_changes.length).toBeGreaterThan(0);
    expect(existsSync(path.join(stack.dir, "plan.bin"))).toBe(true);
  }, 120_000);

  test("a kept state that terraform would change is not used: deployOffline converges instead", () => {
    // The state of input "a" kept under the key of input "b": terraform plans to update it.
    const stack = stackWith("b");
    writeFileSync(stateCacheFile(stack)!, JSON.stringify({ rounds: 42, state: applied }));
    // The convergence starts by reading the AWS provider's schemas, which this stack does not have.
    expect(() => deployOffline(stack)).toThrow(/resource_schemas/);
  }, 120_000);
});
