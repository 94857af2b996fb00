import { Construct } from "constructs";
import { ITerraformDependable, Token } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Architecture } from "../settings/instance-types";
import { HostOs } from "../settings/settings";
import { HOST_OS_PROFILES } from "../host/host-os";
import { LAUNCH_HOOK } from "../host/steps";

export interface GatewayHostProps {
  /** Name prefix of the security group, launch template and Auto Scaling group. */
  readonly prefix: string;
  /** Name of the Auto Scaling group (known before apply, so the boot script can use it). */
  readonly autoScalingGroupName: string;
  /** VPC of the security group. */
  readonly vpcId: string;
  /** The single subnet the group launches into (same AZ as the data volume). */
  readonly subnetId: string;
  /** EC2 instance type. */
  readonly instanceType: string;
  /** CPU architecture of instanceType (selects the AMI). */
  readonly architecture: Architecture;
  /** Host operating system (selects the AMI). */
  readonly hostOs: HostOs;
  /** IPv4 CIDRs allowed to reach 443. */
  readonly allowedCidrs: string[];
  /** ARN of the instance profile. */
  readonly instanceProfileArn: string;
  /** Base64 user data (rendered at synth time from plain values). */
  readonly userDataBase64: string;
  /** Tags for the instance and its root volume. */
  readonly tags: Record<string, string>;
  /** Size of the encrypted root volume in GiB. @default 12 */
  readonly rootVolumeSizeGiB?: number;
  /** Resources the group must wait for (the host's IAM policy, so the first boot has its permissions). */
  readonly dependsOn?: ITerraformDependable[];
}

/** Seconds the ASG waits before health checks count: boot installs Node and openclaw on first start. */
export const HEALTH_CHECK_GRACE_SECONDS = 600;

/**
 * The launch lifecycle hook, declared on the group itself (initial_lifecycle_hook) so that the
 * group's FIRST instance is already held in Pending:Wait: a separate aws_autoscaling_lifecycle_hook
 * is added only after the group exists, "and depending on your capacity settings, after the initial
 * instances have been launched" (Terraform AWS provider, aws_autoscaling_lifecycle_hook docs, read
 * 2026-11-30). The boot script completes it: CONTINUE after /healthz answered, ABANDON on failure;
 * a launch nobody completes is abandoned after the heartbeat timeout (the default result). The
 * provider marks initial_lifecycle_hook ForceNew: a group deployed before it existed is replaced once.
 */
export const launchLifecycleHook = {
  name: LAUNCH_HOOK.name,
  lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
  defaultResult: "ABANDON",
  heartbeatTimeout: LAUNCH_HOOK.heartbeatTimeoutSeconds,
} as const;

/**
 * Terraform's view of the group's launch template version, which it must not change: the version
 * moves only through the rollout runbook (constructs/rollout.ts), whose instance refresh updates
 * the group when it succeeds and restores it when it rolls back.
 */
export const IGNORED_GROUP_CHANGES = ["launch_template[0].version"];

/**
 * The gateway host: a 443-only security group, a launch template (IMDSv2 only, hop limit 1,
 * encrypted root, user data) and an Auto Scaling group of exactly one instance that replaces a
 * failed host. Terminate-before-launch: the new instance needs the data volume the old one holds.
 */
export class GatewayHost extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly launchTemplate: LaunchTemplate;
  readonly autoScalingGroup: AutoscalingGroup;
  /** The AWS public parameter with the newest AMI id of the host's OS and architecture. */
  readonly imageParameterName: string;
  /** That parameter, read at plan time. */
  readonly image: DataAwsSsmParameter;

  constructor(scope: Construct, id: string, props: GatewayHostProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.prefix}-host`,
      description: "OpenClaw gateway: HTTPS in from allowed CIDRs, HTTPS out",
      vpcId: props.vpcId,
      tags: { Name: `${props.prefix}-host` },
    });
    props.allowedCidrs.forEach((cidr, i) =>
      new VpcSecurityGroupIngressRule(this, `https-in-${i}`, {
        securityGroupId: this.securityGroup.id,
        description: "HTTPS to Traefik (TLS-ALPN-01 and clients)",
        ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: cidr,
      }));
    // Boot and run time need only HTTPS out (AWS APIs, Node/Traefik/npm downloads, Let's Encrypt,
    // Anthropic). DNS and NTP go to the VPC resolver and 169.254.169.123, which groups do not filter.
    new VpcSecurityGroupEgressRule(this, "https-out", {
      securityGroupId: this.securityGroup.id,
      description: "HTTPS to AWS APIs, release downloads, Let's Encrypt and model providers",
      ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0",
    });

    const os = HOST_OS_PROFILES[props.hostOs];
    this.imageParameterName = os.amiParameter(props.architecture);
    // The AMI id, resolved at plan time rather than at launch (`resolve:ssm:`): AWS rolls an
    // instance refresh back only to a template whose image is an AMI id (constructs/rollout.ts).
    // insecure_value: the parameter is a public String (an AMI id is no secret), so the id shows
    // in plans instead of "(sensitive value)" (AWS provider >= 5.8.0, hashicorp/terraform-provider-aws#30817, read 2026-11-30).
    this.image = new DataAwsSsmParameter(this, "image", { name: this.imageParameterName });
    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      name: props.prefix,
      description: "OpenClaw gateway host",
      imageId: this.image.insecureValue,
      instanceType: props.instanceType,
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: props.instanceProfileArn },
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      networkInterfaces: [{
        deviceIndex: 0,
        associatePublicIpAddress: "true",
        deleteOnTermination: "true",
        securityGroups: [this.securityGroup.id],
      }],
      blockDeviceMappings: [{
        deviceName: os.rootDeviceName,
        ebs: { volumeSize: props.rootVolumeSizeGiB ?? 12, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      }],
      userData: props.userDataBase64,
      tagSpecifications: [
        { resourceType: "instance", tags: props.tags },
        { resourceType: "volume", tags: { ...props.tags, Name: `${props.prefix}-root` } },
      ],
      tags: { Name: props.prefix },
    });

    this.autoScalingGroup = new AutoscalingGroup(this, "auto-scaling-group", {
      name: props.autoScalingGroupName,
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      vpcZoneIdentifier: [props.subnetId],
      healthCheckType: "EC2",
      healthCheckGracePeriod: HEALTH_CHECK_GRACE_SECONDS,
      // A concrete version number (a rollback needs one, never $Latest/$Default). Terraform sets it
      // when it creates the group and then leaves it to the rollout runbook (IGNORED_GROUP_CHANGES).
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      initialLifecycleHook: [launchLifecycleHook],
      // The hook keeps an instance out of InService until its boot completes: Terraform's default
      // wait for capacity (10m, then a failed apply and a tainted group) would now wait for the first
      // boot. "0" skips that wait (aws_autoscaling_group docs, "wait_for_capacity_timeout", read
      // 2026-11-30): apply returns once the group exists, as before the hook.
      waitForCapacityTimeout: "0",
      instanceMaintenancePolicy: { minHealthyPercentage: 0, maxHealthyPercentage: 100 },
      // No instance_refresh block: Terraform would move the group to the new version before the
      // refresh starts, so its auto_rollback would return to the new version
      // (hashicorp/terraform-provider-aws#34189). Rollouts are the runbook's (constructs/rollout.ts).
      lifecycle: { ignoreChanges: IGNORED_GROUP_CHANGES },
      tag: Object.entries(props.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      dependsOn: props.dependsOn,
    });
  }
}
