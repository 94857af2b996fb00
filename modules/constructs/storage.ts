import { Construct } from "constructs";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { DlmLifecyclePolicy } from "@cdktf/provider-aws/lib/dlm-lifecycle-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { DAILY_SNAPSHOT_TIME_UTC } from "../host/backup";
import { DATA_VOLUME_ROLE, ENVIRONMENT_TAG, ROLE_TAG, SNAPSHOT_TAG } from "../names";
import { Grantee, onOwnInstance, IamStatement, unscoped } from "./grants";

export interface DataVolumeProps {
  /** Name prefix. */
  readonly prefix: string;
  /** Environment name; the host finds the volume by its tags. */
  readonly environment: string;
  /** AZ of the volume (the host is pinned to it). */
  readonly availabilityZone: string;
  /** Size in GiB. */
  readonly sizeGiB: number;
  /** ARN of the customer KMS key that encrypts the volume. */
  readonly kmsKeyArn: string;
  /** Daily snapshots to keep. */
  readonly snapshotRetentionCount: number;
}

/**
 * The persistent, encrypted gp3 volume that holds /opt/openclaw (state, pairing database,
 * certificates, installed runtimes), protected from destroy, with daily DLM snapshots.
 */
export class DataVolume extends Construct {
  readonly volume: EbsVolume;
  readonly snapshotPolicy: DlmLifecyclePolicy;
  private readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: DataVolumeProps) {
    super(scope, id);
    this.kmsKeyArn = props.kmsKeyArn;
    this.volume = new EbsVolume(this, "volume", {
      availabilityZone: props.availabilityZone,
      size: props.sizeGiB,
      type: "gp3",
      encrypted: true,
      kmsKeyId: props.kmsKeyArn,
      finalSnapshot: true,
      tags: {
        Name: `${props.prefix}-data`,
        [ENVIRONMENT_TAG]: props.environment,
        [ROLE_TAG]: DATA_VOLUME_ROLE,
        [SNAPSHOT_TAG]: props.prefix,
      },
      // After `npm run restore` the resource is re-pointed at the restored volume (`terraform state rm`
      // + `terraform import`, modules/ops/restore.ts). No ignore_changes needed: snapshot_id is optional
      // and computed in the provider, so the imported snapshot id plans no replacement (proven with
      // real terraform: __tests__/terraform/restore-state.test.ts).
      lifecycle: { preventDestroy: true },
    });
    const dlmRole = new IamRole(this, "snapshot-role", {
      name: `${props.prefix}-dlm`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(this, "snapshot-role-policy", {
      role: dlmRole.name,
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
    });
    this.snapshotPolicy = new DlmLifecyclePolicy(this, "snapshots", {
      description: `${props.prefix} data volume daily snapshots`,
      executionRoleArn: dlmRole.arn,
      state: "ENABLED",
      policyDetails: {
        resourceTypes: ["VOLUME"],
        targetTags: { [SNAPSHOT_TAG]: props.prefix },
        schedule: [{
          name: "daily",
          createRule: { interval: 24, intervalUnit: "HOURS", times: [DAILY_SNAPSHOT_TIME_UTC] },
          retainRule: { count: props.snapshotRetentionCount },
          copyTags: true,
          tagsToAdd: { "openclaw:snapshot": "daily" },
        }],
      },
    });
  }

  /**
   * What the host needs to attach the volume to itself at boot: the volume and its own instance
   * (AttachVolume), the volume's key through EC2, and finding the volume by its tags. The volume is
   * named by its tags, not its ARN (the tags the boot finds it by): after `npm run restore` moves
   * them to a volume made from a snapshot, the policy already allows it, with no IAM change. Only
   * the one volume tagged with this environment and the data-volume role at a time.
   */
  grantAttach(host: Grantee): IamStatement[] {
    return [
      { Sid: "UseDataVolumeKeyThroughEc2", Effect: "Allow",
        Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext"],
        Resource: [this.kmsKeyArn], Condition: { StringEquals: { "kms:ViaService": `ec2.${host.region}.amazonaws.com` } } },
      { Sid: "AttachDataVolume", Effect: "Allow", Action: ["ec2:AttachVolume"], Resource: [`arn:aws:ec2:${host.region}:*:volume/*`],
        Condition: { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: host.environment, [`aws:ResourceTag/${ROLE_TAG}`]: DATA_VOLUME_ROLE } } },
      onOwnInstance(host, ["ec2:AttachVolume"]),
      unscoped(["ec2:DescribeVolumes"]),
    ];
  }

  /**
   * What the status document (`npm run status`, modules/ops/status.ts) needs to report the data
   * volume's latest snapshot: DescribeSnapshots. "Amazon EC2 ec2:Describe* API actions do not support
   * resource-level permissions", so "*" (Amazon EC2 User Guide, IAM policies; the actions table:
   * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html, read
   * 2026-12-01). It lists metadata only (ids, times, states), never data.
   */
  grantDescribeSnapshots(): IamStatement[] {
    return [unscoped(["ec2:DescribeSnapshots"])];
  }
}
