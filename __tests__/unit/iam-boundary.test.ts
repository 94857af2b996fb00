import { readFileSync } from "node:fs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import {
  boundaryStackOf, boundaryTable, defaultKeyPolicy, evaluateBoundary, EXAMPLE_ACCOUNT, resolveReferences, simulationOf, withBoundaryTable,
} from "../../modules/review/iam-boundary";
import { HostRoleBoundary } from "../../modules/review/audit/rules/HostRoleBoundary";
import { KEY_ADMINISTRATION_ACTIONS } from "../../modules/constructs/secrets";
import { BOUNDARY_PAGE, boundaryDocsTable } from "../../scripts/docs";
import { ssmAgentStatements } from "../../modules/constructs/host-role";
import { addressOf, auditFixture } from "../helpers/audit-fixtures";
import { AWS_OPERATIONS, METRIC_OPERATIONS, ROLLBACK_OPERATIONS, STATUS_OPERATIONS, iamActionOf } from "../helpers/fake-cloud";

/**
 * The host role's boundary (issue 13 items 2 and 7): the synthesized host policies and key policy,
 * through @cloud-copilot/iam-simulate, request by request. Each case GIVEN a stack, WHEN the table
 * is simulated, THEN every request gets its decision, or the widened stack is caught.
 */
const asBuilt = auditFixture();
const stack = boundaryStackOf(asBuilt.input);
const results = evaluateBoundary(stack);
const alerting = boundaryStackOf(auditFixture(undefined, { alerts: ["ops@clawops.dev"] }).input);

describe("the host role's boundary, simulated", () => {
  test("every request of the table gets its required decision (the table is printed)", () => {
    // eslint-disable-next-line no-console
    console.log(`host role boundary (${results.length} requests):\n${boundaryTable(results, stack)}`);
    expect(results.filter((r) => r.decision !== r.expected).map((r) => `${r.caller}: ${r.what}`)).toEqual([]);
    expect(results.filter((r) => r.expected === "Allowed").length).toBeGreaterThan(10);
    expect(results.filter((r) => r.expected === "Denied").length).toBeGreaterThan(10);
    expect(HostRoleBoundary.check(asBuilt.input)).toEqual({ checked: [stack.hostRoleAddress, stack.keyPolicyAddress], violations: [] });
  });

  test("the simulator's validating entry point decides every request the same way, with no input error or ignored context key", async () => {
    for (const request of results) {
      const result = await runSimulation(simulationOf(stack, request), {});
      if (result.resultType === "error") throw new Error(`${request.what}: ${JSON.stringify(result.errors)}`);
      const ignored = result.resultType === "single" ? result.result.ignoredContextKeys : result.results.flatMap((r) => r.ignoredContextKeys ?? []);
      expect({ what: request.what, decision: result.overallResult === "Allowed" ? "Allowed" : "Denied", ignored })
        .toEqual({ what: request.what, decision: request.decision, ignored: [] });
    }
  });

  // The metrics' calls only with alerts on: without alarms the host publishes nothing (modules/host/metrics.ts), and
  // its role may not publish either (stop 24 noticed it could).
  test.each([
    ["alerts off (the default)", stack, results, false],
    ["alerts on", alerting, evaluateBoundary(alerting), true],
  ])("%s: the host may make every AWS call of the boot script, its tools and the status document (AWS_OPERATIONS, STATUS_OPERATIONS, METRIC_OPERATIONS with alerts), and its policy allows nothing else but the SSM agent's calls and KMS", (_what, s, decided, alarms) => {
    expect(s.alarms).toBe(alarms);
    const calls = [...AWS_OPERATIONS, ...ROLLBACK_OPERATIONS, ...(alarms ? METRIC_OPERATIONS : []), ...STATUS_OPERATIONS].map(iamActionOf);
    const allowed = new Set(decided.filter((r) => r.caller === "host" && r.decision === "Allowed").map((r) => r.action));
    for (const call of calls) expect({ call, allowed: allowed.has(call) }).toEqual({ call, allowed: true });
    const granted = s.hostPolicies.flatMap((p: any) => p.policy.Statement.flatMap((statement: any) => statement.Action));
    const expected = new Set([...calls, ...ssmAgentStatements().flatMap((st) => st.Action)]);
    expect(granted.filter((action: string) => !expected.has(action) && !action.startsWith("kms:"))).toEqual([]);
    expect(decided.filter((r) => r.decision !== r.expected).map((r) => `${r.caller}: ${r.what}`)).toEqual([]);
  });

  test("the key's policy holds no cryptographic action and no CreateGrant outside SSM/EC2; the key is protected from destroy", () => {
    for (const action of KEY_ADMINISTRATION_ACTIONS) expect(action).not.toMatch(/crypt|GenerateDataKey|CreateGrant|kms:\*/);
    const key = asBuilt.input.resources.find((r) => r.type === "aws_kms_key")!;
    expect(key.config.lifecycle).toEqual({ prevent_destroy: true });
  });
});

describe("what the boundary catches (each of these passed before issue 13's change)", () => {
  test("AmazonSSMManagedInstanceCore on the host role: other teams' parameters are readable; the rule names the attachment", () => {
    let attachment = "";
    const { input } = auditFixture((s) => {
      attachment = addressOf(new IamRolePolicyAttachment(s.hostRole, "ssm-core", {
        role: s.hostRole.role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      }));
    });
    const wrong = evaluateBoundary(boundaryStackOf(input)).filter((r) => r.decision !== r.expected).map((r) => r.what);
    expect(wrong).toEqual(expect.arrayContaining(["read a sibling parameter under its prefix", "read another team's parameter",
      "read another environment's gateway token"]));
    const { violations } = HostRoleBoundary.check(input);
    expect(violations.map((v) => v.address)).toContain(attachment);
    expect(violations.map((v) => v.message)).toContain(
      `allows what must be denied: host: read another team's parameter (ssm:GetParameter on arn:aws:ssm:us-east-1:${EXAMPLE_ACCOUNT}:parameter/team-b/database-password)`);
  });

  test("a key without its key policy has AWS's default policy: an administrator decrypts directly and grants itself the key", () => {
    const keyPolicyResource = asBuilt.input.resources.find((r) => r.type === "aws_kms_key_policy")!;
    const withoutPolicy = { ...asBuilt.input, resources: asBuilt.input.resources.filter((r) => r !== keyPolicyResource) };
    const s = boundaryStackOf(withoutPolicy);
    expect(s.keyPolicy).toEqual(defaultKeyPolicy(EXAMPLE_ACCOUNT));
    expect(s.keyPolicyAddress).toBe(asBuilt.input.resources.find((r) => r.type === "aws_kms_key")!.address);
    const wrong = evaluateBoundary(s).filter((r) => r.decision !== r.expected).map((r) => `${r.caller}: ${r.what}`);
    expect(wrong).toEqual(["administrator: decrypt with the key directly", "administrator: grant itself the key directly"]);
    expect(HostRoleBoundary.check(withoutPolicy).violations.map((v) => v.address)).toEqual([s.keyPolicyAddress, s.keyPolicyAddress]);
  });

  test("a customer managed policy of the stack attached to the host role is evaluated too", () => {
    let attachment = "";
    const { input } = auditFixture((s) => {
      const wide = new IamPolicy(s.hostRole, "wide", { policy: JSON.stringify({ Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "ssm:PutParameter", Resource: "arn:aws:ssm:*:*:parameter/*" }] }) });
      attachment = addressOf(new IamRolePolicyAttachment(s.hostRole, "wide-attachment", { role: s.hostRole.role.name, policyArn: wide.arn }));
    });
    const { violations } = HostRoleBoundary.check(input);
    // One violation per operator-written secret (each API key), and another team's parameter.
    expect(violations.map((v) => v.address)).toEqual([attachment, attachment, attachment]);
    expect(violations.map((v) => v.message).join("\n"))
      .toMatch(/overwrite its Anthropic API key[^\n]*\n[^\n]*overwrite its OpenAI API key[^\n]*\n[^\n]*overwrite another team's parameter/);
  });

  test("a managed policy the simulation does not know, or a reference without an example value, fails instead of passing", () => {
    const { input, stack: built } = auditFixture((s) => {
      new IamRolePolicyAttachment(s.hostRole, "admin", { role: s.hostRole.role.name, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
    });
    expect(HostRoleBoundary.check(input).violations).toEqual([{ address: addressOf(built.hostRole.role),
      message: "the boundary cannot be simulated: the host role attaches arn:aws:iam::aws:policy/AdministratorAccess, whose document the simulation does not know" }]);
    expect(() => resolveReferences('{"Resource":"${aws_s3_bucket.logs_ABC.arn}"}', asBuilt.input, { region: "us-east-1", account: EXAMPLE_ACCOUNT }))
      .toThrow(/no example value for \$\{aws_s3_bucket\.logs_ABC\.arn\} \(add "aws_s3_bucket\.arn"/);
  });
});

describe("the documentation", () => {
  test("the README's boundary table is the one simulated from settings.json (run `npm run docs`)", () => {
    const page = readFileSync(BOUNDARY_PAGE, "utf8");
    expect(page).toBe(withBoundaryTable(page, boundaryDocsTable()));
  });
});
