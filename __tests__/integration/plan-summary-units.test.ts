import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { actionOf, changedAttributes, digestPlan, grantsOf, isBinaryPlan, notAPlan, permissionsOf, readPlanFile, renderPlanSection, widening, TerraformPlan } from "../../modules/review/plan-summary";

import { networkPermissions, policyStatements } from "../../modules/review/audit/resources";
import { describePorts } from "../../modules/review/terraform-json";
import { auditFixture } from "../helpers/audit-fixtures";

describe("one Terraform-JSON reader (modules/review/terraform-json.ts) for the plan summary and the audit", () => {
  const { input } = auditFixture((stack) => {
    // An inline group with a port range, a prefix list and a numeric protocol: every shape the reader knows.
    stack.host.securityGroup.addOverride("ingress", [{ from_port: 8000, to_port: 8100, protocol: "6", cidr_blocks: ["10.0.0.0/8"], prefix_list_ids: ["pl-1"] }]);
  }, { allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"], hostedZoneId: "Z0123456789ABCDEFGHIJ" });

  test("security-group permissions: the summary's lines are the audit's permissions (plus non-CIDR peers)", () => {
    const permissions = networkPermissions(input);
    expect(permissions.length).toBeGreaterThanOrEqual(4);
    for (const r of input.resources) {
      const fromAudit = permissions.filter((p) => p.address === r.address)
        .flatMap((p) => [...p.cidrs, ...p.peers].map((peer) => `${p.direction} ${describePorts(p)} ${p.direction === "ingress" ? "from" : "to"} ${peer}`));
      expect(permissionsOf(r.type, r.config)).toEqual(fromAudit);
    }
    expect(permissions.flatMap((p) => p.cidrs)).toEqual(expect.arrayContaining(["203.0.113.0/24", "198.51.100.7/32", "10.0.0.0/8"]));
    const group = input.resources.find((r) => r.type === "aws_security_group")!;
    expect(permissionsOf(group.type, group.config)).toEqual(["ingress tcp 8000-8100 from 10.0.0.0/8", "ingress tcp 8000-8100 from pl-1"]);
  });

  test("IAM policies: the summary's grants are the audit's statements, action × resource", () => {
    const { statements } = policyStatements(input);
    const policy = input.resources.find((r) => r.type === "aws_iam_role_policy")!;
    const fromAudit = statements.filter((s) => s.address === policy.address && s.effect === "Allow")
      .flatMap((s) => s.actions.flatMap((a) => s.resources.map((res) => `${a} on ${res}${s.hasCondition ? " (with conditions)" : ""}`)));
    expect(fromAudit.length).toBeGreaterThan(10);
    expect(grantsOf(policy.config.policy)).toEqual(fromAudit);
  });
});

/** The summary's small pure functions; the end-to-end behaviour is tested on real plans in plan-summary.test.ts. */
describe("plan summary building blocks", () => {
  test("Terraform's action lists map to one action", () => {
    expect(actionOf(["create"])).toBe("create");
    expect(actionOf(["delete", "create"])).toBe("replace");
    expect(actionOf(["create", "delete"])).toBe("replace");
    expect(actionOf(["delete"])).toBe("delete");
    expect(actionOf(["no-op"])).toBe("no-op");
  });

  test("grants of a policy document: Allow only, action × resource, conditions and trust principals noted", () => {
    const doc = JSON.stringify({ Statement: [
      { Effect: "Allow", Action: ["a:One", "a:Two"], Resource: "arn:x", Condition: { Bool: {} } },
      { Effect: "Deny", Action: "*", Resource: "*" },
      { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } },
    ] });
    expect(grantsOf(doc)).toEqual([
      "a:One on arn:x (with conditions)", "a:Two on arn:x (with conditions)", 'sts:AssumeRole by {"Service":"ec2.amazonaws.com"}',
    ]);
    expect(grantsOf("not json")).toBeUndefined();
  });

  test("widening lists only what is new", () => {
    const before = { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "a:One", Resource: "arn:x" }] }) };
    const after = { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["a:One", "a:Two"], Resource: "arn:x" }] }) };
    expect(widening("aws_iam_role_policy", before, after)).toEqual(["allows a:Two on arn:x"]);
    expect(widening("aws_iam_role_policy", after, before)).toEqual([]);
    expect(widening("aws_iam_role_policy", before, { policy: null }, { policy: true })).toEqual(["policy is known only at apply: review it in the configuration"]);
    expect(widening("aws_security_group", { ingress: [] }, { ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] }] }))
      .toEqual(["ingress tcp 22 from 0.0.0.0/0"]);
    expect(permissionsOf("aws_vpc_security_group_egress_rule", { ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0" })).toEqual(["egress all traffic to 0.0.0.0/0"]);
  });

  test("changed attributes of an update, with values known only at apply marked", () => {
    expect(changedAttributes({ a: 1, b: 2, c: 3, tags_all: {} }, { a: 1, b: 5, c: null, tags_all: { x: "y" } }, { c: true })).toEqual(["b", "c (known after apply)"]);
  });

  test("a deleted SSM parameter is a stateful loss even without replacement", () => {
    const plan: TerraformPlan = { format_version: "1.2", resource_changes: [
      { address: "aws_ssm_parameter.p", type: "aws_ssm_parameter", change: { actions: ["delete"], before: { name: "/x" }, after: null } },
      { address: "aws_vpc.v", type: "aws_vpc", change: { actions: ["no-op"], before: {}, after: {} } },
    ] };
    expect(digestPlan(plan).stateful.map((s) => s.row.address)).toEqual(["aws_ssm_parameter.p"]);
    const md = renderPlanSection("t", plan);
    expect(md).toMatch(/> - DESTROY `aws_ssm_parameter\.p`: an SSM parameter/);
    // One sentence per secret of the catalogue (modules/secrets-catalogue.ts), in its order.
    expect(md).toContain("> The host generates a new gateway token, so clients need the new one. "
      + "Set the Anthropic API key again after apply (`npm run secrets -- set-api-key`). "
      + "Set the OpenAI API key again after apply (`npm run secrets -- set-openai-key`). "
      // Channel tokens have no command of their own: the generic `set <id>` (it printed "undefined" before).
      + "Set the Telegram bot token again after apply (`npm run secrets -- set telegram-bot-token`). "
      + "Set the Slack bot token again after apply (`npm run secrets -- set slack-bot-token`). "
      + "Set the Slack app token again after apply (`npm run secrets -- set slack-app-token`). "
      + "Set the Discord bot token again after apply (`npm run secrets -- set discord-bot-token`).");
    expect(md).not.toContain("undefined");
    expect(md).toMatch(/an SSM parameter: its value \(gateway token \/ Anthropic API key \/ OpenAI API key \/ Telegram bot token \/ Slack bot token \/ Slack app token \/ Discord bot token\) was set outside Terraform/);
    expect(md).not.toContain("Snapshot the data volume");
  });

  test("refuses input that is not a terraform JSON plan", () => {
    expect(() => digestPlan({} as TerraformPlan)).toThrow(/terraform show -json/);
  });

  test("state is refused by name, raw .tfstate and `terraform show -json` state alike (it would read as \"No changes\")", () => {
    const rawState = { version: 4, terraform_version: "1.11.4", serial: 3, lineage: "x", outputs: {}, resources: [] };
    const shownState = { format_version: "1.0", terraform_version: "1.11.4", values: { root_module: {} } };
    for (const state of [rawState, shownState]) {
      expect(notAPlan(state)).toBe("this is Terraform state, not a plan: run `terraform show -json <planfile> > plan.json` and pass plan.json" +
        " (a plan file comes from `terraform plan -out=<planfile>`)");
      expect(() => digestPlan(state as unknown as TerraformPlan)).toThrow(/this is Terraform state, not a plan/);
    }
  });

  test("a plan needs format_version and resource_changes or planned_values; anything else is named", () => {
    expect(notAPlan({ format_version: "1.2", planned_values: {} })).toBeUndefined();
    expect(notAPlan({ format_version: "1.2", resource_changes: [] })).toBeUndefined();
    expect(notAPlan({ format_version: "1.2" })).toMatch(/^not a Terraform JSON plan \(no resource_changes\/planned_values\)/);
    expect(notAPlan({ resource_changes: [] })).toMatch(/^not a Terraform JSON plan \(no format_version\)/);
    expect(notAPlan({ hello: 1 })).toMatch(/^not a Terraform JSON plan \(no format_version, no resource_changes\/planned_values\): run `terraform show -json/);
    expect(notAPlan([])).toMatch(/^this is a JSON array, not a Terraform JSON plan/);
    expect(notAPlan(null)).toMatch(/^this is null, not a Terraform JSON plan/);
    expect(notAPlan("x")).toMatch(/^this is a JSON string, not a Terraform JSON plan/);
  });

  test("files: a binary plan (zip), bad JSON, a directory and a missing file each get one message naming the file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "plan-files-"));
    const write = (name: string, data: string | Buffer) => { writeFileSync(path.join(dir, name), data); return path.join(dir, name); };
    const zip = write("plan.bin", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]));
    expect(isBinaryPlan(Buffer.from("PK\x03\x04"))).toBe(true);
    expect(isBinaryPlan(Buffer.from("{}"))).toBe(false);
    expect(() => readPlanFile(zip)).toThrow(`${zip}: this is a binary Terraform plan file, not its JSON: run \`terraform show -json ${zip} > plan.json\` and pass plan.json`);
    const bad = write("bad.json", "{ nope");
    expect(() => readPlanFile(bad)).toThrow(new RegExp(`^${bad}: not JSON \\(.+\\): run \`terraform show -json`));
    mkdirSync(path.join(dir, "folder"));
    expect(() => readPlanFile(path.join(dir, "folder"))).toThrow(`${path.join(dir, "folder")}: is a directory, not a plan file`);
    expect(() => readPlanFile(path.join(dir, "missing.json"))).toThrow(`${path.join(dir, "missing.json")}: no such file`);
    const bom = write("bom.json", "\uFEFF" + JSON.stringify({ format_version: "1.2", planned_values: {} }));
    expect(readPlanFile(bom).format_version).toBe("1.2");
  });
});
