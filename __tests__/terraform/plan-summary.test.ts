import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { GatewaySettingsInput } from "../../modules/settings/settings";
import { offlineTerraformProblem, OfflineStackDir, PlanJson, synthForOfflineTerraform, terraform } from "../helpers/terraform-offline";
import { COMMENT_MARKER, digestPlan, renderSummary, TerraformPlan } from "../../modules/review/plan-summary";
import { deployOffline, isNoOp, liftPreventDestroy, planJson } from "../helpers/terraform-state";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * plan:summary on REAL plans that terraform produces offline (AWS provider from the filesystem
 * mirror, fake credentials, -refresh=false):
 *  - a fresh deploy;
 *  - "deployed" state: a state file converged from terraform's own planned values (see
 *    helpers/terraform-state.ts), proven by a no-change plan, then plans of changed settings on top:
 *    a version bump, a wider allowedCidrs, and an availability-zone move that replaces the data volume.
 * The AZ move is refused by terraform because of the volume's prevent_destroy; for the summary it is
 * planned again with an override file that lifts the guard, as an operator would have to on purpose.
 */
const canRun = requireInCi(offlineTerraformProblem(), "the plan-summary tests on real terraform plans");
const maybe = canRun ? describe : describe.skip;

maybe("plan:summary on real offline terraform plans", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "plan-summary-"));
  let deployedState: string;
  let fresh: PlanJson;
  let rounds: number;
  const timings: string[] = [];

  /** Synthesizes changed settings next to the deployed state and plans them. */
  const workDir = (name: string) => {
    mkdirSync(path.join(root, name), { recursive: true });
    return path.join(root, name);
  };
  // Deployed with a restricted client range, so that adding a second range is a real widening (a range
  // inside 0.0.0.0/0 would be a redundant rule, which settings refuse); a narrowed range needs a hosted
  // zone (DNS-01: Let's Encrypt's TLS-ALPN-01 would be blocked).
  const deployedSettings: Partial<GatewaySettingsInput> = { allowedCidrs: ["203.0.113.0/24"], hostedZoneId: "Z0123456789ABCDEFGHIJ" };
  const prepare = (name: string, overrides: Partial<GatewaySettingsInput>): OfflineStackDir => {
    const stack = synthForOfflineTerraform(testSettings({ ...deployedSettings, ...overrides }), workDir(name));
    terraform(stack, ["init", "-input=false", "-no-color"]);
    copyFileSync(deployedState, path.join(stack.dir, "terraform.tfstate"));
    return stack;
  };
  /**
   * The deployed settings planned against the deployed state, for the tests that read that plan:
   * deployOffline's proof (the configuration as synthesized, -refresh=false, plan.bin left in the folder).
   */
  let unchanged: { stack: OfflineStackDir; plan: PlanJson };
  const planUnchanged = () => unchanged;
  const timed = <T>(label: string, f: () => T): T => {
    const started = Date.now();
    const value = f();
    timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return value;
  };

  beforeAll(() => {
    const stack = synthForOfflineTerraform(testSettings(deployedSettings), workDir("deployed"));
    timed("init", () => terraform(stack, ["init", "-input=false", "-no-color"]));
    fresh = timed("fresh plan", () => planJson(stack));
    const deployed = timed("converge state", () => deployOffline(stack, { freshPlan: fresh }));
    deployedState = deployed.state;
    rounds = deployed.rounds;
    unchanged = { stack, plan: deployed.plan };
  }, 600_000);

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`plan-summary harness: state converged in ${rounds} rounds; ${timings.join(", ")}`);
    // Set KEEP_PLAN_FIXTURES=1 to keep the plans and rendered summaries for a look.
    if (!process.env.KEEP_PLAN_FIXTURES) rmSync(root, { recursive: true, force: true });
  });

  test("fresh deploy: everything is created, access is listed as a note, nothing is destroyed", () => {
    const digest = digestPlan(fresh as TerraformPlan);
    expect(digest.firstDeploy).toBe(true);
    expect(digest.counts.create).toBe(fresh.resource_changes.length);
    expect(digest.stateful).toEqual([]);
    const md = renderSummary([{ title: "openclaw-test", plan: fresh as TerraformPlan }]);
    expect(md.startsWith(COMMENT_MARKER)).toBe(true);
    expect(md).toContain(`**${digest.counts.create} to create, 0 to update, 0 to replace, 0 to delete** (0 unchanged) — first deploy`);
    expect(md).toContain("> [!NOTE]");
    expect(md).toMatch(/ingress tcp 443 from 203\.0\.113\.0\/24/);
    expect(md).toMatch(/attaches arn:aws:iam::aws:policy\/service-role\/AWSDataLifecycleManagerServiceRole/);
    expect(md).not.toContain("[!CAUTION]");
    expect(md).not.toContain("[!WARNING]");
  });

  test("the converged state is what terraform considers deployed: the same settings plan no changes", () => {
    const { plan } = planUnchanged();
    expect(isNoOp(plan)).toBe(true);
    expect(renderSummary([{ title: "openclaw-test", plan: plan as TerraformPlan }])).toMatch(/No changes \(\d+ resources unchanged\)/);
  }, 300_000);

  test("the command refuses real state and a real binary plan file, naming the file and the command to run", () => {
    const { stack } = planUnchanged(); // its plan left the binary plan.bin in the stack folder
    const stateShow = path.join(stack.dir, "state-show.json");
    writeFileSync(stateShow, terraform(stack, ["show", "-json"]));
    const cli = (file: string) => spawnSync(path.join(__dirname, "../../node_modules/.bin/tsx"), ["scripts/plan-summary.ts", file],
      { cwd: path.join(__dirname, "../.."), encoding: "utf8" });
    for (const state of [path.join(stack.dir, "terraform.tfstate"), stateShow]) {
      const result = cli(state);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`${state}: this is Terraform state, not a plan: run \`terraform show -json <planfile> > plan.json\``);
    }
    const binary = cli(path.join(stack.dir, "plan.bin"));
    expect(binary.status).toBe(2);
    expect(binary.stderr.trim()).toBe(`plan:summary: ${path.join(stack.dir, "plan.bin")}: this is a binary Terraform plan file, not its JSON: ` +
      `run \`terraform show -json ${path.join(stack.dir, "plan.bin")} > plan.json\` and pass plan.json`);
  }, 300_000);

  test("version bump: the host script, the launch template (its pin) and the rollout association update in place (the group does not); no warning", () => {
    const plan = timed("version bump plan", () => planJson(prepare("bump", { versions: { traefik: "3.7.10" } })));
    const digest = digestPlan(plan as TerraformPlan);
    expect(digest.rows.map((r) => `${r.action} ${r.type}`).sort()).toEqual(["update aws_launch_template", "update aws_s3_object", "update aws_ssm_association"]);
    const md = renderSummary([{ title: "openclaw-test", plan: plan as TerraformPlan }]);
    expect(md).toContain("**0 to create, 3 to update, 0 to replace, 0 to delete**");
    expect(md).not.toMatch(/\[!(CAUTION|WARNING|NOTE)\]/);
    // The reviewer sees why: the host script changed, and with it the loader's pin (user data).
    expect(md).toMatch(/\| ~ update \| `aws_launch_template\.host_launch-template_[0-9A-F]+` \| [^\n]*`user_data`/);
    expect(md).toMatch(/\| ~ update \| `aws_s3_object\.artifacts_host-script_[0-9A-F]+` \| [^\n]*`content`/);
    writeFileSync(path.join(root, "version-bump.md"), md);
  }, 300_000);

  test("a wider allowedCidrs is flagged as security-group widening", () => {
    const plan = planJson(prepare("cidr", { allowedCidrs: ["203.0.113.0/24", "198.51.100.0/24"] }));
    const md = renderSummary([{ title: "openclaw-test", plan: plan as TerraformPlan }]);
    expect(md).toContain("> [!WARNING]");
    expect(md).toMatch(/aws_vpc_security_group_ingress_rule\.host_https-in-1_[0-9A-F]+`: ingress tcp 443 from 198\.51\.100\.0\/24/);
    expect(md).not.toContain("[!CAUTION]");
  }, 300_000);

  test("an IAM policy that gains a wildcard is flagged as IAM widening", () => {
    const stack = prepare("iam", {});
    // The deployed policy document (ARNs resolved to the state's values) plus one broad statement,
    // put in place by an override file the way a careless edit of host-role.ts would.
    const state = JSON.parse(readFileSync(path.join(stack.dir, "terraform.tfstate"), "utf8"));
    const policy = state.resources.find((r: any) => r.type === "aws_iam_role_policy");
    const document = JSON.parse(policy.instances[0].attributes.policy);
    document.Statement.push({ Sid: "Oops", Effect: "Allow", Action: "ssm:*", Resource: "*" });
    writeFileSync(path.join(stack.dir, "iam_override.tf.json"), JSON.stringify({
      resource: { aws_iam_role_policy: { [policy.name]: { policy: JSON.stringify(document) } } },
    }));
    const plan = planJson(stack);
    const md = renderSummary([{ title: "openclaw-test", plan: plan as TerraformPlan }]);
    expect(digestPlan(plan as TerraformPlan).rows.map((r) => `${r.action} ${r.type}`)).toEqual(["update aws_iam_role_policy"]);
    expect(md).toContain("> [!WARNING]");
    expect(md).toMatch(/`aws_iam_role_policy\.host-role_policy_[0-9A-F]+`: allows ssm:\* on \*/);
    // Only the added grant is listed, not the ones the policy already had.
    expect(md).not.toMatch(/allows ssm:GetParameter/);
  }, 300_000);

  describe("moving to another availability zone (replaces the data volume)", () => {
    let stack: OfflineStackDir;
    beforeAll(() => { stack = prepare("az", { availabilityZone: "us-east-1b" }); }, 300_000);

    test("terraform refuses the plan: the data volume has prevent_destroy", () => {
      expect(() => planJson(stack)).toThrow(/Instance cannot be destroyed[\s\S]*aws_ebs_volume\.data_volume/);
    }, 300_000);

    test("with the guard lifted by an override file, the summary shouts about the data volume", () => {
      // An override file is how an operator would lift the guard on purpose; the summary must still be loud.
      liftPreventDestroy(stack, "lift_guard_override.tf.json");
      const plan = timed("AZ move plan", () => planJson(stack));
      const digest = digestPlan(plan as TerraformPlan);
      const volume = digest.rows.find((r) => r.type === "aws_ebs_volume")!;
      expect(volume.action).toBe("replace");
      expect(volume.because).toContain("availability_zone");
      const md = renderSummary([{ title: "openclaw-test", plan: plan as TerraformPlan }]);
      expect(md).toContain("> [!CAUTION]");
      expect(md).toMatch(/> - REPLACE `aws_ebs_volume\.data_volume_[0-9A-F]+`: the data volume[^\n]*forced by `availability_zone`/);
      writeFileSync(path.join(root, "az-move.md"), md);
      writeFileSync(path.join(root, "az-move.json"), JSON.stringify(plan));
    }, 300_000);

    test("the command prints the same Markdown from the plan file", () => {
      const file = path.join(root, "az-move.json");
      const result = spawnSync(path.join(__dirname, "../../node_modules/.bin/tsx"), ["scripts/plan-summary.ts", file],
        { cwd: path.join(__dirname, "../.."), encoding: "utf8" });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("### az-move");
      expect(result.stdout).toContain("> [!CAUTION]");
    }, 60_000);
  });
});
