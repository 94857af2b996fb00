import { readdirSync } from "node:fs";
import * as path from "node:path";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { OpenClawStack } from "../../modules/stack";
import { GatewaySettingsInput } from "../../modules/settings/settings";
import { RULES } from "../../modules/review/audit/rules";
import { AuditRule } from "../../modules/review/audit/types";
import { GATEWAY_TOKEN, SECRETS } from "../../modules/secrets-catalogue";
import { addressOf, auditFixture, encodeUserData } from "../helpers/audit-fixtures";

/**
 * Every rule, GIVEN a compliant and a non-compliant stack synthesized from the real constructs,
 * WHEN the rule runs, THEN it passes the first (having checked something) and flags the second,
 * naming the resource that was changed.
 */
type Mutation = (stack: OpenClawStack) => string; // returns the address the rule must flag
interface Fixture { settings?: Partial<GatewaySettingsInput>; mutate?: (stack: OpenClawStack) => void }
interface RuleCases { compliant: Fixture[]; nonCompliant: Array<{ name: string; settings?: Partial<GatewaySettingsInput>; mutate: Mutation }> }

/** The parameters of a host-written and an operator-written secret of the catalogue. */
const tokenParameter = (s: OpenClawStack) => s.secrets.parameterOf(GATEWAY_TOKEN);
const operatorParameter = (s: OpenClawStack) => s.secrets.parameterOf(SECRETS.find((secret) => secret.writer === "operator")!);

const asIs: Fixture = {};
const staging: Fixture = {
  settings: { instanceType: "t3.small", hostOs: "debian12", allowedCidrs: ["203.0.113.0/24"], hostedZoneId: "Z0123456789ABCDEFGHIJ" },
};

/** Alerts on: an e-mail subscription, so the stack has its alarms. */
const withAlerts: Fixture = { settings: { alerts: ["ops@clawops.dev"] } };

const worldIngress = (stack: OpenClawStack, port: number, cidr = "0.0.0.0/0") =>
  addressOf(new VpcSecurityGroupIngressRule(stack.host, `extra-${port}`, {
    securityGroupId: stack.host.securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr,
  }));
const extraPolicy = (stack: OpenClawStack, statement: object) =>
  addressOf(new IamRolePolicy(stack.hostRole, "extra-policy", {
    role: stack.hostRole.role.id, policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
  }));

const CASES: Record<string, RuleCases> = {
  LaunchTemplateIMDSv2Required: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "http_tokens optional", mutate: (s) => {
      s.host.launchTemplate.addOverride("metadata_options.http_tokens", "optional");
      return addressOf(s.host.launchTemplate);
    } }, { name: "metadata_options removed", mutate: (s) => {
      s.host.launchTemplate.addOverride("metadata_options", undefined);
      return addressOf(s.host.launchTemplate);
    } }],
  },
  LaunchTemplateMetadataHopLimitOne: {
    compliant: [asIs],
    nonCompliant: [{ name: "hop limit 2", mutate: (s) => {
      s.host.launchTemplate.addOverride("metadata_options.http_put_response_hop_limit", 2);
      return addressOf(s.host.launchTemplate);
    } }],
  },
  LaunchTemplateRootVolumeEncrypted: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "an unencrypted extra device", mutate: (s) => {
      // Array overrides append: this adds a second, unencrypted device to the template.
      s.host.launchTemplate.addOverride("block_device_mappings", [{ device_name: "/dev/sdf", ebs: { volume_size: 8, encrypted: "false" } }]);
      return addressOf(s.host.launchTemplate);
    } }, { name: "no block device mappings", mutate: (s) => {
      s.host.launchTemplate.addOverride("block_device_mappings", undefined);
      return addressOf(s.host.launchTemplate);
    } }],
  },
  AutoScalingGroupUsesLaunchTemplate: {
    compliant: [asIs],
    nonCompliant: [{ name: "launch configuration", mutate: (s) => {
      s.host.autoScalingGroup.addOverride("launch_template", undefined);
      s.host.autoScalingGroup.addOverride("launch_configuration", "legacy-launch-configuration");
      return addressOf(s.host.autoScalingGroup);
    } }],
  },
  AutoScalingGroupTerminatesBeforeLaunch: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "launch before terminate", mutate: (s) => {
      s.host.autoScalingGroup.addOverride("instance_maintenance_policy.max_healthy_percentage", 200);
      return addressOf(s.host.autoScalingGroup);
    } }, { name: "refresh launches first", mutate: (s) => {
      s.host.autoScalingGroup.addOverride("instance_refresh.preferences.max_healthy_percentage", 110);
      return addressOf(s.host.autoScalingGroup);
    } }, { name: "no maintenance policy", mutate: (s) => {
      s.host.autoScalingGroup.addOverride("instance_maintenance_policy", undefined);
      return addressOf(s.host.autoScalingGroup);
    } }],
  },
  AutoScalingGroupMultipleAvailabilityZones: {
    compliant: [{ mutate: (s) => s.host.autoScalingGroup.addOverride("vpc_zone_identifier", ["subnet-0second"]) }],
    nonCompliant: [{ name: "the stack as designed (suppressed in the report)", mutate: (s) => addressOf(s.host.autoScalingGroup) }],
  },
  NoPublicIpOnInstances: {
    compliant: [{ mutate: (s) => {
      s.network.publicSubnet.addOverride("map_public_ip_on_launch", false);
      s.host.launchTemplate.addOverride("network_interfaces", undefined);
    } }],
    nonCompliant: [{ name: "the stack as designed: subnet (suppressed in the report)", mutate: (s) => addressOf(s.network.publicSubnet) },
      { name: "the stack as designed: launch template (suppressed in the report)", mutate: (s) => addressOf(s.host.launchTemplate) }],
  },
  DataVolumeEncryptedWithCustomerKey: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "unencrypted", mutate: (s) => {
      s.data.volume.addOverride("encrypted", false);
      return addressOf(s.data.volume);
    } }, { name: "AWS managed key", mutate: (s) => {
      s.data.volume.addOverride("kms_key_id", undefined);
      return addressOf(s.data.volume);
    } }],
  },
  DataVolumeSnapshotted: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "policy targets other tags", mutate: (s) => {
      s.data.snapshotPolicy.addOverride("policy_details.target_tags", undefined);
      s.data.snapshotPolicy.addOverride("policy_details.target_tags", { "openclaw:snapshots": "someone-else" });
      return addressOf(s.data.volume);
    } }, { name: "policy disabled", mutate: (s) => {
      s.data.snapshotPolicy.addOverride("state", "DISABLED");
      return addressOf(s.data.volume);
    } }],
  },
  AlarmCoverage: {
    // Without a subscriber (the default) the stack has no alarm: only the group's notifications are required.
    compliant: [asIs, staging, withAlerts],
    nonCompliant: [{ name: "no alarm on DLM's SnapshotsCreateFailed (it watches another metric)", settings: withAlerts.settings, mutate: (s) => {
      s.alerts.alarms["snapshot-failed"].metricName = "SnapshotsDeleteFailed";
      return addressOf(s.alerts.topic);
    } }, { name: "a subscription added to the topic of a stack without alarms", mutate: (s) => {
      new SnsTopicSubscription(s.alerts, "extra-subscription", { topicArn: s.alerts.topic.arn, protocol: "email", endpoint: "ops@clawops.dev" });
      return addressOf(s.alerts.topic);
    } }, { name: "the certificate alarm sends to no topic of the stack", settings: withAlerts.settings, mutate: (s) => {
      s.alerts.alarms.certificate.alarmActions = ["arn:aws:sns:us-east-1:123456789012:someone-elses-topic"];
      return addressOf(s.alerts.alarms.certificate);
    } }, { name: "the group's launch errors not notified", mutate: (s) => {
      s.alerts.notification.notifications = ["autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_TERMINATE"];
      return addressOf(s.host.autoScalingGroup);
    } }],
  },
  DataVolumeProtectedFromDestroy: {
    compliant: [asIs],
    nonCompliant: [{ name: "prevent_destroy off", mutate: (s) => {
      s.data.volume.addOverride("lifecycle.prevent_destroy", false);
      return addressOf(s.data.volume);
    } }],
  },
  SsmParameterSecureStringCustomerKey: {
    compliant: [asIs],
    nonCompliant: [{ name: "plain String", mutate: (s) => {
      operatorParameter(s).addOverride("type", "String");
      return addressOf(operatorParameter(s));
    } }, { name: "AWS managed key", mutate: (s) => {
      tokenParameter(s).addOverride("key_id", "alias/aws/ssm");
      return addressOf(tokenParameter(s));
    } }],
  },
  SsmParameterValueNotInTerraform: {
    compliant: [asIs],
    nonCompliant: [{ name: "a real value in value_wo", mutate: (s) => {
      operatorParameter(s).addOverride("value_wo", "not-a-placeholder");
      return addressOf(operatorParameter(s));
    } }, { name: "the old design: placeholder value + ignore_changes (the value reaches state on refresh)", mutate: (s) => {
      tokenParameter(s).addOverride("value_wo", undefined);
      tokenParameter(s).addOverride("value_wo_version", undefined);
      tokenParameter(s).addOverride("value", "placeholder:generated-on-first-boot");
      tokenParameter(s).addOverride("lifecycle.ignore_changes", ["value"]);
      return addressOf(tokenParameter(s));
    } }, { name: "key_id is the key's ARN, not the alias the host and CLI pass", mutate: (s) => {
      operatorParameter(s).addOverride("key_id", s.secrets.key.arn);
      return addressOf(operatorParameter(s));
    } }, { name: "no value_wo_version", mutate: (s) => {
      tokenParameter(s).addOverride("value_wo_version", undefined);
      return addressOf(tokenParameter(s));
    } }],
  },
  KmsKeyRotationEnabled: {
    compliant: [asIs],
    nonCompliant: [{ name: "rotation off", mutate: (s) => {
      s.secrets.key.addOverride("enable_key_rotation", false);
      return addressOf(s.secrets.key);
    } }],
  },
  NoSecretsInConfiguration: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "API key in the user data", mutate: (s) => {
      const script = `${s.userData.script}\nexport ANTHROPIC_API_KEY=sk-ant-api03-AbCdEf0123456789GhIjKl\n`;
      s.host.launchTemplate.addOverride("user_data", encodeUserData(script));
      return addressOf(s.host.launchTemplate);
    } }, { name: "generic token assignment in the user data", mutate: (s) => {
      s.host.launchTemplate.addOverride("user_data", encodeUserData(`${s.userData.script}\nGATEWAY_TOKEN="q8Zr2Lx0Vb7Nw4Kc9Ty1Hs5Pm3"\n`));
      return addressOf(s.host.launchTemplate);
    } }, { name: "access key id in a tag", mutate: (s) => {
      s.data.volume.addOverride("tags.note", "AKIAZZZZZZZZZZZZZZZZ");
      return addressOf(s.data.volume);
    } }, { name: "password in a resource argument", mutate: (s) => {
      s.secrets.key.addOverride("tags.db_password", "Xk29vLq8Zp41mWc7Rt05");
      return addressOf(s.secrets.key);
    } }],
  },
  SecurityGroupNoWorldIngressExceptHttps: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "8080 from the internet", mutate: (s) => worldIngress(s, 8080) },
      { name: "inline rule of the classic shape", mutate: (s) => addressOf(new SecurityGroupRule(s.host, "classic", {
        type: "ingress", securityGroupId: s.host.securityGroup.id, protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"],
      })) }],
  },
  SecurityGroupNoRemoteAdminPorts: {
    compliant: [asIs, staging],
    nonCompliant: [{ name: "SSH from a private range", mutate: (s) => worldIngress(s, 22, "10.0.0.0/8") },
      { name: "RDP from the internet", mutate: (s) => worldIngress(s, 3389) }],
  },
  SecurityGroupHttpsNotOpenToWorld: {
    compliant: [staging],
    nonCompliant: [{ name: "default allowedCidrs (suppressed in the report)", mutate: (s) =>
      `aws_vpc_security_group_ingress_rule.${s.getLogicalId(s.node.findChild("host").node.findChild("https-in-0") as VpcSecurityGroupIngressRule)}` }],
  },
  SecurityGroupEgressRestricted: {
    compliant: [asIs],
    nonCompliant: [{ name: "all traffic out", mutate: (s) => addressOf(new VpcSecurityGroupEgressRule(s.host, "all-out", {
      securityGroupId: s.host.securityGroup.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0",
    })) }],
  },
  DefaultSecurityGroupClosed: {
    compliant: [asIs],
    nonCompliant: [{ name: "default group with a rule", mutate: (s) => {
      const group = s.network.node.findChild("default-security-group") as any;
      group.addOverride("ingress", [{ protocol: "-1", from_port: 0, to_port: 0, self: true }]);
      return addressOf(group);
    } }],
  },
  VpcFlowLogsEnabled: {
    compliant: [{ mutate: (s) => {
      new FlowLog(s.network, "flow-log", { vpcId: s.network.vpc.id, trafficType: "ALL", logDestinationType: "s3", logDestination: "arn:aws:s3:::flow-logs" });
    } }],
    nonCompliant: [{ name: "the stack as designed (suppressed in the report)", mutate: (s) => addressOf(s.network.vpc) }],
  },
  IamNoWildcardActions: {
    compliant: [asIs],
    nonCompliant: [{ name: "service wildcard", mutate: (s) => extraPolicy(s, { Effect: "Allow", Action: "ssm:*", Resource: "arn:aws:ssm:us-east-1:111122223333:parameter/x" }) },
      { name: "star", mutate: (s) => extraPolicy(s, { Effect: "Allow", Action: ["*"], Resource: ["*"] }) },
      { name: "NotAction", mutate: (s) => extraPolicy(s, { Effect: "Allow", NotAction: ["iam:*"], Resource: ["*"] }) }],
  },
  IamNoWildcardResources: {
    compliant: [{ mutate: (s) => s.hostRole.policy.addOverride("policy", JSON.stringify({ Version: "2012-10-17",
      Statement: s.hostRole.statements.filter((statement) => statement.Sid !== "SsmAgentHeartbeat") })) }],
    nonCompliant: [{ name: "GetParameter on *", mutate: (s) => extraPolicy(s, { Effect: "Allow", Action: ["ssm:GetParameter", "ec2:DescribeVolumes"], Resource: "*" }) },
      { name: "the SSM agent's heartbeat on * (suppressed in the report)", mutate: (s) => addressOf(s.hostRole.policy) }],
  },
  HostRoleBoundary: {
    compliant: [asIs, staging],
    nonCompliant: [
      { name: "GetParameter on every parameter", mutate: (s) => extraPolicy(s, { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: "*" }) },
      { name: "a key policy that lets any principal use the key", mutate: (s) => {
        s.secrets.keyPolicy.addOverride("policy", JSON.stringify({ Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }] }));
        return addressOf(s.secrets.keyPolicy);
      } },
      { name: "no permission to attach the data volume", mutate: (s) => {
        s.hostRole.policy.addOverride("policy", JSON.stringify({ Version: "2012-10-17",
          Statement: s.hostRole.statements.filter((statement) => statement.Sid !== "AttachDataVolume") }));
        return addressOf(s.hostRole.role);
      } },
    ],
  },
};

const ruleById = new Map(RULES.map((r) => [r.id, r]));
const run = (rule: AuditRule, settings?: Partial<GatewaySettingsInput>, mutate?: (s: OpenClawStack) => unknown) => {
  let flagged: unknown;
  const { input } = auditFixture((s) => { flagged = mutate?.(s); }, settings);
  return { result: rule.check(input), flagged };
};

describe("the rule pack", () => {
  test("has one file per rule under modules/review/audit/rules, each registered once under its own name", () => {
    const files = readdirSync(path.join(__dirname, "../../modules/review/audit/rules"))
      .filter((f) => f.endsWith(".ts") && f !== "index.ts").map((f) => f.replace(/\.ts$/, "")).sort();
    expect(RULES.map((r) => r.id).sort()).toEqual(files);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  test("every rule names a checkov id, an FSBP control or a project source, and a one-line rationale", () => {
    for (const rule of RULES) {
      expect(rule.checkov.length + rule.fsbp.length + (rule.source ? 1 : 0)).toBeGreaterThan(0);
      for (const id of rule.checkov) expect(id).toMatch(/^CKV2?_AWS_\d+$/);
      for (const id of rule.fsbp) expect(id).toMatch(/^[A-Za-z0-9]+\.\d+$/);
      expect(rule.rationale).not.toContain("\n");
      expect(rule.rationale.length).toBeGreaterThan(20);
    }
  });

  test("every rule has compliant and non-compliant fixtures in this file", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });
});

describe.each(Object.entries(CASES))("%s", (id, cases) => {
  const rule = ruleById.get(id)!;

  test.each(cases.compliant.map((f, i) => [i, f] as const))("compliant fixture %i passes, having checked resources", (_i, fixture) => {
    const { result } = run(rule, fixture.settings, fixture.mutate);
    expect(result.violations).toEqual([]);
    expect(result.checked.length).toBeGreaterThan(0);
  });

  test.each(cases.nonCompliant.map((c) => [c.name, c] as const))("flags: %s", (_name, c) => {
    const { result, flagged } = run(rule, c.settings, c.mutate);
    expect(result.violations.length).toBeGreaterThan(0);
    expect(result.violations.map((v) => v.address)).toContain(flagged);
    for (const v of result.violations) expect(v.message.length).toBeGreaterThan(5);
  });
});
