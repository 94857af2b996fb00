import { readFileSync } from "node:fs";
import { SECRETS, setCommandLine } from "../secrets-catalogue";
import { describePorts, IDENTITY_POLICY_TYPES, networkRulesOf, policyStatementsOf, SECURITY_GROUP_TYPES } from "./terraform-json";

/**
 * `npm run plan:summary -- <plan.json>...` turns `terraform show -json <planfile>` output into the
 * Markdown a reviewer reads on the pull request: counts, a loud block for anything that destroys
 * or replaces stateful resources or widens IAM / security-group access, and a table of changes.
 * One section per plan file, titled by the file name (e.g. plans/openclaw-prod.json → openclaw-prod).
 */

/** The marker that lets CI find and update its one PR comment instead of adding a new one each push. */
export const COMMENT_MARKER = "<!-- openclaw-aws:plan-summary -->";

/** The parts of Terraform's JSON plan format this summary reads. */
export interface TerraformPlan {
  format_version: string;
  resource_changes?: Array<{
    address: string;
    type: string;
    mode?: string;
    change: {
      actions: string[];
      before: Record<string, any> | null;
      after: Record<string, any> | null;
      after_unknown?: Record<string, any>;
      replace_paths?: Array<Array<string | number>>;
    };
    action_reason?: string;
  }>;
}

/** What happens to one resource. */
export type Action = "create" | "update" | "replace" | "delete" | "read" | "no-op" | "forget";

/** Resources whose loss loses data or breaks what users depend on, and what exactly is lost. */
export const STATEFUL: Readonly<Record<string, string>> = {
  aws_ebs_volume: "the data volume: openclaw state, pairing database, certificates (snapshots survive)",
  aws_eip: "the Elastic IP: the domain's A record and every client point at this address",
  aws_kms_key: "the KMS key: SSM parameters, the data volume and its snapshots become unreadable after the deletion window",
  aws_ssm_parameter: `an SSM parameter: its value (${SECRETS.map((secret) => secret.label).join(" / ")}) was set outside Terraform and is lost`,
};

/** What to do before applying, per stateful type. */
export const BEFORE_APPLYING: Readonly<Record<string, string>> = {
  aws_ebs_volume: "Snapshot the data volume first. Its `prevent_destroy` makes terraform refuse this plan unless the guard was lifted on purpose.",
  aws_eip: "A new Elastic IP needs a new A record for the domain (automatic only with hostedZoneId).",
  aws_kms_key: "If this is a mistake, `aws kms cancel-key-deletion` works until the deletion window ends.",
  aws_ssm_parameter: SECRETS.map((secret) => (secret.writer === "operator"
    ? `Set the ${secret.label} again after apply (\`npm run secrets -- ${setCommandLine(secret)}\`).`
    : `The host generates a new ${secret.label}, so clients need the new one.`)).join(" "),
};

/** The one action of a resource change (Terraform lists a replacement as delete+create). */
export function actionOf(actions: string[]): Action {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  if (actions.length === 1 && ["create", "update", "delete", "read", "no-op", "forget"].includes(actions[0])) return actions[0] as Action;
  return "update";
}

// ---------------------------------------------------------------------------------------------
// Access widening: grants and network permissions after a change that were not there before.

/** "Allow ssm:GetParameter on arn:…" for every action × resource of the Allow statements of a policy document. */
export function grantsOf(document: unknown): string[] | undefined {
  if (typeof document !== "string" || document === "") return [];
  const statements = policyStatementsOf(document);
  if (!statements) return undefined;
  return statements.filter((s) => s.effect === "Allow").flatMap((s) => {
    const actions = s.notActions.length > 0 ? s.notActions.map((a) => `everything but ${a}`) : s.actions;
    // Trust policies name principals instead of resources.
    const targets = s.notResources ? ["on everything but listed resources"]
      : s.resources ? s.resources.map((r) => `on ${r}`) : [`by ${JSON.stringify(s.principal ?? "?")}`];
    const condition = s.hasCondition ? " (with conditions)" : "";
    return actions.flatMap((a) => targets.map((t) => `${a} ${t}${condition}`));
  });
}

/** "ingress tcp 443 from 0.0.0.0/0" for every permission a security-group resource's values declare. */
export function permissionsOf(type: string, values: Record<string, any> | null): string[] {
  return networkRulesOf(type, values).flatMap((rule) => [...rule.cidrs, ...rule.peers]
    .map((peer) => `${rule.direction} ${describePorts(rule)} ${rule.direction === "ingress" ? "from" : "to"} ${peer}`));
}

const IAM_DOCUMENTS: Record<string, string[]> = {
  ...Object.fromEntries(IDENTITY_POLICY_TYPES.map((type) => [type, ["policy"]])),
  aws_iam_role: ["assume_role_policy"],
};
const IAM_ATTACHMENTS = new Set(["aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"]);
const SECURITY_GROUP_TYPE_SET = new Set(SECURITY_GROUP_TYPES);

/** What a change adds to IAM or network access; `unknown` when the new document is known only at apply. */
export function widening(type: string, before: Record<string, any> | null, after: Record<string, any> | null, afterUnknown: Record<string, any> = {}): string[] {
  if (!after) return [];
  if (IAM_ATTACHMENTS.has(type)) {
    return before?.policy_arn === after.policy_arn ? [] : [`attaches ${after.policy_arn ?? "a policy known only at apply"}`];
  }
  if (IAM_DOCUMENTS[type]) {
    return IAM_DOCUMENTS[type].flatMap((attribute) => {
      if (afterUnknown[attribute] === true) return [`${attribute} is known only at apply: review it in the configuration`];
      const old = new Set(grantsOf(before?.[attribute]) ?? []);
      const grants = grantsOf(after[attribute]);
      if (grants === undefined) return [`${attribute} is not valid JSON`];
      return grants.filter((g) => !old.has(g)).map((g) => `${attribute === "assume_role_policy" ? "trust: " : ""}allows ${g}`);
    });
  }
  if (SECURITY_GROUP_TYPE_SET.has(type)) {
    const old = new Set(permissionsOf(type, before));
    return permissionsOf(type, after).filter((p) => !old.has(p));
  }
  return [];
}

// ---------------------------------------------------------------------------------------------

/** One row of the summary table. */
export interface ChangeRow {
  readonly address: string;
  readonly type: string;
  readonly action: Action;
  /** Attributes that force the replacement. */
  readonly because: string[];
  /** Top-level attributes an update changes. */
  readonly changed: string[];
  readonly widens: string[];
}

/** The plan, digested: rows (no-ops left out), counts, and the two kinds of warnings. */
export interface PlanDigest {
  readonly rows: ChangeRow[];
  readonly counts: Record<"create" | "update" | "replace" | "delete" | "unchanged", number>;
  /** No resource exists yet: everything is created. */
  readonly firstDeploy: boolean;
  readonly stateful: Array<{ row: ChangeRow; what: string }>;
  readonly widened: ChangeRow[];
}

/** Top-level attributes whose planned value differs from the prior one, or becomes known only at apply (tags_all left out). */
export function changedAttributes(before: Record<string, any> | null, after: Record<string, any> | null, afterUnknown: Record<string, any> = {}): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changed: string[] = [];
  for (const k of [...keys].sort()) {
    if (k === "tags_all") continue;
    if (afterUnknown[k] === true) {
      if (before?.[k] !== null && before?.[k] !== undefined) changed.push(`${k} (known after apply)`);
    } else if (JSON.stringify(before?.[k] ?? null) !== JSON.stringify(after?.[k] ?? null)) changed.push(k);
  }
  return changed;
}

/** How to get the input this command reads. */
const SHOW_JSON = "run `terraform show -json <planfile> > plan.json` and pass plan.json";

/**
 * Why a parsed JSON value is not a `terraform show -json` plan, or undefined when it is one.
 * A plan has `format_version` and `planned_values` (plus `resource_changes` when anything changes),
 * see https://developer.hashicorp.com/terraform/internals/json-format (read 2026-11-30). State has
 * `values` instead (`terraform show -json` without a plan file), or `serial` + `lineage` (a raw
 * .tfstate file); "No changes" for state would hide every change, so state is refused by name.
 */
export function notAPlan(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return `this is ${value === null ? "null" : Array.isArray(value) ? "a JSON array" : `a JSON ${typeof value}`}, not a Terraform JSON plan: ${SHOW_JSON}`;
  }
  const v = value as Record<string, unknown>;
  const isPlan = typeof v.format_version === "string" && ("resource_changes" in v || "planned_values" in v);
  if (isPlan) return undefined;
  if (("serial" in v && "lineage" in v) || ("values" in v && "format_version" in v)) {
    return `this is Terraform state, not a plan: ${SHOW_JSON} (a plan file comes from \`terraform plan -out=<planfile>\`)`;
  }
  const missing = [typeof v.format_version === "string" ? "" : "format_version", "resource_changes" in v || "planned_values" in v ? "" : "resource_changes/planned_values"].filter(Boolean);
  return `not a Terraform JSON plan (no ${missing.join(", no ")}): ${SHOW_JSON}`;
}

/** Terraform's binary plan file is a zip archive: it starts with the zip signature "PK\x03\x04". */
export const isBinaryPlan = (bytes: Buffer): boolean => bytes.length >= 4 && bytes.readUInt32BE(0) === 0x504b0304;

/** Reads one plan JSON file; throws one clean message naming the file when it is not one. */
export function readPlanFile(file: string): TerraformPlan {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${file}: ${err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory, not a plan file" : err.message}`);
  }
  if (isBinaryPlan(bytes)) {
    throw new Error(`${file}: this is a binary Terraform plan file, not its JSON: run \`terraform show -json ${file} > plan.json\` and pass plan.json`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message}): ${SHOW_JSON}`);
  }
  const problem = notAPlan(parsed);
  if (problem) throw new Error(`${file}: ${problem}`);
  return parsed as TerraformPlan;
}

/** Digests a `terraform show -json` plan. */
export function digestPlan(plan: TerraformPlan): PlanDigest {
  const problem = notAPlan(plan);
  if (problem) throw new Error(problem);
  const managed = (plan.resource_changes ?? []).filter((c) => (c.mode ?? "managed") === "managed");
  const rows: ChangeRow[] = managed.map((c) => ({
    address: c.address,
    type: c.type,
    action: actionOf(c.change.actions),
    because: (c.change.replace_paths ?? []).map((p) => p.join(".")),
    changed: actionOf(c.change.actions) === "update" ? changedAttributes(c.change.before, c.change.after, c.change.after_unknown) : [],
    widens: widening(c.type, c.change.before, c.change.after, c.change.after_unknown),
  }));
  const count = (a: Action) => rows.filter((r) => r.action === a).length;
  const changed = rows.filter((r) => r.action !== "no-op" && r.action !== "read");
  const firstDeploy = changed.length > 0 && changed.every((r) => r.action === "create") && count("no-op") === 0;
  return {
    rows: changed,
    counts: { create: count("create"), update: count("update"), replace: count("replace"), delete: count("delete"), unchanged: count("no-op") },
    firstDeploy,
    stateful: changed.filter((r) => (r.action === "replace" || r.action === "delete") && STATEFUL[r.type]).map((row) => ({ row, what: STATEFUL[row.type] })),
    widened: changed.filter((r) => r.widens.length > 0),
  };
}

const SYMBOL: Record<Action, string> = { create: "+ create", update: "~ update", replace: "± replace", delete: "- delete", read: "read", "no-op": "", forget: "forget" };
const ORDER: Action[] = ["delete", "replace", "update", "create", "forget"];
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** The Markdown section of one plan. */
export function renderPlanSection(title: string, plan: TerraformPlan): string {
  const d = digestPlan(plan);
  const out: string[] = [`### ${title}`, ""];
  const { create, update, replace, delete: del, unchanged } = d.counts;
  if (d.rows.length === 0) return [...out, `No changes (${unchanged} resources unchanged).`, ""].join("\n");
  out.push(`**${create} to create, ${update} to update, ${replace} to replace, ${del} to delete** (${unchanged} unchanged)${d.firstDeploy ? " — first deploy" : ""}`, "");
  if (d.stateful.length > 0) {
    out.push("> [!CAUTION]", "> **Stateful resources will be destroyed or replaced. Data or addresses may be lost.**");
    for (const { row, what } of d.stateful) {
      out.push(`> - ${row.action === "replace" ? "REPLACE" : "DESTROY"} ${code(row.address)}: ${what}` +
        (row.because.length ? `; forced by ${row.because.map(code).join(", ")}` : ""));
    }
    out.push(">", ...[...new Set(d.stateful.map(({ row }) => row.type))].map((type) => `> ${BEFORE_APPLYING[type]}`), "");
  }
  if (d.widened.length > 0) {
    if (d.firstDeploy) out.push("> [!NOTE]", "> **Access this first deploy grants** (checked by `npm run audit`):");
    else out.push("> [!WARNING]", "> **IAM or security-group access is widened, or cannot be checked before apply:**");
    for (const row of d.widened) for (const w of row.widens) out.push(`> - ${code(row.address)}: ${w}`);
    out.push("");
  }
  out.push(`<details${d.rows.length <= 15 ? " open" : ""}><summary>${d.rows.length} resource change(s)</summary>`, "");
  out.push("| Action | Resource | Changes / forced by |", "| --- | --- | --- |");
  for (const action of ORDER) {
    for (const row of d.rows.filter((r) => r.action === action)) {
      const why = row.action === "replace" ? `forced by ${row.because.map(code).join(", ")}` : row.changed.map(code).join(", ");
      out.push(`| ${SYMBOL[row.action]} | ${code(row.address)} | ${row.because.length || row.action !== "replace" ? why : ""} |`);
    }
  }
  out.push("", "</details>", "");
  return out.join("\n");
}

/** The whole comment: marker, heading, one section per plan. */
export function renderSummary(plans: Array<{ title: string; plan: TerraformPlan }>): string {
  return [COMMENT_MARKER, "## Terraform plan summary", "", ...plans.map((p) => renderPlanSection(p.title, p.plan))].join("\n");
}
