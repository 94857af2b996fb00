import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OfflineStackDir, PlanJson, terraform } from "./terraform-offline";

/**
 * Gives real terraform an "already deployed" stack without AWS: a state file built from
 * terraform's own plan, the way `apply` would have written it.
 *
 * Round by round: plan → take the planned values as the new state, filling each attribute that
 * is "known after apply" with a fake that is deterministic per (resource, attribute) → plan
 * again with -refresh=false. Attributes computed from other resources' fakes change in the next
 * round, and since the fakes are stable the loop reaches a fixpoint: a plan with no changes.
 * That no-op plan is the proof that the state is what terraform itself considers deployed.
 * While converging, the data volume's prevent_destroy is lifted by an override file (a round
 * may "replace" it while its fake key ARN settles); the override is deleted afterwards.
 *
 * Converging takes 4 rounds of plan + show (each loads the AWS provider's schema, ~2.5 s of CPU),
 * so a converged state is kept between runs (see stateCacheFile) and, when found, planned once:
 * it is used only if terraform plans no change against it, the same proof the loop ends with.
 */

type CtyType = string | [string, any];
interface Block { attributes?: Record<string, { type: CtyType }>; block_types?: Record<string, { nesting_mode: string; block: Block }> }
type Schemas = Record<string, { version: number; block: Block }>;

const PROVIDER = "registry.terraform.io/hashicorp/aws";
const STATE_FILE = "terraform.tfstate";
const CONVERGE_OVERRIDE = "converge_override.tf.json";

/** The AWS provider's resource schemas (`terraform providers schema -json`). */
export function resourceSchemas(stack: OfflineStackDir): Schemas {
  return JSON.parse(terraform(stack, ["providers", "schema", "-json"])).provider_schemas[PROVIDER].resource_schemas;
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 17);

/** AWS id prefixes the provider validates at plan time (e.g. a launch template id must start with "lt-"). */
const ID_PREFIX: Record<string, string> = {
  aws_vpc: "vpc-", aws_subnet: "subnet-", aws_security_group: "sg-", aws_default_security_group: "sg-",
  aws_internet_gateway: "igw-", aws_route_table: "rtb-", aws_route_table_association: "rtbassoc-",
  aws_launch_template: "lt-", aws_ebs_volume: "vol-", aws_eip: "eipalloc-", aws_network_interface: "eni-",
  aws_vpc_security_group_ingress_rule: "sgr-", aws_vpc_security_group_egress_rule: "sgr-", aws_dlm_lifecycle_policy: "policy-",
};
/** Attributes that hold another resource's id: `<kind>_id` → that resource type. */
const ID_ATTRIBUTE_TYPE: Record<string, string> = {
  vpc_id: "aws_vpc", subnet_id: "aws_subnet", security_group_id: "aws_security_group", allocation_id: "aws_eip",
  route_table_id: "aws_route_table", gateway_id: "aws_internet_gateway", security_group_rule_id: "aws_vpc_security_group_ingress_rule",
  network_interface: "aws_network_interface", default_security_group_id: "aws_security_group",
  default_route_table_id: "aws_route_table", main_route_table_id: "aws_route_table",
};
/**
 * Values AWS gives attributes the provider checks at plan time against the configuration: a standard
 * (not FIFO) SNS topic has no FIFO throughput scope, and any other value fails the plan with "FIFO
 * throughput scope can only be set for FIFO topics" (seen with AWS provider 5.100.0).
 */
const AFTER_APPLY: Record<string, unknown> = { "aws_sns_topic.fifo_throughput_scope": "" };
const uuidOf = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-8${h.slice(15, 17)}0-${h.slice(0, 12)}`;

/** A typed stand-in for an attribute known only after apply; the same inputs give the same fake. */
function fake(type: CtyType, resourceType: string, address: string, attribute: string): unknown {
  if (`${resourceType}.${attribute}` in AFTER_APPLY) return AFTER_APPLY[`${resourceType}.${attribute}`];
  if (type === "number") return attribute.includes("rotation_period") ? 365 : 1;
  if (type === "bool") return false;
  if (Array.isArray(type)) return type[0] === "map" || type[0] === "object" ? (type[0] === "map" ? {} : null) : [];
  const h = hash(`${address}.${attribute}`);
  if (attribute === "arn" || attribute.endsWith("_arn")) {
    return `arn:aws:${resourceType.split("_")[1]}:us-east-1:123456789012:${resourceType.replace(/^aws_/, "")}/fake-${h}`;
  }
  if (attribute === "policy") return "{}";
  if (resourceType === "aws_kms_key" && (attribute === "id" || attribute === "key_id")) return uuidOf(h);
  const kind = attribute === "id" ? resourceType : ID_ATTRIBUTE_TYPE[attribute];
  if (kind && ID_PREFIX[kind]) return `${ID_PREFIX[kind]}0${h}`;
  return `fake-${resourceType.replace(/^aws_/, "").replace(/_/g, "-")}-${h}`;
}

/** Replaces every `true` of the after_unknown mask in `values` with a fake, recursing into nested blocks. */
function fillUnknowns(values: Record<string, any>, unknown: any, block: Block, resourceType: string, address: string, at = ""): void {
  if (!unknown || typeof unknown !== "object") return;
  for (const [key, mask] of Object.entries(unknown)) {
    const attribute = block.attributes?.[key];
    const nested = block.block_types?.[key];
    if (mask === true) {
      values[key] = attribute ? fake(attribute.type, resourceType, address, `${at}${key}`) : nested?.nesting_mode === "single" ? null : [];
    } else if (Array.isArray(mask) && nested && Array.isArray(values[key])) {
      mask.forEach((m, i) => fillUnknowns(values[key][i], m, nested.block, resourceType, address, `${at}${key}.${i}.`));
    } else if (mask && typeof mask === "object" && !Array.isArray(mask) && nested && values[key] && typeof values[key] === "object") {
      fillUnknowns(values[key], mask, nested.block, resourceType, address, `${at}${key}.`);
    }
  }
}

/** State's form of the top-level sensitive attributes (otherwise terraform plans an update to mark them sensitive). */
function sensitivePaths(mask: unknown): Array<Array<{ type: string; value: string }>> {
  if (!mask || typeof mask !== "object") return [];
  return Object.entries(mask).filter(([, v]) => v === true).map(([key]) => [{ type: "get_attr", value: key }]);
}

/** The state `terraform apply` of this plan would leave, with fakes for what AWS would have assigned. */
export function stateFromPlan(plan: PlanJson, schemas: Schemas, serial: number): object {
  const unknownByAddress = new Map(plan.resource_changes.map((c) => [c.address, c.change.after_unknown]));
  const sensitiveByAddress = new Map(plan.resource_changes.map((c) => [c.address, (c.change as any).after_sensitive]));
  const planned = (plan.planned_values as any).root_module.resources as Array<{ address: string; mode: string; type: string; name: string; schema_version: number; values: Record<string, any> }>;
  return {
    version: 4,
    terraform_version: (plan as any).terraform_version,
    serial,
    lineage: "00000000-0000-4000-8000-00000000cafe",
    outputs: {},
    resources: planned.filter((r) => r.mode === "managed").map((r) => {
      const values = structuredClone(r.values ?? {}); // absent when every attribute is unknown (aws_s3_bucket_policy)
      fillUnknowns(values, unknownByAddress.get(r.address), schemas[r.type].block, r.type, r.address);
      return {
        mode: "managed", type: r.type, name: r.name, provider: `provider["${PROVIDER}"]`,
        instances: [{ schema_version: r.schema_version, attributes: values, sensitive_attributes: sensitivePaths(sensitiveByAddress.get(r.address)) }],
      };
    }),
  };
}

/** `terraform plan -refresh=false` + `show -json` in a prepared directory. */
export function planJson(stack: OfflineStackDir, extraArgs: string[] = []): PlanJson {
  terraform(stack, ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=plan.bin", ...extraArgs]);
  return JSON.parse(terraform(stack, ["show", "-json", "plan.bin"])) as PlanJson;
}

/** True when a plan changes nothing. */
export const isNoOp = (plan: PlanJson): boolean => plan.resource_changes.every((c) => c.change.actions.every((a) => a === "no-op" || a === "read"));

/** Writes an override file that lifts prevent_destroy from every EBS volume of the configuration. */
export function liftPreventDestroy(stack: OfflineStackDir, file: string): void {
  const config = JSON.parse(readFileSync(path.join(stack.dir, "cdk.tf.json"), "utf8"));
  const volumes = Object.keys(config.resource?.aws_ebs_volume ?? {});
  // No volume, no override (terraform refuses an empty aws_ebs_volume block).
  writeFileSync(path.join(stack.dir, file), JSON.stringify(volumes.length === 0 ? {} : {
    resource: { aws_ebs_volume: Object.fromEntries(volumes.map((name) => [name, { lifecycle: { prevent_destroy: false } }])) },
  }, null, 2));
}

/** Environment variable naming the folder of converged states; "0" turns the cache off. */
export const STATE_CACHE_ENV = "OPENCLAW_TF_STATE_CACHE";

/**
 * Where the converged state of this stack directory is kept between runs (default folder:
 * <tmpdir>/openclaw-aws-tf-states), or undefined when the cache is off. The name is a hash of all
 * the convergence depends on: this file's source (the fakes), `terraform version -json` (terraform
 * and the selected provider), the lock file and every configuration file of the directory (its own
 * path replaced, so that the same stack in another folder finds it).
 */
export function stateCacheFile(stack: OfflineStackDir): string | undefined {
  const folder = process.env[STATE_CACHE_ENV] ?? path.join(os.tmpdir(), "openclaw-aws-tf-states");
  if (folder === "0") return undefined;
  const key = createHash("sha256").update(readFileSync(__filename)).update(terraform(stack, ["version", "-json"]));
  const inputs = readdirSync(stack.dir).filter((name) => /\.tf(\.json)?$/.test(name) || name === ".terraform.lock.hcl").sort();
  for (const name of inputs) key.update(`\0${name}\0`).update(readFileSync(path.join(stack.dir, name), "utf8").split(stack.dir).join("<stack>"));
  return path.join(folder, `${key.digest("hex")}.json`);
}

/** Writes a file whole or not at all (two jest workers may store the same state at once). */
function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** Options of deployOffline. */
export interface DeployOptions {
  /**
   * The stack's create plan when the caller already has it (planned in the same directory with no
   * state): it is the first round's plan, so the round does not plan again. Default: none (planned).
   */
  freshPlan?: PlanJson;
  /** Rounds before giving up. Default: 8. */
  maxRounds?: number;
}

/**
 * "Deploys" an initialized stack directory offline: converges a state file as described above, or
 * takes the one kept from an earlier run when terraform plans no change against it.
 * Returns the number of rounds the convergence took; throws if it does not converge.
 */
export function deployOffline(stack: OfflineStackDir, { freshPlan, maxRounds = 8 }: DeployOptions = {}): { rounds: number; state: string } {
  const statePath = path.join(stack.dir, STATE_FILE);
  if (existsSync(statePath)) rmSync(statePath);
  const cacheFile = stateCacheFile(stack);
  liftPreventDestroy(stack, CONVERGE_OVERRIDE);
  try {
    if (cacheFile && existsSync(cacheFile)) {
      const kept = JSON.parse(readFileSync(cacheFile, "utf8")) as { rounds: number; state: object };
      writeFileSync(statePath, JSON.stringify(kept.state, null, 2));
      if (isNoOp(planJson(stack))) return { rounds: kept.rounds, state: statePath };
      rmSync(statePath);
    }
    const schemas = resourceSchemas(stack);
    for (let round = 1; round <= maxRounds; round++) {
      // With no state and nothing to destroy, the lifted prevent_destroy does not change a create plan.
      const plan = round === 1 && freshPlan ? freshPlan : planJson(stack);
      if (isNoOp(plan)) {
        if (cacheFile && existsSync(statePath)) {
          writeAtomically(cacheFile, JSON.stringify({ rounds: round - 1, state: JSON.parse(readFileSync(statePath, "utf8")) }));
        }
        return { rounds: round - 1, state: statePath };
      }
      writeFileSync(statePath, JSON.stringify(stateFromPlan(plan, schemas, round), null, 2));
    }
  } finally {
    rmSync(path.join(stack.dir, CONVERGE_OVERRIDE), { force: true });
  }
  throw new Error(`offline state did not converge in ${maxRounds} rounds`);
}
