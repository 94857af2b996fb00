import { Testing } from "cdktf";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { OpenClawStack } from "../../modules/stack";
import { automationDefinitionArn, refreshRequest, rolloutDocument, rolloutPolicy, RolloutTarget } from "../../modules/constructs/rollout";
import { testSettings } from "../helpers/settings";

/**
 * Rollouts with automatic rollback (issue 12 item 1): GIVEN the default stack, WHEN synthesized,
 * THEN the one replacement mechanism is the rollout runbook (StartInstanceRefresh with a desired
 * configuration and AutoRollback), started by the deploy association and the maintenance window,
 * and its role may act on this group and this template only (simulated with iam-simulate).
 */
const parsed = JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), testSettings())));
const all = (type: string): Record<string, any>[] => Object.values(parsed.resource?.[type] ?? {});
const runbook = all("aws_ssm_document").find((d) => d.name === "openclaw-test-rollout")!;
const content = JSON.parse(runbook.content);
const step = (name: string) => content.mainSteps.find((s: any) => s.name === name);
const ref = (type: string, attribute: string) => new RegExp(`^\\$\\{${type}\\.[^.]+\\.${attribute}\\}$`);

describe("the rollout runbook", () => {
  test("an Automation document (schema 0.3) run as its own role, modes deploy and patch", () => {
    expect(runbook).toMatchObject({ document_type: "Automation", document_format: "JSON" });
    expect(content.schemaVersion).toBe("0.3");
    expect(content.assumeRole).toMatch(ref("aws_iam_role", "arn"));
    expect(content.parameters.Mode).toMatchObject({ allowedValues: ["deploy", "patch"], default: "deploy" });
    expect(content.mainSteps.map((s: any) => `${s.name}:${s.action}${s.inputs.Api ? `:${s.inputs.Api}` : ""}`)).toEqual([
      "chooseMode:aws:branch",
      "deploy:aws:executeAwsApi:StartInstanceRefresh",
      "readTemplate:aws:executeAwsApi:DescribeLaunchTemplates",
      "readNewestImage:aws:executeAwsApi:GetParameter",
      "createVersion:aws:executeAwsApi:CreateLaunchTemplateVersion",
      "makeDefault:aws:executeAwsApi:ModifyLaunchTemplate",
      "patch:aws:executeAwsApi:StartInstanceRefresh",
    ]);
    expect(step("chooseMode").inputs).toEqual({ Choices: [{ NextStep: "readTemplate", Variable: "{{Mode}}", StringEquals: "patch" }], Default: "deploy" });
    expect(content.mainSteps.filter((s: any) => s.isEnd).map((s: any) => s.name)).toEqual(["deploy", "patch"]);
  });

  test("deploy: the given version, rolled back by AWS if the refresh fails; an instance already on it is skipped", () => {
    const { Service, Api, ...request } = step("deploy").inputs;
    expect([Service, Api]).toEqual(["autoscaling", "StartInstanceRefresh"]);
    expect(request).toEqual({
      AutoScalingGroupName: "openclaw-test",
      Strategy: "Rolling",
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: expect.stringMatching(ref("aws_launch_template", "id")), Version: "{{LaunchTemplateVersion}}" } },
      Preferences: { MinHealthyPercentage: 0, MaxHealthyPercentage: 100, InstanceWarmup: 600, SkipMatching: true, AutoRollback: true },
    });
  });

  test("patch: a new version from the latest with only the newest AMI id, made the default, then replaced even if unchanged", () => {
    expect(step("readNewestImage").inputs).toEqual({ Service: "ssm", Api: "GetParameter", Name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" });
    expect(step("createVersion").inputs).toMatchObject({
      SourceVersion: "{{readTemplate.LatestVersion}}",
      LaunchTemplateData: { ImageId: "{{readNewestImage.ImageId}}" },
    });
    expect(Object.keys(step("createVersion").inputs.LaunchTemplateData)).toEqual(["ImageId"]);
    expect(step("makeDefault").inputs.DefaultVersion).toBe("{{createVersion.Version}}");
    expect(step("patch").inputs.DesiredConfiguration.LaunchTemplate.Version).toBe("{{createVersion.Version}}");
    expect(step("patch").inputs.Preferences).toEqual({ ...step("deploy").inputs.Preferences, SkipMatching: false });
  });

  test("every {{reference}} names a parameter or an output of an earlier step; the only ${…} are Terraform references", () => {
    const declared = new Set(Object.keys(content.parameters));
    const problems: string[] = [];
    for (const s of content.mainSteps) {
      for (const [, name] of JSON.stringify(s.inputs).matchAll(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g)) {
        if (!declared.has(name)) problems.push(`${s.name} refers to ${name}`);
      }
      for (const output of s.outputs ?? []) declared.add(`${s.name}.${output.Name}`);
    }
    expect(problems).toEqual([]);
    expect(runbook.content.match(/\$\{[^}]*\}/g)!.every((r: string) => /^\$\{aws_(iam_role|launch_template)\.[^.]+\.(arn|id)\}$/.test(r))).toBe(true);
  });

  test("the deploy association: the runbook with the template's latest version, run on create and on every update, never on a schedule", () => {
    const [association] = all("aws_ssm_association");
    expect(all("aws_ssm_association")).toHaveLength(1);
    expect(association.name).toMatch(ref("aws_ssm_document", "name"));
    expect(association.parameters).toEqual({ Mode: "deploy", LaunchTemplateVersion: expect.stringMatching(ref("aws_launch_template", "latest_version")) });
    expect(association.apply_only_at_cron_interval).toBe(false);
    expect(association.schedule_expression).toBeUndefined();
    expect(association.depends_on).toEqual([expect.stringMatching(/^aws_autoscaling_group\./)]);
  });

  test("the synthesized role policy is rolloutPolicy of this stack's group, template, host role and AMI parameter", () => {
    const role = all("aws_iam_role").find((r) => r.name === "openclaw-test-rollout")!;
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const synthesized = JSON.parse(role.inline_policy[0].policy);
    const resources = synthesized.Statement.flatMap((s: any) => [s.Resource].flat());
    expect(resources).toEqual(expect.arrayContaining([
      expect.stringMatching(ref("aws_autoscaling_group", "arn")), expect.stringMatching(ref("aws_launch_template", "arn")),
      expect.stringMatching(ref("aws_iam_role", "arn")),
    ]));
    expect(synthesized.Statement.map((s: any) => s.Sid)).toEqual((rolloutPolicy(EXAMPLE) as any).Statement.map((s: any) => s.Sid));
  });
});

// ---------------------------------------------------------------- the role's boundary, simulated

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const asg = (name: string) => `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/${name}`;
const lt = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:launch-template/${id}`;
const EXAMPLE: RolloutTarget = {
  autoScalingGroupName: "openclaw-test", autoScalingGroupArn: asg("openclaw-test"),
  launchTemplateId: "lt-0aaaaaaaaaaaaaaa1", launchTemplateArn: lt("lt-0aaaaaaaaaaaaaaa1"),
  hostRoleArn: `arn:aws:iam::${ACCOUNT}:role/openclaw-test-host`,
  imageParameterName: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
  region: REGION, instanceWarmupSeconds: 600,
};

type Row = [what: string, action: string, resource: string, context: Record<string, string>, expected: "Allowed" | "Denied"];
const ROWS: Row[] = [
  ["refresh this group", "autoscaling:StartInstanceRefresh", asg("openclaw-test"), {}, "Allowed"],
  ["refresh another group", "autoscaling:StartInstanceRefresh", asg("someone-else"), {}, "Denied"],
  ["change another group", "autoscaling:UpdateAutoScalingGroup", asg("openclaw-test"), {}, "Denied"],
  ["new version of this template", "ec2:CreateLaunchTemplateVersion", EXAMPLE.launchTemplateArn, {}, "Allowed"],
  ["new version of another template", "ec2:CreateLaunchTemplateVersion", lt("lt-0bbbbbbbbbbbbbbb2"), {}, "Denied"],
  ["default version of another template", "ec2:ModifyLaunchTemplate", lt("lt-0bbbbbbbbbbbbbbb2"), {}, "Denied"],
  ["launch from this template", "ec2:RunInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`, { "ec2:LaunchTemplate": EXAMPLE.launchTemplateArn }, "Allowed"],
  ["launch from another template", "ec2:RunInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`, { "ec2:LaunchTemplate": lt("lt-0bbbbbbbbbbbbbbb2") }, "Denied"],
  ["launch in another region", "ec2:RunInstances", `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/*`, { "ec2:LaunchTemplate": EXAMPLE.launchTemplateArn }, "Denied"],
  ["tag an instance at launch", "ec2:CreateTags", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa1`, { "ec2:CreateAction": "RunInstances" }, "Allowed"],
  ["tag an existing instance", "ec2:CreateTags", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa1`, {}, "Denied"],
  ["pass the host role to EC2", "iam:PassRole", EXAMPLE.hostRoleArn, { "iam:PassedToService": "ec2.amazonaws.com" }, "Allowed"],
  ["pass the host role to Lambda", "iam:PassRole", EXAMPLE.hostRoleArn, { "iam:PassedToService": "lambda.amazonaws.com" }, "Denied"],
  ["pass another role to EC2", "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/admin`, { "iam:PassedToService": "ec2.amazonaws.com" }, "Denied"],
  // AWS reports public parameters with an empty account field, which the simulator's ARN check refuses; the policy's `*` matches both.
  ["read the newest AMI id", "ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${EXAMPLE.imageParameterName}`, {}, "Allowed"],
  ["read another public parameter", "ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/aws/service/debian/release/bookworm/latest/amd64`, {}, "Denied"],
  ["read the gateway token", "ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/openclaw/test/gateway-token`, {}, "Denied"],
  ["terminate an instance", "ec2:TerminateInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa1`, {}, "Denied"],
];

async function decide(policy: object, action: string, resource: string, context: Record<string, string>): Promise<string> {
  const principal = `arn:aws:iam::${ACCOUNT}:role/openclaw-test-rollout`;
  const result = await runSimulation({
    request: {
      principal, action, resource: { resource, accountId: ACCOUNT },
      contextVariables: { "aws:PrincipalArn": principal, "aws:PrincipalAccount": ACCOUNT, ...context },
    },
    identityPolicies: [{ name: "rollout", policy }], serviceControlPolicies: [], resourceControlPolicies: [],
  }, {});
  if (result.resultType === "error") throw new Error(`${action}: ${JSON.stringify(result.errors)}`);
  return result.overallResult === "Allowed" ? "Allowed" : "Denied";
}

describe("the runbook's role may act on this group and this template only (iam-simulate)", () => {
  test.each(ROWS)("%s: %s → %s", async (_what, action, resource, context, expected) => {
    expect(await decide(rolloutPolicy(EXAMPLE), action, resource, context)).toBe(expected);
  });

  test("the maintenance schedule's role starts this runbook only and passes it the runbook's role only", async () => {
    const role = all("aws_iam_role").find((r) => r.name === "openclaw-test-patch")!;
    const rolloutRole = `arn:aws:iam::${ACCOUNT}:role/openclaw-test-rollout`;
    const policy = JSON.parse(role.inline_policy[0].policy.replace(/\$\{aws_iam_role\.rollout_role_[^.]+\.arn\}/, rolloutRole));
    const definition = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:automation-definition/${name}:$DEFAULT`;
    expect(await decide(policy, "ssm:StartAutomationExecution", definition("openclaw-test-rollout"), {})).toBe("Allowed");
    expect(await decide(policy, "ssm:StartAutomationExecution", definition("AWS-RunShellScript"), {})).toBe("Denied");
    expect(await decide(policy, "iam:PassRole", rolloutRole, { "iam:PassedToService": "ssm.amazonaws.com" })).toBe("Allowed");
    expect(await decide(policy, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/openclaw-test-host`, { "iam:PassedToService": "ssm.amazonaws.com" })).toBe("Denied");
    expect(automationDefinitionArn(REGION, "x")).toBe(`arn:aws:ssm:${REGION}:*:automation-definition/x:*`);
  });

  test("refreshRequest is the one definition both modes use", () => {
    expect(refreshRequest(EXAMPLE, "{{LaunchTemplateVersion}}", true)).toEqual(
      (({ Service: _s, Api: _a, ...rest }) => rest)((rolloutDocument(EXAMPLE, "arn:role") as any).mainSteps[1].inputs));
  });
});
