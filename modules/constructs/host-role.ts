import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { composeStatements, Grantee, IamStatement } from "./grants";

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
 * The host's identity: SSM core (Session Manager, Run Command) plus an inline policy that allows
 * exactly what the boot script and the watchdog do, each action scoped to the resource's ARN: the
 * constructs' grants, then the watchdog's SetInstanceHealth and the boot's CompleteLifecycleAction
 * on its own group (composeStatements).
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
    new IamRolePolicyAttachment(this, "ssm-core", {
      role: this.role.name,
      policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    });
    const group = `arn:aws:autoscaling:${props.region}:*:autoScalingGroup:*:autoScalingGroupName/${props.autoScalingGroupName}`;
    this.statements = composeStatements([
      ...props.grants.flat(),
      ...(props.dnsChallenge ? dnsChallengeStatements(props.dnsChallenge) : []),
      { Sid: "ReportOwnHealth", Effect: "Allow", Action: ["autoscaling:SetInstanceHealth"], Resource: [group] },
      // The boot script ends its own launch: CONTINUE once healthy, ABANDON on failure.
      { Sid: "CompleteOwnLaunch", Effect: "Allow", Action: ["autoscaling:CompleteLifecycleAction"], Resource: [group] },
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
