import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { gunzipSync } from "node:zlib";
import * as path from "node:path";
import { offlinePlan, offlineTerraformProblem, PlanJson, synthForOfflineTerraform, terraform } from "../helpers/terraform-offline";
import { deployOffline, planJson as planAgainstState } from "../helpers/terraform-state";
import { GatewaySettings, GatewaySettingsInput } from "../../modules/settings/settings";
import { openclawConfigFile } from "../../modules/host/layout";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Upgrades: changing a pinned version (openclaw, Node, Traefik) must touch only the host script
 * (its object in the artifacts bucket, updated in place), the launch template (its user data: the
 * loader's pin of the host script) and, through the template's latest_version, the rollout
 * association's parameters (updating it runs the rollout runbook: an instance refresh with automatic
 * rollback, modules/constructs/rollout.ts) — never the Auto Scaling group (its template version is the
 * runbook's to move), the data volume, the address, the KMS key, the parameters or the SSM documents.
 *
 * The same deployed state also proves that a config-only change (CONFIG_CHANGES) plans no new host.
 *
 * Two proofs with real terraform, offline:
 *  1. the create plans of the old and the new settings, compared resource by resource;
 *  2. an update plan: the old settings "deployed" into a state file (built from the old plan and
 *     made self-consistent: planning the old settings against it changes nothing), then the new
 *     settings planned against that state with -refresh=false.
 */
const canRun = requireInCi(offlineTerraformProblem(), "the offline upgrade plan test");
const maybe = canRun ? describe : describe.skip;

type Json = Record<string, any>;
type Change = PlanJson["resource_changes"][number];

const STATE_FILE = "terraform.tfstate";

const OLD = testSettings();
const UPGRADES: Array<[string, Partial<GatewaySettingsInput>]> = [
  // openclaw is not here: hosts install it only from modules/host/openclaw/package-lock.json, so an
  // openclaw upgrade is a new lock (a new artifacts object as well), not a settings change.
  ["Node.js", { versions: { node: "24.22.0" } }],
  ["Traefik", { versions: { traefik: "3.6.3" } }],
];

/**
 * Config-only changes (issue 14 item 4): the `openclaw` overlay, `model`, `toolPolicy` reach the host
 * as the openclaw.json object in the artifacts bucket, which the user data does not pin (docs/operating.md
 * "Changing the configuration"): planned against the same deployed state, each must change that object
 * alone — no launch template, group or rollout association (each changed the user data before).
 */
const CONFIG_CHANGES: Array<[string, Partial<GatewaySettingsInput>]> = [
  ["the openclaw overlay", { openclaw: { agents: { defaults: { thinkingDefault: "low" } } } }],
  ["the model", { model: "openai/gpt-5" }],
  ["the tool policy", { toolPolicy: "no-shell" }],
];
const CONFIG_OBJECT = /^aws_s3_object\.artifacts_openclaw-config_[0-9A-F]{8}$/;

const changed = (plan: PlanJson): Change[] => plan.resource_changes.filter((c) => c.change.actions.join() !== "no-op");

// ---------------------------------------------------------------- comparison

/** Top-level planned attributes that differ between two resources' `after` values. */
function differingKeys(before: Json | null, after: Json | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k])).sort();
}

const byAddress = (plan: PlanJson) => new Map(plan.resource_changes.map((c) => [c.address, c]));
const userDataScript = (change: Change): string => gunzipSync(Buffer.from(String(change.change.after!.user_data), "base64")).toString("utf8");

/** Resources that must never change on an upgrade. */
const PERSISTENT_TYPES = ["aws_ebs_volume", "aws_eip", "aws_kms_key", "aws_kms_alias", "aws_ssm_parameter", "aws_dlm_lifecycle_policy", "aws_ssm_document"];

maybe("upgrading a pinned version", () => {
  let oldPlan: PlanJson;
  let deployedState: string;
  const upgradePlans = new Map<GatewaySettings, PlanJson>();
  const upgraded = new Map<string, GatewaySettings>(UPGRADES.map(([what, versions]) => [what, testSettings(versions)]));

  const work = mkdtempSync(path.join(os.tmpdir(), "openclaw-upgrade-plan-"));
  let dirs = 0;
  const workDir = () => {
    const dir = path.join(work, String(++dirs));
    mkdirSync(dir);
    return dir;
  };
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(() => {
    const old = offlinePlan(OLD, workDir());
    oldPlan = old.plan;
    // The shared offline "deploy": state built from the plan, converged until a re-plan is a no-op.
    const deployed = deployOffline(old.stack, { freshPlan: oldPlan });
    // eslint-disable-next-line no-console
    console.log(`upgrade plan: the deployed state settled after ${deployed.rounds} plan(s)`);
    deployedState = readFileSync(deployed.state, "utf8");
    // The old settings planned against that state (deployOffline's proof): the first test's plan.
    upgradePlans.set(OLD, deployed.plan);
  }, 300_000);

  /** Plans `settings` against the deployed old state in a fresh directory, once per settings object. */
  function upgradePlan(settings: GatewaySettings): PlanJson {
    if (!upgradePlans.has(settings)) upgradePlans.set(settings, planAgainstDeployed(settings));
    return upgradePlans.get(settings)!;
  }
  function planAgainstDeployed(settings: GatewaySettings): PlanJson {
    const stack = synthForOfflineTerraform(settings, workDir());
    // After init: init with a local backend replaces a state file it finds in place.
    terraform(stack, ["init", "-input=false", "-no-color"]);
    writeFileSync(path.join(stack.dir, STATE_FILE), deployedState);
    return planAgainstState(stack);
  }

  test("the deployed state is consistent: planning the same settings again changes nothing", () => {
    expect(JSON.parse(deployedState).resources).toHaveLength(oldPlan.resource_changes.length);
    const again = upgradePlan(OLD);
    expect(again.resource_changes).toHaveLength(oldPlan.resource_changes.length);
    expect(changed(again)).toEqual([]);
  }, 120_000);

  test("create plans of old and new Node.js differ only in the host script and the launch template's user data (its pin)", () => {
    const newPlan = offlinePlan(upgraded.get("Node.js")!, workDir()).plan;
    const oldChanges = byAddress(oldPlan);
    const newChanges = byAddress(newPlan);
    expect([...newChanges.keys()].sort()).toEqual([...oldChanges.keys()].sort());
    const differences: Record<string, string[]> = {};
    for (const [address, change] of newChanges) {
      const keys = differingKeys(oldChanges.get(address)!.change.after, change.change.after);
      if (keys.length > 0) differences[address] = keys;
    }
    expect(differences).toEqual({
      "aws_launch_template.host_launch-template_D4991956": ["user_data"],
      "aws_s3_object.artifacts_host-script_558480D3": ["content"],
    });
    const script = newChanges.get("aws_s3_object.artifacts_host-script_558480D3")!;
    expect(script.change.after!.content).toContain("24.22.0");
    expect(oldChanges.get(script.address)!.change.after!.content).not.toContain("24.22.0");
    const pin = (change: Change) => /^HOST_SCRIPT_SHA256=([0-9a-f]{64})$/m.exec(userDataScript(change))?.[1];
    const lt = newChanges.get("aws_launch_template.host_launch-template_D4991956")!;
    expect(pin(lt)).toBe(createHash("sha256").update(String(script.change.after!.content), "utf8").digest("hex"));
    expect(pin(oldChanges.get(lt.address)!)).not.toBe(pin(lt));
  }, 120_000);

  test.each(UPGRADES.map(([what]) => [what]))("%s: update plan touches the host script, the launch template (user data) and the rollout association, not the group", (what) => {
    const plan = upgradePlan(upgraded.get(what)!);
    const summary = changed(plan).map((c) => `${c.type} ${c.change.actions.join("+")}`).sort();
    expect(summary).toEqual(["aws_launch_template update", "aws_s3_object update", "aws_ssm_association update"]);
    const object = changed(plan).find((c) => c.type === "aws_s3_object")!;
    expect(differingKeys(object.change.before as Json, object.change.after).filter((k) => (object.change.after_unknown as Json)[k] !== true)).toEqual(["content"]);

    const lt = changed(plan).find((c) => c.type === "aws_launch_template")!;
    expect(differingKeys(lt.change.before as Json, lt.change.after)).toEqual(
      expect.arrayContaining(["user_data"]));
    // Besides user_data only computed bookkeeping moves (the new version number is not known yet).
    expect(differingKeys(lt.change.before as Json, lt.change.after).filter((k) => k !== "user_data")).toEqual(
      differingKeys(lt.change.before as Json, lt.change.after).filter((k) => k !== "user_data" && (lt.change.after_unknown as Json)[k] === true));
    expect((lt.change.after_unknown as Json).latest_version).toBe(true);

    // The association carries the new version (unknown until the template is updated): updating it
    // runs the runbook once with that version. The group is not in the plan at all.
    const association = changed(plan).find((c) => c.type === "aws_ssm_association")!;
    expect(differingKeys(association.change.before as Json, association.change.after)).toEqual(["parameters"]);
    // Terraform plans the whole map as unknown (one of its values is): known after the template update.
    expect((association.change.after_unknown as Json).parameters).toBe(true);
    const asg = plan.resource_changes.find((c) => c.type === "aws_autoscaling_group")!;
    expect(asg.change.actions).toEqual(["no-op"]);
    expect((asg.change.before as Json).instance_refresh).toEqual([]);

    for (const change of plan.resource_changes.filter((c) => PERSISTENT_TYPES.includes(c.type))) {
      expect(`${change.address}: ${change.change.actions.join("+")}`).toBe(`${change.address}: no-op`);
    }
  }, 120_000);

  /** Plans the old settings against the deployed state as changed by `edit` (what AWS-side rollouts leave). */
  function planAfter(edit: (state: Json) => void): PlanJson {
    const state = JSON.parse(deployedState);
    edit(state);
    const stack = synthForOfflineTerraform(OLD, workDir());
    terraform(stack, ["init", "-input=false", "-no-color"]);
    writeFileSync(path.join(stack.dir, STATE_FILE), JSON.stringify({ ...state, serial: state.serial + 1 }));
    return planAgainstState(stack);
  }
  const attributes = (state: Json, type: string): Json => state.resources.find((r: Json) => r.type === type).instances[0].attributes;

  test("after a maintenance window (runbook-made version 2, the default, group on it) the plan converges: one association update, nothing else", () => {
    // What Terraform's refresh reads after the patch runbook: the template's latest version (the
    // provider reads that one) with the same AMI id as the data source, made the default; the group
    // moved by the refresh.
    const plan = planAfter((state) => {
      Object.assign(attributes(state, "aws_launch_template"), { latest_version: 2, default_version: 2 });
      attributes(state, "aws_autoscaling_group").launch_template[0].version = "2";
    });
    expect(changed(plan).map((c) => `${c.type} ${c.change.actions.join("+")}`)).toEqual(["aws_ssm_association update"]);
    // Applying it runs the deploy rollout with version 2 and SkipMatching: the instance already runs it.
    expect(changed(plan)[0].change.after!.parameters).toEqual({ Mode: "deploy", LaunchTemplateVersion: "2" });
  }, 120_000);

  test("after an automatic rollback (group back on version 1 while the template's latest is 2) the plan leaves the group alone", () => {
    const plan = planAfter((state) => {
      Object.assign(attributes(state, "aws_launch_template"), { latest_version: 2, default_version: 2 });
      attributes(state, "aws_ssm_association").parameters.LaunchTemplateVersion = "2";
      attributes(state, "aws_autoscaling_group").launch_template[0].version = "1";
    });
    expect(changed(plan)).toEqual([]);
  }, 120_000);

  test("turning alerts on (docs/operating.md \"Alerts\"): the subscription and the alarms are created, the host role may publish their metrics, the host's new script rolls out; the topic and the group stay", () => {
    const plan = upgradePlan(testSettings({ alerts: ["ops@clawops.dev"] }));
    const summary = changed(plan).map((c) => `${c.type} ${c.change.actions.join("+")}`).sort();
    expect(summary).toEqual([
      ...Array(6).fill("aws_cloudwatch_metric_alarm create"), "aws_iam_role_policy update", "aws_launch_template update", "aws_s3_object update",
      "aws_sns_topic_subscription create", "aws_ssm_association update",
    ]);
    const policy = changed(plan).find((c) => c.type === "aws_iam_role_policy")!;
    const sids = (side: unknown) => (JSON.parse((side as { policy: string }).policy).Statement as { Sid: string }[]).map((s) => s.Sid);
    expect(sids(policy.change.before)).not.toContain("PublishAlertMetrics");
    expect(sids(policy.change.after)).toContain("PublishAlertMetrics");
    const script = changed(plan).find((c) => c.type === "aws_s3_object")!;
    expect(script.change.after!.content).toContain("publish_metric WatchdogReplacement"); // the tools'
    expect(userDataScript(changed(plan).find((c) => c.type === "aws_launch_template")!)).toContain("publish_metric BootAbandoned"); // the loader's
    for (const type of ["aws_sns_topic", "aws_autoscaling_notification", "aws_autoscaling_group", ...PERSISTENT_TYPES]) {
      for (const change of plan.resource_changes.filter((c) => c.type === type)) expect(`${change.address}: ${change.change.actions.join("+")}`).toBe(`${change.address}: no-op`);
    }
  }, 120_000);

  test.each(CONFIG_CHANGES)("config-only change, %s: only the openclaw.json object is updated, in place", (_what, input) => {
    const settings = testSettings(input);
    expect(openclawConfigFile(settings)).not.toBe(openclawConfigFile(OLD));
    const plan = upgradePlan(settings);
    expect(changed(plan).map((c) => `${c.address} ${c.change.actions.join("+")}`)).toEqual([expect.stringMatching(/ update$/)]);
    const object = changed(plan)[0];
    expect(object.address).toMatch(CONFIG_OBJECT);
    expect((object.change.before as Json).content).toBe(openclawConfigFile(OLD));
    expect((object.change.after as Json).content).toBe(openclawConfigFile(settings));
    for (const type of ["aws_launch_template", "aws_autoscaling_group", "aws_ssm_association"]) {
      const changes = plan.resource_changes.filter((c) => c.type === type);
      expect(changes.length).toBeGreaterThan(0);
      for (const change of changes) expect(`${change.address}: ${change.change.actions.join("+")}`).toBe(`${change.address}: no-op`);
    }
  }, 180_000);

  test("control: a change that does concern the data volume shows up on the volume (the comparison can fail)", () => {
    const plan = upgradePlan(testSettings({ dataVolumeSizeGiB: 30 }));
    const summary = changed(plan).map((c) => `${c.type} ${c.change.actions.join("+")}`).sort();
    expect(summary).toContain("aws_ebs_volume update");
    expect(summary).not.toContain("aws_launch_template update");
  }, 120_000);

  test("rollback by deploy: the old settings against the upgraded deployment touch the same three resources", () => {
    // Deploy the upgrade (its plan applied onto the old state), then plan the old settings.
    const plan = upgradePlan(upgraded.get("Node.js")!);
    const state = JSON.parse(deployedState);
    const lt = plan.resource_changes.find((c) => c.type === "aws_launch_template")!;
    const entry = state.resources.find((r: Json) => r.type === "aws_launch_template");
    entry.instances[0].attributes.user_data = lt.change.after!.user_data;
    entry.instances[0].attributes.latest_version = 2;
    const asg = state.resources.find((r: Json) => r.type === "aws_autoscaling_group");
    asg.instances[0].attributes.launch_template[0].version = "2";
    const association = state.resources.find((r: Json) => r.type === "aws_ssm_association");
    association.instances[0].attributes.parameters.LaunchTemplateVersion = "2";
    const object = plan.resource_changes.find((c) => c.type === "aws_s3_object" && c.name === "artifacts_host-script_558480D3")!;
    const objectEntry = state.resources.find((r: Json) => r.type === "aws_s3_object" && r.name === object.name);
    objectEntry.instances[0].attributes.content = object.change.after!.content;
    const stack = synthForOfflineTerraform(OLD, workDir());
    terraform(stack, ["init", "-input=false", "-no-color"]);
    writeFileSync(path.join(stack.dir, STATE_FILE), JSON.stringify({ ...state, serial: state.serial + 1 }));
    const rollback = planAgainstState(stack);
    expect(changed(rollback).map((c) => `${c.type} ${c.change.actions.join("+")}`).sort())
      .toEqual(["aws_launch_template update", "aws_s3_object update", "aws_ssm_association update"]);
    // Rolling back restores exactly the old boot script (which reuses the old runtime left on the volume).
    const rolledBack = changed(rollback).find((c) => c.type === "aws_launch_template")!;
    const original = oldPlan.resource_changes.find((c) => c.type === "aws_launch_template")!;
    expect(rolledBack.change.after!.user_data).toBe(original.change.after!.user_data);
    expect(userDataScript(rolledBack)).toContain(OLD.versions.node);
  }, 120_000);
});
