import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { gunzipSync } from "node:zlib";
import * as path from "node:path";
import {
  offlinePlan,
  offlineTerraformProblem,
  OfflineStackDir,
  PlanJson,
  synthForOfflineTerraform,
  terraform,
} from "../../scripts/terraform-offline";
import { GatewaySettings, GatewaySettingsInput } from "../../modules/settings";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Upgrades: changing a pinned version (openclaw, Node, Traefik) must touch only the launch
 * template (its user data) and, through the template's latest_version, the Auto Scaling group's
 * launch template version (which starts the instance refresh) — never the data volume, the
 * address, the KMS key, the parameters or the SSM documents.
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

const PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';
const STATE_FILE = "terraform.tfstate";

const OLD = testSettings();
const UPGRADES: Array<[string, Partial<GatewaySettingsInput>]> = [
  ["openclaw", { versions: { openclaw: "2026.9.7" } }],
  ["Node.js", { versions: { node: "24.22.0" } }],
  ["Traefik", { versions: { traefik: "3.6.3" } }],
];

// ---------------------------------------------------------------- state from a plan

/**
 * A value of the given cty type for an attribute the plan could not know (ids, ARNs, dates).
 * One string for all of them: wherever the configuration copies one resource's id or ARN into
 * another resource, state and configuration then agree (and ARN-validated fields accept it).
 */
const UNKNOWN_STRING = "arn:aws:iam::123456789012:role/offline-placeholder";
const ID_FORMATS: Record<string, string> = { aws_launch_template: "lt-0123456789abcdef0" };
function placeholder(type: unknown): unknown {
  if (type === "string") return UNKNOWN_STRING;
  if (type === "number") return 1;
  if (type === "bool") return false;
  if (Array.isArray(type) && (type[0] === "list" || type[0] === "set")) return [];
  if (Array.isArray(type) && type[0] === "map") return {};
  if (Array.isArray(type) && type[0] === "object") return Object.fromEntries(Object.keys(type[1]).map((k) => [k, null]));
  return null;
}

/** Fills every unknown leaf of a planned object with a placeholder of its schema type. */
function fillUnknown(value: Json | undefined, unknown: Json | undefined, block: Json, type = ""): Json {
  const out: Json = { ...(value ?? {}) };
  for (const [name, attribute] of Object.entries<Json>(block.attributes ?? {})) {
    if (unknown?.[name] !== true) {
      if (!(name in out)) out[name] = null;
      continue;
    }
    // Ids the provider validates where they are referenced have their AWS format; where AWS uses
    // the name as the id (IAM roles, SSM parameters…), references expect exactly that.
    if (name === "id" && ID_FORMATS[type]) out[name] = ID_FORMATS[type];
    else if (name === "id" && typeof value?.name === "string") out[name] = value.name;
    else out[name] = placeholder(attribute.type);
  }
  for (const [name, nested] of Object.entries<Json>(block.block_types ?? {})) {
    const u = unknown?.[name];
    if (u === true) {
      out[name] = nested.nesting_mode === "single" ? null : [];
    } else if (Array.isArray(out[name])) {
      out[name] = out[name].map((element: Json, i: number) => fillUnknown(element, Array.isArray(u) ? u[i] : undefined, nested.block));
    } else if (out[name] && typeof out[name] === "object") {
      out[name] = fillUnknown(out[name], u, nested.block);
    } else if (!(name in out)) {
      out[name] = nested.nesting_mode === "single" ? null : [];
    }
  }
  return out;
}

/** State's sensitive_attributes for the top-level attributes the plan marks sensitive (else Terraform plans an update). */
function sensitivePaths(change: Change): Array<Array<{ type: string; value: string }>> {
  const sensitive = ((change.change as Json).after_sensitive ?? {}) as Json;
  return Object.keys(sensitive).filter((k) => sensitive[k] === true).sort().map((k) => [{ type: "get_attr", value: k }]);
}

/** Terraform state (format 4) holding `values` for each resource address. */
function stateFile(resources: Map<string, { change: Change; attributes: Json }>, schemaVersions: Record<string, number>, serial: number): string {
  return JSON.stringify({
    version: 4,
    terraform_version: "1.11.4",
    serial,
    lineage: "00000000-0000-4000-8000-000000000000",
    outputs: {},
    resources: [...resources.values()].map(({ change, attributes }) => ({
      mode: "managed",
      type: change.type,
      name: change.name,
      provider: PROVIDER,
      instances: [{ schema_version: schemaVersions[change.type] ?? 0, attributes, sensitive_attributes: sensitivePaths(change), dependencies: [] }],
    })),
  });
}

const planAgainstState = (stack: OfflineStackDir): PlanJson => {
  terraform(stack, ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=plan.bin"]);
  return JSON.parse(terraform(stack, ["show", "-json", "plan.bin"])) as PlanJson;
};

const changed = (plan: PlanJson): Change[] => plan.resource_changes.filter((c) => c.change.actions.join() !== "no-op");

/**
 * "Deploys" the old plan into the stack directory's state: the planned values with placeholders
 * for the unknowns, then re-planned until planning the same settings changes nothing (references
 * such as subnet ids settle to the placeholders after a round or two).
 */
function deployIntoState(stack: OfflineStackDir, plan: PlanJson, schema: Json): string {
  const resourceSchemas: Json = schema.provider_schemas["registry.terraform.io/hashicorp/aws"].resource_schemas;
  const versions = Object.fromEntries(Object.entries<Json>(resourceSchemas).map(([type, s]) => [type, s.version ?? 0]));
  const resources = new Map<string, { change: Change; attributes: Json }>();
  const absorb = (changes: Change[]) => {
    for (const change of changes) {
      const attributes = fillUnknown(change.change.after ?? {}, change.change.after_unknown as Json, resourceSchemas[change.type].block, change.type);
      resources.set(change.address, { change, attributes });
    }
  };
  absorb(plan.resource_changes);
  let pending: Change[] = [];
  for (let round = 1; round <= 5; round++) {
    const state = stateFile(resources, versions, round);
    writeFileSync(path.join(stack.dir, STATE_FILE), state);
    pending = changed(planAgainstState(stack));
    if (pending.length === 0) {
      // eslint-disable-next-line no-console
      console.log(`upgrade plan: the deployed state settled after ${round} plan(s)`);
      return state;
    }
    absorb(pending);
  }
  const still = pending.map((c) => `${c.address} ${c.change.actions.join("+")}: ${differingKeys(c.change.before as Json, c.change.after).join(", ")}`);
  throw new Error(`the state built from the plan did not settle; planning the same settings still changes:\n${still.join("\n")}`);
}

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
    const schema = JSON.parse(terraform(old.stack, ["providers", "schema", "-json"]));
    deployedState = deployIntoState(old.stack, oldPlan, schema);
  }, 300_000);

  /** Plans `settings` against the deployed old state in a fresh directory. */
  function upgradePlan(settings: GatewaySettings): PlanJson {
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

  test("create plans of old and new openclaw differ only in the launch template's user data", () => {
    const newPlan = offlinePlan(upgraded.get("openclaw")!, workDir()).plan;
    const oldChanges = byAddress(oldPlan);
    const newChanges = byAddress(newPlan);
    expect([...newChanges.keys()].sort()).toEqual([...oldChanges.keys()].sort());
    const differences: Record<string, string[]> = {};
    for (const [address, change] of newChanges) {
      const keys = differingKeys(oldChanges.get(address)!.change.after, change.change.after);
      if (keys.length > 0) differences[address] = keys;
    }
    expect(differences).toEqual({ "aws_launch_template.host_launch-template_D4991956": ["user_data"] });
    const lt = newChanges.get("aws_launch_template.host_launch-template_D4991956")!;
    expect(userDataScript(lt)).toContain("2026.9.7");
    expect(userDataScript(oldChanges.get(lt.address)!)).not.toContain("2026.9.7");
  }, 120_000);

  test.each(UPGRADES.map(([what]) => [what]))("%s: update plan touches the launch template (user data) and the group's template version, nothing else", (what) => {
    const plan = upgradePlan(upgraded.get(what)!);
    const summary = changed(plan).map((c) => `${c.type} ${c.change.actions.join("+")}`).sort();
    expect(summary).toEqual(["aws_autoscaling_group update", "aws_launch_template update"]);

    const lt = changed(plan).find((c) => c.type === "aws_launch_template")!;
    expect(differingKeys(lt.change.before as Json, lt.change.after)).toEqual(
      expect.arrayContaining(["user_data"]));
    // Besides user_data only computed bookkeeping moves (the new version number is not known yet).
    expect(differingKeys(lt.change.before as Json, lt.change.after).filter((k) => k !== "user_data")).toEqual(
      differingKeys(lt.change.before as Json, lt.change.after).filter((k) => k !== "user_data" && (lt.change.after_unknown as Json)[k] === true));
    expect((lt.change.after_unknown as Json).latest_version).toBe(true);

    // The group follows the template's latest_version: the version becomes the new one, which
    // makes AWS run the configured instance refresh. Nothing else of the group changes.
    const asg = changed(plan).find((c) => c.type === "aws_autoscaling_group")!;
    expect(differingKeys(asg.change.before as Json, asg.change.after)).toEqual(["launch_template"]);
    expect((asg.change.after_unknown as Json).launch_template).toEqual([expect.objectContaining({ version: true })]);
    expect(asg.change.after!.instance_refresh).toEqual([expect.objectContaining({ strategy: "Rolling" })]);

    for (const change of plan.resource_changes.filter((c) => PERSISTENT_TYPES.includes(c.type))) {
      expect(`${change.address}: ${change.change.actions.join("+")}`).toBe(`${change.address}: no-op`);
    }
  }, 120_000);

  test("control: a change that does concern the data volume shows up on the volume (the comparison can fail)", () => {
    const plan = upgradePlan(testSettings({ dataVolumeSizeGiB: 30 }));
    const summary = changed(plan).map((c) => `${c.type} ${c.change.actions.join("+")}`).sort();
    expect(summary).toContain("aws_ebs_volume update");
    expect(summary).not.toContain("aws_launch_template update");
  }, 120_000);

  test("rollback: the old settings against the upgraded deployment touch the same two resources", () => {
    // Deploy the upgrade (its plan applied onto the old state), then plan the old settings.
    const plan = upgradePlan(upgraded.get("openclaw")!);
    const state = JSON.parse(deployedState);
    const lt = plan.resource_changes.find((c) => c.type === "aws_launch_template")!;
    const entry = state.resources.find((r: Json) => r.type === "aws_launch_template");
    entry.instances[0].attributes.user_data = lt.change.after!.user_data;
    entry.instances[0].attributes.latest_version = 2;
    const asg = state.resources.find((r: Json) => r.type === "aws_autoscaling_group");
    asg.instances[0].attributes.launch_template[0].version = "2";
    const stack = synthForOfflineTerraform(OLD, workDir());
    terraform(stack, ["init", "-input=false", "-no-color"]);
    writeFileSync(path.join(stack.dir, STATE_FILE), JSON.stringify({ ...state, serial: state.serial + 1 }));
    const rollback = planAgainstState(stack);
    expect(changed(rollback).map((c) => `${c.type} ${c.change.actions.join("+")}`).sort())
      .toEqual(["aws_autoscaling_group update", "aws_launch_template update"]);
    // Rolling back restores exactly the old boot script (which reuses the old runtime left on the volume).
    const rolledBack = changed(rollback).find((c) => c.type === "aws_launch_template")!;
    const original = oldPlan.resource_changes.find((c) => c.type === "aws_launch_template")!;
    expect(rolledBack.change.after!.user_data).toBe(original.change.after!.user_data);
    expect(userDataScript(rolledBack)).toContain(OLD.versions.openclaw);
  }, 120_000);
});
