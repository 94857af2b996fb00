import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { composeStatements, Grantee, IamStatement } from "./grants";
import { METRIC_NAMESPACE } from "../host/metrics";

/**
 * The boot script, the watchdog and the certificate guard publish the alarms' data points
 * (modules/host/metrics.ts) into one namespace. PutMetricData has no resource type, so the namespace
 * condition is the scope: cloudwatch:namespace ("Amazon CloudWatch: condition keys", Service
 * Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html,
 * read 2026-11-30); the IAM boundary table proves another namespace is refused.
 */
export const publishMetricsStatement = (): IamStatement => ({
  Sid: "PublishAlertMetrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: ["*"],
  Condition: { StringEquals: { "cloudwatch:namespace": METRIC_NAMESPACE } },
});

export interface HostRoleProps extends Grantee {
  /** Name prefix of the role, policy and instance profile. */
  readonly prefix: string;
  /** Name of the Auto Scaling group the host belongs to (SetInstanceHealth, CompleteLifecycleAction). */
  readonly autoScalingGroupName: string;
  /**
   * What the constructs grant the host on their own resources (`secrets.grantHostAccess(host)`,
   * `data.grantAttach(host)`, `address.grantAssociate(host, subnetArn)`), in policy order.
   */
  readonly grants: ReadonlyArray<readonly IamStatement[]>;
  /** With a hosted zone: Traefik proves `domainName` with DNS-01 in it ({@link dnsChallengeStatements}). */
  readonly dnsChallenge?: { readonly hostedZoneId: string; readonly domainName: string };
  /**
   * The host publishes the alarms' metrics ({@link publishMetricsStatement}): only while alerts are on (settings
   * `alerts`; without alarms it publishes none, so the role may not either). @default false
   */
  readonly publishMetrics?: boolean;
}

/**
 * What Traefik's Route53 DNS-01 (lego "route53" with AWS_HOSTED_ZONE_ID: no zone lookup) needs,
 * and no more: UPSERT and DELETE of the TXT record `_acme-challenge.<domain>` in the one zone,
 * reading the zone's records (lego merges existing TXT values) and polling the change until INSYNC.
 * Condition keys and their normalized values (lower case, no trailing dot, UPPER-case actions and
 * types): https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
 * (read 2026-11-30); domainName is already lower case without a trailing dot (settings). ForAllValues:
 * every record set of the request must match.
 */
export function dnsChallengeStatements(zone: { hostedZoneId: string; domainName: string }): IamStatement[] {
  const hostedZone = `arn:aws:route53:::hostedzone/${zone.hostedZoneId}`;
  return [
    {
      Sid: "AcmeDnsChallengeRecord", Effect: "Allow", Action: ["route53:ChangeResourceRecordSets"], Resource: [hostedZone],
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`_acme-challenge.${zone.domainName}`],
          "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
          "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
        },
      },
    },
    { Sid: "AcmeDnsChallengeReadZone", Effect: "Allow", Action: ["route53:ListResourceRecordSets"], Resource: [hostedZone] },
    { Sid: "AcmeDnsChallengeWaitForChange", Effect: "Allow", Action: ["route53:GetChange"], Resource: ["arn:aws:route53:::change/*"] },
  ];
}

/**
 * What the SSM agent needs for Run Command and Session Manager, in place of the managed policy
 * AmazonSSMManagedInstanceCore, which also grants ssm:GetParameter(s), ssm:GetDocument and the
 * State Manager/inventory/patching calls on every resource
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html,
 * read 2026-11-30): a process on the host could read any parameter of the account by name.
 * - ssm:UpdateInstanceInformation: the agent's heartbeat, which registers the instance as managed.
 * - ssmmessages:*Channel: Session Manager's channels, and Run Command's delivery when the agent
 *   reaches the Message Gateway Service; ec2messages:* is Run Command's delivery otherwise
 *   ("Reference: ec2messages, ssmmessages, and other API operations",
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-setting-up-messageAPIs.html,
 *   read 2026-11-30). The minimal Session Manager instance policy AWS documents is exactly the first two
 *   (https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html;
 *   the AWS managed policy AWSCloud9SSMInstanceProfile is the same document). Without S3/CloudWatch
 *   session logging or session encryption, no s3:/logs:/kms: statement is needed.
 * Resource "*": ec2messages and ssmmessages have no resource types; UpdateInstanceInformation's
 * resource type is optional (Service Authorization Reference, list_awssystemsmanager), so a request
 * may carry no ARN to match and AWS's own minimal policies use "*".
 */
export function ssmAgentStatements(): IamStatement[] {
  return [
    { Sid: "SsmAgentHeartbeat", Effect: "Allow", Action: ["ssm:UpdateInstanceInformation"], Resource: ["*"] },
    {
      Sid: "SsmAgentMessages", Effect: "Allow", Resource: ["*"],
      Action: [
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
        "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
        "ec2messages:GetMessages", "ec2messages:SendReply",
      ],
    },
  ];
}

/**
 * The host's identity: one inline policy that allows exactly what the boot script, the watchdog and
 * the SSM agent do, each action scoped to the resource's ARN where AWS allows: the constructs'
 * grants, then the watchdog's SetInstanceHealth and the boot's CompleteLifecycleAction on its own
 * group, the alarms' metrics in their namespace (with alerts on), then the agent's calls (composeStatements). No managed policy: the boundary is proven by
 * modules/review/iam-boundary.ts (audit rule HostRoleBoundary).
 */
export class HostRole extends Construct {
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;
  readonly policy: IamRolePolicy;
  /** The inline policy's statements (exposed for tests and the audit). */
  readonly statements: readonly IamStatement[];

  constructor(scope: Construct, id: string, props: HostRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: `${props.prefix}-host`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    const group = `arn:aws:autoscaling:${props.region}:*:autoScalingGroup:*:autoScalingGroupName/${props.autoScalingGroupName}`;
    this.statements = composeStatements([
      ...props.grants.flat(),
      ...(props.dnsChallenge ? dnsChallengeStatements(props.dnsChallenge) : []),
      { Sid: "ReportOwnHealth", Effect: "Allow", Action: ["autoscaling:SetInstanceHealth"], Resource: [group] },
      // The boot script ends its own launch: CONTINUE once healthy, ABANDON on failure.
      { Sid: "CompleteOwnLaunch", Effect: "Allow", Action: ["autoscaling:CompleteLifecycleAction"], Resource: [group] },
      ...(props.publishMetrics ? [publishMetricsStatement()] : []),
      ...ssmAgentStatements(),
    ]);
    this.policy = new IamRolePolicy(this, "policy", {
      name: `${props.prefix}-host`,
      role: this.role.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: this.statements }),
    });
    this.instanceProfile = new IamInstanceProfile(this, "instance-profile", {
      name: `${props.prefix}-host`,
      role: this.role.name,
    });
  }
}
