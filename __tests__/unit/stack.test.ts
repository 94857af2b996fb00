import "cdktf/lib/testing/adapters/jest"; // matcher types
import { gunzipSync } from "node:zlib";
import { App, Testing } from "cdktf";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { DlmLifecyclePolicy } from "@cdktf/provider-aws/lib/dlm-lifecycle-policy";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { OpenClawStack } from "../../modules/stack";
import { terraformLiteral } from "../../modules/constructs/artifacts";
import { GatewaySettingsInput } from "../../modules/settings/settings";
import { API_KEY_PLACEHOLDER, GATEWAY_TOKEN_PLACEHOLDER, SECRETS, secretsInUse } from "../../modules/secrets-catalogue";
import { renderUserData } from "../../modules/host/user-data";
import { LAUNCH_HOOK } from "../../modules/host/steps";
import { TEST_DOMAIN, testSettings } from "../helpers/settings";
import { SecretSpec } from "../../modules/secrets-catalogue";
import { composeStatements, IamStatement } from "../../modules/constructs/grants";

type Synth = Record<string, any>;

function synth(overrides: Partial<GatewaySettingsInput> = {}): { json: string; parsed: Synth; stack: OpenClawStack } {
  const app = Testing.app();
  const stack = new OpenClawStack(app, testSettings(overrides));
  const json = Testing.synth(stack);
  return { json, parsed: JSON.parse(json), stack };
}

const resourcesOf = (parsed: Synth, type: string): Record<string, any>[] => Object.values(parsed.resource?.[type] ?? {});
const only = (parsed: Synth, type: string): Record<string, any> => {
  const all = resourcesOf(parsed, type);
  expect(all).toHaveLength(1);
  return all[0];
};

/** The public parameter the launch template's AMI id is read from: the template's image_id must be that data source's value. */
const imageParameterOf = (parsed: Synth): string => {
  const [[id, data]] = Object.entries(parsed.data.aws_ssm_parameter as Record<string, { name: string }>);
  expect(only(parsed, LaunchTemplate.tfResourceType).image_id).toBe(`\${data.aws_ssm_parameter.${id}.insecure_value}`);
  return data.name;
};

describe("OpenClawStack with default settings", () => {
  const { json, parsed, stack } = synth();

  test("snapshot of the synthesized stack (Testing.synth; the absolute state path replaced)", () => {
    // The boot script (loader and host script) has its own snapshot; here its bytes would only add churn.
    // The local state path is absolute (the project root, here the working directory): not machine-independent.
    const withoutUserData = json.replace(stack.userData.base64, "<gzip+base64 of the boot script>")
      .replace(JSON.stringify(terraformLiteral(stack.userData.hostScript)).slice(1, -1), "<the host script>")
      .replace(`"${process.cwd()}/terraform.test.tfstate"`, '"<project root>/terraform.test.tfstate"');
    expect(withoutUserData).toMatchSnapshot();
  });

  test("network: VPC, one public subnet in the AZ, IGW, default route, emptied default SG", () => {
    expect(json).toHaveResourceWithProperties(Vpc, { cidr_block: "10.42.0.0/16", enable_dns_hostnames: true });
    expect(json).toHaveResourceWithProperties(Subnet, { cidr_block: "10.42.0.0/24", availability_zone: "us-east-1a", map_public_ip_on_launch: true });
    expect(json).toHaveResource(InternetGateway);
    expect(json).toHaveResourceWithProperties(RouteTable, { route: [expect.objectContaining({ cidr_block: "0.0.0.0/0" })] });
    const defaultGroup = only(parsed, DefaultSecurityGroup.tfResourceType);
    expect(defaultGroup.ingress).toBeUndefined();
    expect(defaultGroup.egress).toBeUndefined();
    expect(resourcesOf(parsed, "aws_nat_gateway")).toHaveLength(0);
  });

  test("secrets: rotating customer key; SecureString parameters created with write-only placeholders, keyed by the alias", () => {
    expect(json).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
    expect(json).toHaveResourceWithProperties(KmsAlias, { name: "alias/openclaw-test" });
    const parameters = resourcesOf(parsed, SsmParameter.tfResourceType);
    expect(parameters.map((p) => [p.name, p.value_wo]).sort()).toEqual([
      ["/openclaw/test/anthropic-api-key", API_KEY_PLACEHOLDER],
      ["/openclaw/test/gateway-token", GATEWAY_TOKEN_PLACEHOLDER],
      ["/openclaw/test/openai-api-key", API_KEY_PLACEHOLDER],
    ]);
    for (const p of parameters) {
      // No `value` (the provider would copy the decrypted value into state on every refresh) and
      // key_id = the alias name, the KeyId the host and the CLI pass (see modules/constructs/secrets.ts).
      expect(p).toMatchObject({ type: "SecureString", key_id: expect.stringMatching(/^\$\{aws_kms_alias\.secrets_alias_.*\.name\}$/), value_wo_version: 1 });
      expect(p).not.toHaveProperty("value");
      expect(p).not.toHaveProperty("insecure_value");
      expect(p).not.toHaveProperty("lifecycle");
    }
  });

  test("storage: encrypted gp3 data volume in the AZ, protected from destroy, with daily snapshots", () => {
    const volume = only(parsed, EbsVolume.tfResourceType);
    expect(volume).toMatchObject({
      type: "gp3", size: 20, encrypted: true, availability_zone: "us-east-1a", lifecycle: { prevent_destroy: true },
      tags: expect.objectContaining({ "openclaw:environment": "test", "openclaw:role": "data-volume" }),
    });
    expect(volume.kms_key_id).toMatch(/aws_kms_key\..*\.arn/);
    const dlm = only(parsed, DlmLifecyclePolicy.tfResourceType);
    expect(dlm.policy_details.resource_types).toEqual(["VOLUME"]);
    expect(dlm.policy_details.target_tags).toEqual({ "openclaw:snapshots": "openclaw-test" });
    expect(dlm.policy_details.schedule[0]).toMatchObject({ retain_rule: { count: 7 }, create_rule: { interval: 24 } });
  });

  test("address: an Elastic IP tagged so the host can find it; no DNS record without a zone", () => {
    expect(json).toHaveResourceWithProperties(Eip, { domain: "vpc", tags: expect.objectContaining({ "openclaw:role": "address" }) });
    expect(json).not.toHaveResource(Route53Record);
  });

  test("security group: 443 in from the allowed CIDRs only, 443 out only, no SSH", () => {
    expect(json).toHaveResourceWithProperties(SecurityGroup, { name: "openclaw-test-host" });
    const ingress = resourcesOf(parsed, VpcSecurityGroupIngressRule.tfResourceType);
    expect(ingress.map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4])).toEqual([["tcp", 443, 443, "0.0.0.0/0"]]);
    const egress = resourcesOf(parsed, VpcSecurityGroupEgressRule.tfResourceType);
    expect(egress.map((r) => [r.ip_protocol, r.from_port, r.to_port])).toEqual([["tcp", 443, 443]]);
  });

  test("launch template: the AL2023 arm64 AMI id read at plan time, IMDSv2 required with hop limit 1, encrypted root, user data", () => {
    const template = only(parsed, LaunchTemplate.tfResourceType);
    expect(imageParameterOf(parsed)).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    expect(template).toMatchObject({
      image_id: expect.stringMatching(/^\$\{data\.aws_ssm_parameter\.[^.]+\.insecure_value\}$/),
      instance_type: "t4g.small",
      metadata_options: { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 },
      block_device_mappings: [{ ebs: { encrypted: "true", volume_type: "gp3" } }],
      user_data: stack.userData.base64,
    });
    expect(template.network_interfaces[0]).toMatchObject({ associate_public_ip_address: "true" });
  });

  test("the user data is the gzip of the rendered boot script, under AWS's 16 KB", () => {
    const template = only(parsed, LaunchTemplate.tfResourceType);
    const script = gunzipSync(Buffer.from(template.user_data, "base64")).toString("utf8");
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("set -euo pipefail");
    expect(script).toBe(renderUserData(testSettings()).script);
    expect(stack.userData.gzipBytes).toBeLessThanOrEqual(16 * 1024);
  });

  test("ASG: exactly one instance in the one subnet, terminate-before-launch", () => {
    const group = only(parsed, AutoscalingGroup.tfResourceType);
    expect(group).toMatchObject({
      name: "openclaw-test", min_size: 1, max_size: 1, desired_capacity: 1, health_check_type: "EC2",
      health_check_grace_period: 600,
      instance_maintenance_policy: { min_healthy_percentage: 0, max_healthy_percentage: 100 },
    });
    expect(group.vpc_zone_identifier).toHaveLength(1);
    expect(group.launch_template.version).toMatch(/^\$\{aws_launch_template\..*\.latest_version\}$/);
    expect(group.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\./)]));
  });

  test("ASG: the launch hook holds every instance (the first too) until its boot completes it; ABANDON by default", () => {
    const group = only(parsed, AutoscalingGroup.tfResourceType);
    // On the group itself: a separate aws_autoscaling_lifecycle_hook would miss the first instance.
    expect(resourcesOf(parsed, "aws_autoscaling_lifecycle_hook")).toEqual([]);
    expect(group.initial_lifecycle_hook).toEqual([{
      name: LAUNCH_HOOK.name, lifecycle_transition: "autoscaling:EC2_INSTANCE_LAUNCHING", default_result: "ABANDON",
      heartbeat_timeout: LAUNCH_HOOK.heartbeatTimeoutSeconds,
    }]);
    // terraform apply does not wait for the (held) first instance to become InService.
    expect(group.wait_for_capacity_timeout).toBe("0");
    // AWS's range for a hook's heartbeat (30..7200 s); the boot names the same hook and group.
    expect(LAUNCH_HOOK.heartbeatTimeoutSeconds).toBeGreaterThanOrEqual(30);
    expect(LAUNCH_HOOK.heartbeatTimeoutSeconds).toBeLessThanOrEqual(7200);
    const script = renderUserData(testSettings()).script;
    expect(script).toContain(`--lifecycle-hook-name ${LAUNCH_HOOK.name} \\\n    --auto-scaling-group-name ${group.name} `);
  });

  test("ASG: rollback-capable (an AMI id, a numbered version) and its version left to the rollout runbook: no Terraform instance_refresh, version changes ignored", () => {
    const group = only(parsed, AutoscalingGroup.tfResourceType);
    const template = only(parsed, LaunchTemplate.tfResourceType);
    // AWS rolls back to neither a `resolve:ssm:` image nor $Latest/$Default.
    expect(template.image_id).not.toMatch(/resolve:ssm:/);
    expect(group.launch_template.version).not.toMatch(/^\$(Latest|Default)$/);
    // Terraform's refresh would move the group to the new version before refreshing (auto_rollback to the new version).
    expect(group.instance_refresh).toBeUndefined();
    expect(group.lifecycle).toEqual({ ignore_changes: ["launch_template[0].version"] });
  });

  test("host role: no managed policy, one inline policy whose every action is scoped to an ARN where AWS allows", () => {
    // The only managed policy of the stack is the snapshot role's (the host role's boundary: iam-boundary.test.ts).
    expect(resourcesOf(parsed, IamRolePolicyAttachment.tfResourceType).map((a) => a.policy_arn))
      .toEqual(["arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole"]);
    expect(json).toHaveResource(IamInstanceProfile);
    const roles = resourcesOf(parsed, IamRole.tfResourceType).map((r) => JSON.parse(r.assume_role_policy).Statement[0].Principal.Service);
    expect(roles.sort()).toEqual(["dlm.amazonaws.com", "ec2.amazonaws.com", "scheduler.amazonaws.com", "ssm.amazonaws.com"]);
    const policy = JSON.parse(only(parsed, IamRolePolicy.tfResourceType).policy);
    const byAction = (action: string) => policy.Statement.filter((s: any) => s.Action.includes(action));
    for (const statement of policy.Statement) {
      expect(statement.Action).not.toContain("*");
      const unscopable = (a: string) => /^(ec2:Describe|ec2messages:|ssmmessages:|ssm:UpdateInstanceInformation$|cloudwatch:PutMetricData$)/.test(a);
      if (!statement.Action.every(unscopable)) expect(statement.Resource).not.toContain("*");
    }
    expect(byAction("ssm:GetParameter")[0].Resource).toEqual([
      expect.stringMatching(/aws_ssm_parameter\.secrets_gateway-token.*\.arn/),
      expect.stringMatching(/aws_ssm_parameter\.secrets_anthropic-api-key.*\.arn/),
      expect.stringMatching(/aws_ssm_parameter\.secrets_openai-api-key.*\.arn/),
    ]);
    expect(byAction("ssm:PutParameter")[0].Resource).toEqual([expect.stringMatching(/gateway-token.*\.arn/)]);
    expect(byAction("autoscaling:SetInstanceHealth")[0].Resource).toEqual([
      "arn:aws:autoscaling:us-east-1:*:autoScalingGroup:*:autoScalingGroupName/openclaw-test",
    ]);
    expect(byAction("autoscaling:CompleteLifecycleAction")).toEqual([{
      Sid: "CompleteOwnLaunch", Effect: "Allow", Action: ["autoscaling:CompleteLifecycleAction"],
      Resource: ["arn:aws:autoscaling:us-east-1:*:autoScalingGroup:*:autoScalingGroupName/openclaw-test"],
    }]);
    const kmsViaSsm = policy.Statement.find((s: any) => s.Sid === "UseSecretsKeyThroughSsm");
    expect(kmsViaSsm.Condition).toEqual({ StringEquals: { "kms:ViaService": "ssm.us-east-1.amazonaws.com" } });
    // The data volume by its tags, not its ARN: a restored volume (npm run restore) needs no IAM change.
    expect(byAction("ec2:AttachVolume")).toEqual([
      { Sid: "AttachDataVolume", Effect: "Allow", Action: ["ec2:AttachVolume"], Resource: ["arn:aws:ec2:us-east-1:*:volume/*"],
        Condition: { StringEquals: { "aws:ResourceTag/openclaw:environment": "test", "aws:ResourceTag/openclaw:role": "data-volume" } } },
      expect.objectContaining({ Sid: "AttachToOwnInstance", Resource: ["arn:aws:ec2:us-east-1:*:instance/*"] }),
    ]);
    // The alarms' metrics only with alerts on: without alarms the host publishes none, so its role may not either.
    expect(byAction("cloudwatch:PutMetricData")).toEqual([]);
    const alerting = JSON.parse(only(synth({ alerts: ["ops@clawops.dev"] }).parsed, IamRolePolicy.tfResourceType).policy);
    expect(alerting.Statement.filter((s: any) => s.Action.includes("cloudwatch:PutMetricData"))).toEqual([{
      Sid: "PublishAlertMetrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: ["*"],
      Condition: { StringEquals: { "cloudwatch:namespace": "OpenClaw" } },
    }]);
    const ownInstance = policy.Statement.find((s: any) => s.Sid === "AttachToOwnInstance");
    expect(ownInstance.Condition).toEqual({ StringEquals: { "aws:ResourceTag/openclaw:environment": "test" } });
  });

  test("outputs: URL, address, group, parameter names and the next commands", () => {
    expect(Object.keys(parsed.output).sort()).toEqual([
      "api_key_parameter", "apply_config_command", "auto_scaling_group_name", "gateway_token_parameter", "gateway_url", "openai_api_key_parameter",
      "operations_documents", "public_ip", "session_command", "set_api_key_command", "set_openai_api_key_command",
    ]);
    expect(parsed.output.gateway_url.value).toBe(`https://${TEST_DOMAIN}/`);
    expect(parsed.output.set_api_key_command.value).toContain("--key-id alias/openclaw-test");
    expect(parsed.output.set_api_key_command.value).not.toMatch(/--value (?!file:\/\/\/dev\/stdin)/);
    expect(parsed.output.session_command.value).toContain("aws ssm start-session");
  });

  test("default tags carry the environment on every resource", () => {
    expect(parsed.provider.aws[0].default_tags[0].tags).toEqual({ "openclaw:environment": "test", "managed-by": "openclaw-aws" });
  });
});

describe("OpenClawStack variations", () => {
  test("x86 instance types get the x86_64 AMI; debian12 gets Debian's AMI parameter", () => {
    const { parsed } = synth({ instanceType: "t3.small", hostOs: "debian12" });
    expect(imageParameterOf(parsed)).toBe("/aws/service/debian/release/bookworm/latest/amd64");
    expect(imageParameterOf(synth({ instanceType: "m7i.large" }).parsed)).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
  });

  test("a hosted zone adds an A record pointing at the Elastic IP", () => {
    const { json } = synth({ hostedZoneId: "Z0123456789ABCDEFGHIJ" });
    expect(json).toHaveResourceWithProperties(Route53Record, {
      zone_id: "Z0123456789ABCDEFGHIJ", name: TEST_DOMAIN, type: "A", records: [expect.stringMatching(/aws_eip\..*\.public_ip/)],
    });
  });

  test("a hosted zone grants DNS-01 on that zone only: UPSERT/DELETE of the _acme-challenge TXT record, its records, its changes", () => {
    const route53 = (parsed: any) => JSON.parse(only(parsed, IamRolePolicy.tfResourceType).policy).Statement
      .filter((s: any) => s.Action.some((a: string) => a.startsWith("route53:")));
    expect(route53(synth({}).parsed)).toEqual([]);
    const zone = "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ";
    expect(route53(synth({ hostedZoneId: "Z0123456789ABCDEFGHIJ" }).parsed)).toEqual([
      {
        Sid: "AcmeDnsChallengeRecord", Effect: "Allow", Action: ["route53:ChangeResourceRecordSets"], Resource: [zone],
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`_acme-challenge.${TEST_DOMAIN}`],
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
            "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
          },
        },
      },
      { Sid: "AcmeDnsChallengeReadZone", Effect: "Allow", Action: ["route53:ListResourceRecordSets"], Resource: [zone] },
      { Sid: "AcmeDnsChallengeWaitForChange", Effect: "Allow", Action: ["route53:GetChange"], Resource: ["arn:aws:route53:::change/*"] },
    ]);
  });

  test("one ingress rule per allowed CIDR", () => {
    const { parsed } = synth({ allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"], hostedZoneId: "Z0123456789ABCDEFGHIJ" });
    expect(resourcesOf(parsed, VpcSecurityGroupIngressRule.tfResourceType).map((r) => r.cidr_ipv4))
      .toEqual(["203.0.113.0/24", "198.51.100.7/32"]);
  });

  test("state backend: local by default, S3 with use_lockfile when configured", () => {
    const local = new App({ outdir: "/tmp/openclaw-unused" });
    const localStack = new OpenClawStack(local, testSettings());
    const localJson = (localStack as any).toTerraform();
    // Absolute, in the project root (the working directory by default): never in cdktf.out/stacks/<stack>/.
    expect(localJson.terraform.backend).toEqual({ local: { path: `${process.cwd()}/terraform.test.tfstate` } });

    const s3 = new OpenClawStack(new App({ outdir: "/tmp/openclaw-unused" }),
      testSettings({ backend: { type: "s3", bucket: "team-tf-state" } }));
    expect((s3 as any).toTerraform().terraform.backend).toEqual({
      s3: { bucket: "team-tf-state", key: "openclaw-aws/test.tfstate", region: "us-east-1", encrypt: true, use_lockfile: true },
    });
  });

  test("several environments are several stacks in one app", () => {
    const app = Testing.app();
    new OpenClawStack(app, testSettings({ environment: "prod" }));
    new OpenClawStack(app, testSettings({ environment: "staging", vpcCidr: "10.43.0.0/16" }));
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual(["openclaw-prod", "openclaw-staging"]);
  });

  test("an unresolved token in the settings is refused when rendering the user data", () => {
    const app = Testing.app();
    const probe = new OpenClawStack(app, testSettings({ environment: "probe" }));
    const token = probe.address.eip.publicIp;
    expect(() => renderUserData({ ...testSettings(), domainName: token })).toThrow(/settings.domainName: is an unresolved Terraform token/);
  });
});

describe("the secrets catalogue drives the AWS resources", () => {
  test("a channel's token has a parameter, a host-role read and an output only while the overlay enables the channel", () => {
    const synth = (openclaw: object) => JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), testSettings({ openclaw } as never))));
    const parameters = (parsed: Synth) => Object.values(parsed.resource.aws_ssm_parameter as Record<string, { name: string }>).map((p) => p.name).sort();
    const readable = (parsed: Synth) => JSON.parse(only(parsed, IamRolePolicy.tfResourceType).policy).Statement
      .find((s: { Sid: string }) => s.Sid === "ReadGatewaySecrets").Resource as string[];
    const none = synth({});
    expect(parameters(none)).toEqual(["/openclaw/test/anthropic-api-key", "/openclaw/test/gateway-token", "/openclaw/test/openai-api-key"]);
    expect(readable(none).some((arn) => /telegram|slack|discord/.test(arn))).toBe(false);
    const telegram = synth({ channels: { telegram: { dmPolicy: "pairing" }, slack: { enabled: false } }, plugins: { allow: ["telegram"] } });
    expect(parameters(telegram)).toEqual([...parameters(none), "/openclaw/test/telegram-bot-token"].sort());
    expect(readable(telegram)).toHaveLength(4);
    expect(readable(telegram)[3]).toMatch(/aws_ssm_parameter\.secrets_telegram-bot-token_.*\.arn/);
    expect(telegram.output.telegram_bot_token_parameter.value).toBe("/openclaw/test/telegram-bot-token");
    const all = synth({ channels: { telegram: {}, slack: {}, discord: {} } });
    expect(parameters(all)).toHaveLength(SECRETS.length);
    expect(readable(all)).toHaveLength(SECRETS.length);
  });

  /** The stack synthesized with one more secret in SECRETS (a new provider key the operator sets). */
  const withExtraSecret = (): Synth => {
    const extra: SecretSpec = {
      id: "example-provider-key", parameter: "example-provider-key", configField: "models.providers.example.apiKey", writer: "operator",
      label: "Example provider key", placeholder: "placeholder:set-with-npm-run-secrets", description: "Example provider key; set by the operator",
      setCommand: "set-example-key", outputs: { parameter: "example_key_parameter", setCommand: "set_example_key_command" }, required: false,
    };
    let parsed: Synth = {};
    jest.isolateModules(() => {
      const actual = jest.requireActual("../../modules/secrets-catalogue");
      jest.doMock("../../modules/secrets-catalogue", () => ({
        ...actual, SECRETS: [...actual.SECRETS, extra], secretsInUse: (s: object) => [...actual.secretsInUse(s), extra],
      }));
      const { OpenClawStack: Stack } = require("../../modules/stack");
      parsed = JSON.parse(Testing.synth(new Stack(Testing.app(), testSettings())));
    });
    return parsed;
  };

  test("GIVEN one more entry WHEN synthesized THEN it gets a parameter, the host may read (not write) it, and its outputs", () => {
    const parsed = withExtraSecret();
    const parameter = Object.entries(parsed.resource.aws_ssm_parameter).find(([name]) => name.startsWith("secrets_example-provider-key_"))?.[1];
    expect(parameter).toMatchObject({ name: "/openclaw/test/example-provider-key", type: "SecureString", value_wo: "placeholder:set-with-npm-run-secrets" });
    const policy = JSON.parse(only(parsed, IamRolePolicy.tfResourceType).policy);
    const sid = (id: string) => policy.Statement.find((s: any) => s.Sid === id);
    const inUse = secretsInUse(testSettings()).length;
    expect(sid("ReadGatewaySecrets").Resource).toHaveLength(inUse + 1);
    expect(sid("ReadGatewaySecrets").Resource[inUse]).toMatch(/aws_ssm_parameter\.secrets_example-provider-key_.*\.arn/);
    expect(sid("StoreGeneratedGatewayToken").Resource).toEqual([expect.stringMatching(/gateway-token.*\.arn/)]);
    expect(parsed.output.example_key_parameter.value).toBe("/openclaw/test/example-provider-key");
    expect(parsed.output.set_example_key_command.value).toContain("read -rsp 'Example provider key: ' KEY");
    expect(parsed.output.set_example_key_command.description).toContain("npm run secrets -- set-example-key");
  });
});

describe("composeStatements (how the host role joins the constructs' grants)", () => {
  const s = (Sid: string, Action: string[], Resource: string[], Condition?: object): IamStatement =>
    ({ Sid, Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) });

  test("statements with one Sid become one, at the first one's place; unscoped ones go last", () => {
    expect(composeStatements([
      s("A", ["x:One"], ["arn:a"]), s("Find", ["x:DescribeA"], ["*"]), s("Own", ["x:Attach"], ["arn:i"], { c: 1 }),
      s("Own", ["x:Associate"], ["arn:i"], { c: 1 }), s("B", ["x:Two"], ["arn:b"]), s("Find", ["x:DescribeB"], ["*"]),
    ])).toEqual([
      s("A", ["x:One"], ["arn:a"]), s("Own", ["x:Attach", "x:Associate"], ["arn:i"], { c: 1 }), s("B", ["x:Two"], ["arn:b"]),
      s("Find", ["x:DescribeA", "x:DescribeB"], ["*"]),
    ]);
  });

  test("two statements with one Sid but other resources or conditions are refused", () => {
    expect(() => composeStatements([s("Own", ["x:A"], ["arn:i"]), s("Own", ["x:B"], ["arn:j"])])).toThrow(/Own differ/);
    expect(() => composeStatements([s("Own", ["x:A"], ["arn:i"], { c: 1 }), s("Own", ["x:B"], ["arn:i"], { c: 2 })])).toThrow(/Own differ/);
  });
});
