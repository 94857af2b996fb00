import { Construct } from "constructs";
import { LocalBackend, S3Backend, TerraformLocal, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { alertsOn, GatewaySettings, subnetCidrOf } from "./settings/settings";
import { architectureOf } from "./settings/instance-types";
import { ENVIRONMENT_TAG, resourceNames } from "./names";
import { secretParameterName, secretsInUse } from "./secrets-catalogue";
import { Network } from "./constructs/network";
import { GatewaySecrets } from "./constructs/secrets";
import { DataVolume } from "./constructs/storage";
import { GatewayAddress } from "./constructs/address";
import { HostRole } from "./constructs/host-role";
import { GatewayHost, HEALTH_CHECK_GRACE_SECONDS } from "./constructs/host";
import { MaintenanceSchedule } from "./constructs/maintenance";
import { Rollout } from "./constructs/rollout";
import { GatewayOperations } from "./constructs/operations";
import { Alerts } from "./constructs/alerts";
import { Artifacts, terraformLiteral } from "./constructs/artifacts";
import { hostScriptLocation, openclawConfigLocation, openclawLock, openclawLockLocation } from "./host/pins";
import { openclawConfigFile } from "./host/layout";
import { renderUserData, RenderedUserData } from "./host/user-data";
import { stateLocation } from "./settings/state";
import { placeholderWarnings } from "./settings/rules";

/** One environment of the OpenClaw gateway: everything `cdktf deploy <stack>` creates. */
export class OpenClawStack extends TerraformStack {
  readonly settings: GatewaySettings;
  readonly network: Network;
  readonly secrets: GatewaySecrets;
  readonly data: DataVolume;
  readonly address: GatewayAddress;
  readonly hostRole: HostRole;
  readonly host: GatewayHost;
  readonly userData: RenderedUserData;
  readonly operations: GatewayOperations;
  /** The bucket with the host script the user data runs and the openclaw lock file the host installs from. */
  readonly artifacts: Artifacts;
  /** Weekly (at least) replacement of the host from the newest AMI: OS security updates. */
  readonly maintenance: MaintenanceSchedule;
  /** The one way the host is replaced (deploy, maintenance window): an instance refresh with automatic rollback. */
  readonly rollout: Rollout;
  /** The alerts topic, its e-mail subscriptions, the group's notifications and the alarms. */
  readonly alerts: Alerts;

  /**
   * @param options.projectRoot Folder a relative `backend.path` is resolved from, and where the
   *   default local state file goes. @default process.cwd() (main.ts passes findProjectRoot()).
   */
  constructor(scope: Construct, settings: GatewaySettings, options: { projectRoot?: string } = {}) {
    const names = resourceNames(settings);
    super(scope, names.stack);
    this.settings = settings;
    const { prefix } = names;
    const tags = { ...settings.tags, [ENVIRONMENT_TAG]: settings.environment, "managed-by": "openclaw-aws" };

    configureBackend(this, settings, options.projectRoot ?? process.cwd());
    new AwsProvider(this, "aws", { region: settings.region, defaultTags: [{ tags }] });

    this.network = new Network(this, "network", {
      prefix,
      vpcCidr: settings.vpcCidr,
      subnetCidr: subnetCidrOf(settings.vpcCidr),
      availabilityZone: settings.availabilityZone,
    });
    this.secrets = new GatewaySecrets(this, "secrets", {
      prefix,
      kmsAlias: names.kmsAlias,
      environment: settings.environment,
      region: settings.region,
      alertsTopicName: names.alertsTopic,
      secrets: secretsInUse(settings),
    });
    this.data = new DataVolume(this, "data", {
      prefix,
      environment: settings.environment,
      availabilityZone: settings.availabilityZone,
      sizeGiB: settings.dataVolumeSizeGiB,
      kmsKeyArn: this.secrets.key.arn,
      snapshotRetentionCount: settings.snapshotRetentionCount,
    });
    this.address = new GatewayAddress(this, "address", {
      prefix,
      environment: settings.environment,
      domainName: settings.domainName,
      hostedZoneId: settings.hostedZoneId,
    });
    const lock = openclawLock();
    const lockAt = openclawLockLocation(settings, lock);
    this.userData = renderUserData(settings);
    this.artifacts = new Artifacts(this, "artifacts", {
      bucket: lockAt.bucket, lockKey: lockAt.key, lockPath: lock.lockPath, lockSha256: lock.sha256,
      hostScriptKey: hostScriptLocation(settings).key, hostScript: this.userData.hostScript,
      configKey: openclawConfigLocation(settings).key, config: openclawConfigFile(settings),
    });
    const host = { region: settings.region, environment: settings.environment };
    this.hostRole = new HostRole(this, "host-role", {
      prefix,
      ...host,
      autoScalingGroupName: names.autoScalingGroup,
      grants: [
        this.secrets.grantHostAccess(host),
        this.data.grantAttach(host),
        this.data.grantDescribeSnapshots(),
        this.address.grantAssociate(host, this.network.publicSubnet.arn),
        this.artifacts.grantRead(),
      ],
      dnsChallenge: settings.hostedZoneId === undefined ? undefined : { hostedZoneId: settings.hostedZoneId, domainName: settings.domainName },
      publishMetrics: alertsOn(settings),
    });
    this.host = new GatewayHost(this, "host", {
      prefix,
      autoScalingGroupName: names.autoScalingGroup,
      vpcId: this.network.vpc.id,
      subnetId: this.network.publicSubnet.id,
      instanceType: settings.instanceType,
      architecture: architectureOf(settings.instanceType),
      hostOs: settings.hostOs,
      allowedCidrs: settings.allowedCidrs,
      instanceProfileArn: this.hostRole.instanceProfile.arn,
      userDataBase64: this.userData.base64,
      tags: { ...tags, Name: prefix },
      dependsOn: [this.hostRole.policy, this.data.volume, this.address.eip, this.artifacts.lock, this.artifacts.hostScript, this.artifacts.config],
    });
    this.operations = new GatewayOperations(this, "operations", { settings });
    this.rollout = new Rollout(this, "rollout", {
      prefix,
      region: settings.region,
      autoScalingGroupName: names.autoScalingGroup,
      autoScalingGroupArn: this.host.autoScalingGroup.arn,
      launchTemplateId: this.host.launchTemplate.id,
      launchTemplateArn: this.host.launchTemplate.arn,
      launchTemplateLatestVersion: this.host.launchTemplate.latestVersion,
      hostRoleArn: this.hostRole.role.arn,
      imageParameterName: this.host.imageParameterName,
      instanceWarmupSeconds: HEALTH_CHECK_GRACE_SECONDS,
      dependsOn: [this.host.autoScalingGroup],
    });
    this.maintenance = new MaintenanceSchedule(this, "maintenance", {
      prefix,
      rolloutDocumentName: this.rollout.documentName,
      region: settings.region,
      rolloutRoleArn: this.rollout.role.arn,
      scheduleExpression: settings.maintenanceWindow,
      timeZone: settings.maintenanceTimeZone,
    });
    this.alerts = new Alerts(this, "alerts", {
      prefix,
      topicName: names.alertsTopic,
      environment: settings.environment,
      emails: settings.alerts,
      kmsKeyArn: this.secrets.key.arn,
      dependsOn: [this.secrets.keyPolicy],
      autoScalingGroupName: names.autoScalingGroup,
      autoScalingGroup: this.host.autoScalingGroup,
      snapshotPolicyId: this.data.snapshotPolicy.id,
    });
    refusePlaceholdersAtPlan(this, this.host.launchTemplate, settings);

    this.addOutputs(names);
  }

  private addOutputs(names: ReturnType<typeof resourceNames>): void {
    const { region } = this.settings;
    const output = (id: string, value: string, description: string) =>
      new TerraformOutput(this, id, { value, description });
    output("gateway_url", `https://${this.settings.domainName}/`, "Public URL of the gateway (Control UI and API)");
    output("public_ip", this.address.eip.publicIp, "Elastic IP of the gateway; point the domain's A record here");
    output("auto_scaling_group_name", names.autoScalingGroup, "Auto Scaling group of the gateway host");
    for (const secret of secretsInUse(this.settings)) {
      const parameter = secretParameterName(this.settings, secret);
      output(secret.outputs.parameter, parameter, `SSM SecureString parameter holding the ${secret.label}`);
      if (secret.outputs.setCommand) {
        output(secret.outputs.setCommand,
          `read -rsp '${secret.label}: ' KEY && printf '%s' "$KEY" | aws ssm put-parameter --region ${region} --name ${parameter} --type SecureString --key-id ${names.kmsAlias} --overwrite --value file:///dev/stdin; unset KEY`,
          `Stores the ${secret.label} without putting it on the command line (or: npm run secrets -- ${secret.setCommand})`);
      }
    }
    output("session_command",
      `aws ssm start-session --region ${region} --target "$(aws autoscaling describe-auto-scaling-groups --region ${region} --auto-scaling-group-names ${names.autoScalingGroup} --query 'AutoScalingGroups[0].Instances[0].InstanceId' --output text)"`,
      "Opens a Session Manager shell on the gateway host (no SSH)");
    output("apply_config_command", `npm run config -- --env ${this.settings.environment}`,
      "Applies a config-only change (the openclaw overlay, model, toolPolicy) on the host now; without it openclaw-apply-config.timer applies it within about 2 min 20 s");
    new TerraformOutput(this, "operations_documents", {
      value: this.operations.documentNames,
      description: "SSM Command documents for day-2 operations (npm run devices / npm run secrets use them)",
    });
  }
}

function configureBackend(stack: TerraformStack, settings: GatewaySettings, projectRoot: string): void {
  const location = stateLocation(settings, projectRoot);
  if (location.type === "s3") {
    new S3Backend(stack, { bucket: location.bucket, key: location.key, region: location.region, encrypt: true });
    // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3BackendConfig predates the option.
    stack.addOverride("terraform.backend.s3.use_lockfile", true);
  } else {
    // Absolute: terraform runs in cdktf.out/stacks/<stack>/, where a relative path would put the
    // state inside build output (cdktf's own LocalBackend default is absolute for the same reason).
    new LocalBackend(stack, { path: location.path });
  }
}

/**
 * Placeholder settings (example domain, example e-mail) synthesize, so the shipped example works
 * with `npm run synth`, but can never deploy: a Terraform precondition on the launch template makes
 * `terraform plan` (and so `cdktf plan`/`deploy`) fail with a message naming each setting to change.
 * A precondition must refer to some object (a constant `false` is refused at validate), hence the
 * local that lists the placeholders. Without placeholders neither the local nor the precondition
 * exists. (A `check` block would only warn.)
 */
function refusePlaceholdersAtPlan(stack: TerraformStack, resource: { addOverride(path: string, value: unknown): void }, settings: GatewaySettings): void {
  const warnings = placeholderWarnings(settings);
  if (warnings.length === 0) return;
  const local = new TerraformLocal(stack, "openclaw_placeholder_settings", warnings.map((w) => w.setting));
  resource.addOverride("lifecycle.precondition", [{
    condition: `\${length(local.${local.friendlyUniqueId}) == 0}`,
    error_message: terraformLiteral([
      `The settings of environment "${settings.environment}" still hold placeholders; change them in settings.json before planning or deploying:`,
      ...warnings.map((w) => `${w.setting} = ${JSON.stringify(w.value)}: ${w.why}.`),
    ].join("\n")),
  }]);
}
