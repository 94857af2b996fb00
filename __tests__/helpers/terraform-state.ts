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
 * again with -refresh=false, until a plan has no changes. That no-op plan is the proof that the
 * state is what terraform itself considers deployed.
 *
 * An unknown attribute computed from other resources' values (a subnet's vpc_id, a policy holding
 * a bucket's ARN) would get a fake of its own and take the referenced fake only in the next round,
 * one round per link of a chain of references (a replaced subnet made its dependents unknown
 * again): 4 rounds. So, within a round and without terraform, each such attribute whose expression
 * in cdk.tf.json is literal text and plain references (evaluateTemplate) is set to the referenced
 * resources' filled values, repeated until nothing changes. That only makes the state a better
 * guess: what it misses (another function, a data source) takes another round, and the no-op plan
 * stays the only proof. Measured (AWS provider 5.100.0): 1 round, then the no-op plan.
 * (Those rounds used to update some resources, which gave their nested blocks the zero values a real
 * apply stores; a created resource now gets them at once: zeroNestedNulls.)
 *
 * Each round plans the configuration as synthesized; only a plan terraform refuses because it would
 * replace a data volume (prevent_destroy) is planned again with the guard lifted by an override file,
 * deleted afterwards. A no-op plan destroys nothing, so the last round's plan is always of the
 * configuration as synthesized: it is the proof, returned so that a caller does not plan the same
 * settings against the state a second time.
 *
 * Each plan + show loads the AWS provider's schema (~15 s of CPU), so a converged state is also kept
 * between runs (see stateCacheFile) and, when found, planned once: it is used only if terraform plans
 * no change against it, the same proof the loop ends with.
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

/** The value the legacy plugin SDK stores for an unset attribute of a nested block: its type's zero value. */
function zeroValue(type: CtyType): unknown {
  if (type === "string") return "";
  if (type === "number") return 0;
  if (type === "bool") return false;
  if (Array.isArray(type) && (type[0] === "list" || type[0] === "set")) return [];
  return Array.isArray(type) && type[0] === "map" ? {} : null;
}

/**
 * Sets each null attribute of the nested blocks in `values` to its type's zero value, as applying a
 * create leaves them in the AWS provider's legacy-SDK resources: their create plans say null, their
 * stored state and update plans "" or 0 (seen with AWS provider 5.100.0: a launch template's
 * network_interfaces), so that an update planned later on this state shows only what it changes.
 * A resource that keeps nulls plans them back in the next round, whose update is taken as it is.
 */
function zeroNestedNulls(values: Record<string, any>, block: Block): void {
  for (const [key, nested] of Object.entries(block.block_types ?? {})) {
    const blocks = Array.isArray(values[key]) ? values[key] : values[key] && typeof values[key] === "object" ? [values[key]] : [];
    for (const inner of blocks) {
      for (const [name, attribute] of Object.entries(nested.block.attributes ?? {})) if (inner[name] === null) inner[name] = zeroValue(attribute.type);
      zeroNestedNulls(inner, nested.block);
    }
  }
}

/** Addresses of managed resources (`aws_vpc.x`) to their bodies in the configuration as synthesized (cdk.tf.json). */
export function configResources(stack: OfflineStackDir): Record<string, object> {
  const config = JSON.parse(readFileSync(path.join(stack.dir, "cdk.tf.json"), "utf8"));
  return Object.fromEntries(Object.entries((config.resource ?? {}) as Record<string, Record<string, object>>)
    .flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => [`${type}.${name}`, body])));
}

/** An interpolation naming a managed resource's top-level attribute: `aws_vpc.x.id` → address, attribute. */
const REFERENCE = /^(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)$/;
/** `element(split(":", <expression>), 4)`: how the key policy (modules/constructs/secrets.ts) takes the account from the key's ARN. */
const SPLIT_ELEMENT = /^element\(split\("([^"\\]+)",\s*(.+)\),\s*(\d+)\)$/;

/** The value of one interpolation: a reference (REFERENCE) or SPLIT_ELEMENT of one; undefined for anything else. */
function interpolation(expression: string, lookup: (address: string, attribute: string) => unknown): unknown {
  const split = SPLIT_ELEMENT.exec(expression);
  if (split) {
    const whole = interpolation(split[2].trim(), lookup);
    if (typeof whole !== "string") return undefined;
    const parts = whole.split(split[1]);
    return parts[Number(split[3]) % parts.length]; // element() wraps around
  }
  const reference = REFERENCE.exec(expression);
  return reference ? lookup(reference[1], reference[2]) : undefined;
}

/**
 * The value terraform gives a configuration string made of literal text and interpolations that
 * `interpolation` knows (`${aws_vpc.x.id}`, `{"Resource":"${aws_s3_bucket.x.arn}/*"}`), each
 * reference's value given by `lookup`; undefined for anything else (another function, a directive,
 * an escape, no interpolation, a reference lookup has no scalar for). A lone interpolation keeps its
 * value's type, as in terraform.
 */
export function evaluateTemplate(template: string, lookup: (address: string, attribute: string) => unknown): unknown {
  if (template.includes("%{") || template.includes("$${")) return undefined;
  const parts = template.split(/\$\{((?:[^{}"]|"[^"]*")*)\}/); // odd indices: the interpolations
  if (parts.length === 1 || parts.some((part, i) => i % 2 === 0 && part.includes("${"))) return undefined;
  const values: unknown[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const value = interpolation(parts[i].trim(), lookup);
    if (value === undefined || value === null || typeof value === "object") return undefined;
    values.push(value);
  }
  if (parts.length === 3 && parts[0] === "" && parts[2] === "") return values[0];
  return parts.map((part, i) => (i % 2 === 0 ? part : String(values[(i - 1) / 2]))).join("");
}

/** A configuration value with its references evaluated (evaluateTemplate), or undefined when one cannot be. */
function evaluate(expression: unknown, lookup: (address: string, attribute: string) => unknown): unknown {
  if (typeof expression === "number" || typeof expression === "boolean") return expression;
  if (typeof expression === "string") return /\$\{|%\{/.test(expression) ? evaluateTemplate(expression, lookup) : expression;
  if (!expression || typeof expression !== "object") return undefined;
  const entries = Object.entries(expression).map(([key, value]) => [key, evaluate(value, lookup)] as const);
  if (entries.some(([, value]) => value === undefined)) return undefined;
  return Array.isArray(expression) ? entries.map(([, value]) => value) : Object.fromEntries(entries);
}

/** A value converted to an attribute's type the way terraform converts a configuration value (numbers to strings). */
function convert(value: unknown, type: CtyType): unknown {
  if (type === "string") return value !== null && typeof value !== "object" ? String(value) : value;
  if (!Array.isArray(type) || !value || typeof value !== "object") return value;
  if ((type[0] === "list" || type[0] === "set") && Array.isArray(value)) return value.map((v) => convert(v, type[1]));
  if (type[0] === "map" && !Array.isArray(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, type[1])]));
  return value;
}

/** True when an after_unknown mask marks anything unknown. */
const hasUnknown = (mask: unknown): boolean => mask === true || (!!mask && typeof mask === "object" && Object.values(mask).some(hasUnknown));

/** The type of an attribute value's element or field `key`. */
const innerType = (type: CtyType, key: string): CtyType => (!Array.isArray(type) ? type : type[0] === "object" ? type[1][key] : type[1]);

/**
 * Sets what the after_unknown mask `unknown` marks in the attribute value `values` (a collection or
 * object of type `type`) to its configuration expression `config` evaluated, where it can be.
 * Returns whether a value changed.
 */
function resolveInAttribute(values: any, unknown: any, type: CtyType, config: any, lookup: (address: string, attribute: string) => unknown): boolean {
  if (!unknown || typeof unknown !== "object" || !values || typeof values !== "object" || !config || typeof config !== "object") return false;
  let changed = false;
  for (const [key, mask] of Object.entries(unknown)) {
    if (mask === true) changed = setEvaluated(values, key, innerType(type, key), config[key], lookup) || changed;
    else if (hasUnknown(mask)) changed = resolveInAttribute(values[key], mask, innerType(type, key), config[key], lookup) || changed;
  }
  return changed;
}

/** Sets `values[key]` to `expression` evaluated and converted to `type`, when it can be evaluated; returns whether it changed. */
function setEvaluated(values: any, key: string, type: CtyType, expression: unknown, lookup: (address: string, attribute: string) => unknown): boolean {
  const evaluated = evaluate(expression, lookup);
  if (evaluated === undefined) return false;
  const value = convert(evaluated, type);
  if (JSON.stringify(value) === JSON.stringify(values[key])) return false;
  values[key] = value;
  return true;
}

/**
 * Sets each attribute that the after_unknown mask `unknown` marks (in whole or in part) in `values`
 * to its configuration expression `config` evaluated, where it can be: an attribute that refers to
 * another resource's attribute then holds that resource's fake, not a fake of its own. Recurses into
 * nested blocks like fillUnknowns. Returns whether a value changed.
 */
function resolveUnknowns(values: any, unknown: any, block: Block, config: any, lookup: (address: string, attribute: string) => unknown): boolean {
  if (!unknown || typeof unknown !== "object" || !values || typeof values !== "object" || !config || typeof config !== "object") return false;
  let changed = false;
  for (const [key, mask] of Object.entries(unknown)) {
    if (!hasUnknown(mask)) continue;
    const attribute = block.attributes?.[key];
    const nested = block.block_types?.[key];
    if (attribute && mask === true) {
      changed = setEvaluated(values, key, attribute.type, config[key], lookup) || changed;
    } else if (attribute) {
      changed = resolveInAttribute(values[key], mask, attribute.type, config[key], lookup) || changed;
    } else if (nested && Array.isArray(mask) && Array.isArray(values[key])) {
      // A block written as one object stands for a list of one.
      const expressions = Array.isArray(config[key]) ? config[key] : [config[key]];
      mask.forEach((m, i) => { changed = resolveUnknowns(values[key][i], m, nested.block, expressions[i], lookup) || changed; });
    } else if (nested && mask !== true) {
      changed = resolveUnknowns(values[key], mask, nested.block, config[key], lookup) || changed;
    }
  }
  return changed;
}

/** State's form of the top-level sensitive attributes (otherwise terraform plans an update to mark them sensitive). */
function sensitivePaths(mask: unknown): Array<Array<{ type: string; value: string }>> {
  if (!mask || typeof mask !== "object") return [];
  return Object.entries(mask).filter(([, v]) => v === true).map(([key]) => [{ type: "get_attr", value: key }]);
}

/**
 * The state `terraform apply` of this plan would leave, with fakes for what AWS would have assigned
 * (and, in created resources, zero values for unset attributes of nested blocks: zeroNestedNulls).
 * Given the configuration (configResources), an unknown whose expression refers to other resources'
 * attributes is then evaluated from their filled values, repeated until nothing changes (chains of
 * references), so that it holds the referenced fake at once instead of in a later round.
 */
export function stateFromPlan(plan: PlanJson, schemas: Schemas, serial: number, config: Record<string, object> = {}): object {
  const unknownByAddress = new Map(plan.resource_changes.map((c) => [c.address, c.change.after_unknown]));
  const created = new Set(plan.resource_changes.filter((c) => c.change.actions.includes("create")).map((c) => c.address));
  const sensitiveByAddress = new Map(plan.resource_changes.map((c) => [c.address, (c.change as any).after_sensitive]));
  const planned = (plan.planned_values as any).root_module.resources as Array<{ address: string; mode: string; type: string; name: string; schema_version: number; values: Record<string, any> }>;
  const managed = planned.filter((r) => r.mode === "managed").map((r) => {
    const values = structuredClone(r.values ?? {}); // absent when every attribute is unknown (aws_s3_bucket_policy)
    fillUnknowns(values, unknownByAddress.get(r.address), schemas[r.type].block, r.type, r.address);
    if (created.has(r.address)) zeroNestedNulls(values, schemas[r.type].block);
    return { ...r, values };
  });
  const valuesByAddress = new Map(managed.map((r) => [r.address, r.values]));
  const lookup = (address: string, attribute: string) => valuesByAddress.get(address)?.[attribute];
  for (let pass = 0; pass <= managed.length; pass++) {
    const changed = managed.filter((r) => resolveUnknowns(r.values, unknownByAddress.get(r.address), schemas[r.type].block, config[r.address], lookup));
    if (changed.length === 0) break;
  }
  return {
    version: 4,
    terraform_version: (plan as any).terraform_version,
    serial,
    lineage: "00000000-0000-4000-8000-00000000cafe",
    outputs: {},
    resources: managed.map((r) => ({
      mode: "managed", type: r.type, name: r.name, provider: `provider["${PROVIDER}"]`,
      instances: [{ schema_version: r.schema_version, attributes: r.values, sensitive_attributes: sensitivePaths(sensitiveByAddress.get(r.address)) }],
    })),
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

/** What deployOffline leaves: the rounds, the state file, and the plan that proves the state deployed. */
export interface OfflineDeployment {
  /** Plans the convergence took (for a kept state: the rounds it took when it was made). */
  rounds: number;
  /** The state file in the stack directory. */
  state: string;
  /**
   * The configuration as synthesized (prevent_destroy in force, no override) planned against that
   * state with -refresh=false: a plan with no changes, left as plan.bin in the stack directory.
   * Callers that need "the same settings again plan no change" use it instead of planning again
   * (each plan + show costs ~15 s of CPU: plan ~11 s, show ~4 s, measured).
   */
  plan: PlanJson;
}

/** planJson, or undefined when terraform refuses the plan (e.g. prevent_destroy against a kept state). */
function planOrRefusal(stack: OfflineStackDir): PlanJson | undefined {
  try {
    return planJson(stack);
  } catch {
    return undefined;
  }
}

/**
 * "Deploys" an initialized stack directory offline: converges a state file as described above, or
 * takes the one kept from an earlier run when terraform plans no change against it.
 * Throws if it does not converge.
 */
export function deployOffline(stack: OfflineStackDir, { freshPlan, maxRounds = 8 }: DeployOptions = {}): OfflineDeployment {
  const statePath = path.join(stack.dir, STATE_FILE);
  if (existsSync(statePath)) rmSync(statePath);
  const cacheFile = stateCacheFile(stack);
  if (cacheFile && existsSync(cacheFile)) {
    const kept = JSON.parse(readFileSync(cacheFile, "utf8")) as { rounds: number; state: object };
    writeFileSync(statePath, JSON.stringify(kept.state, null, 2));
    // A refusal or a change: the kept state is not this configuration's deployed state; converge instead.
    const plan = planOrRefusal(stack);
    if (plan && isNoOp(plan)) return { rounds: kept.rounds, state: statePath, plan };
    rmSync(statePath);
  }
  const { rounds, plan } = converge(stack, statePath, freshPlan, maxRounds);
  if (cacheFile && existsSync(statePath)) writeAtomically(cacheFile, JSON.stringify({ rounds, state: JSON.parse(readFileSync(statePath, "utf8")) }));
  return { rounds, state: statePath, plan };
}

/**
 * A round's plan of the configuration as synthesized; when terraform refuses it because it would
 * replace a data volume (prevent_destroy; a round may, while the volume's fake key ARN settles),
 * planned again with prevent_destroy lifted by an override file, deleted afterwards (`lifted`).
 */
function roundPlan(stack: OfflineStackDir): { plan: PlanJson; lifted: boolean } {
  try {
    return { plan: planJson(stack), lifted: false };
  } catch (error) {
    if (!/Instance cannot be destroyed/.test(String(error))) throw error;
  }
  liftPreventDestroy(stack, CONVERGE_OVERRIDE);
  try {
    return { plan: planJson(stack), lifted: true };
  } finally {
    rmSync(path.join(stack.dir, CONVERGE_OVERRIDE), { force: true });
  }
}

/**
 * The convergence loop: returns the rounds it took (states written) and its last plan, the no-op one.
 * That plan is the proof: planned with the configuration as synthesized (no override), -refresh=false.
 * (A no-op plan destroys nothing, so terraform does not refuse it and roundPlan lifts nothing.)
 */
function converge(stack: OfflineStackDir, statePath: string, freshPlan: PlanJson | undefined, maxRounds: number): { rounds: number; plan: PlanJson } {
  const schemas = resourceSchemas(stack);
  const config = configResources(stack);
  for (let round = 1; round <= maxRounds; round++) {
    const { plan, lifted } = round === 1 && freshPlan ? { plan: freshPlan, lifted: false } : roundPlan(stack);
    if (isNoOp(plan) && !lifted) return { rounds: round - 1, plan };
    writeFileSync(statePath, JSON.stringify(stateFromPlan(plan, schemas, round, config), null, 2));
  }
  throw new Error(`offline state did not converge in ${maxRounds} rounds`);
}
