import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  VolumeType,
} from "@aws-sdk/client-ec2";
import {
  GetCommandInvocationCommand,
  GetParameterCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";

/**
 * The few AWS calls the operator CLI makes, behind one small interface so the logic around them
 * stays pure and the tests can mock the SDK clients at the transport level.
 */

/** One instance of the Auto Scaling group. */
export interface GroupInstance {
  instanceId: string;
  /** e.g. "InService", "Pending", "Terminating". */
  lifecycleState: string;
  /** "Healthy" or "Unhealthy". */
  healthStatus: string;
}

/** The group's sizes and instances (DescribeAutoScalingGroups), for `npm run status`. */
export interface GroupState {
  desired: number;
  min: number;
  max: number;
  instances: Array<GroupInstance & { availabilityZone: string }>;
}

/** The group's latest instance refresh (DescribeInstanceRefreshes). */
export interface InstanceRefreshState {
  id: string;
  /** Pending | InProgress | Successful | Failed | Cancelling | Cancelled | RollbackInProgress | RollbackFailed | RollbackSuccessful | Baking. */
  status: string;
  statusReason: string;
  startTime?: Date;
  endTime?: Date;
  percentageComplete?: number;
}

/** Where a Run Command invocation stands (GetCommandInvocation). */
export interface Invocation {
  /** Pending | InProgress | Delayed | Success | Cancelled | TimedOut | Failed | Cancelling. */
  status: string;
  /** Finer status, e.g. "DeliveryTimedOut", "ExecutionTimedOut". */
  statusDetails: string;
  /** Exit code of the script; -1 while it runs. */
  responseCode: number;
  stdout: string;
  stderr: string;
}

export interface OpsAws {
  /** The group's instances, or undefined when the group does not exist. */
  describeGroup(name: string): Promise<GroupInstance[] | undefined>;
  /** The group's sizes and instances, or undefined when the group does not exist. */
  describeGroupState(name: string): Promise<GroupState | undefined>;
  /** The group's most recent instance refresh of the last six weeks, or undefined when there is none. */
  latestInstanceRefresh(name: string): Promise<InstanceRefreshState | undefined>;
  /** Sends a Command document to one instance; returns the command id. */
  sendCommand(input: { documentName: string; instanceId: string; parameters: Record<string, string>; comment: string }): Promise<string>;
  /** The invocation on that instance, or undefined while SSM has not registered it yet. */
  getInvocation(commandId: string, instanceId: string): Promise<Invocation | undefined>;
  /** Writes a SecureString parameter with the given KMS key, overwriting the old value. */
  putSecureString(name: string, value: string, keyId: string): Promise<number>;
  /** Reads a SecureString parameter, decrypted. */
  getSecureString(name: string): Promise<{ value: string; version: number; lastModified?: Date }>;
}

/** Seconds SSM waits for the agent to pick the command up (SendCommand's minimum is 30). */
export const DELIVERY_TIMEOUT_SECONDS = 60;

/** The real thing: SDK v3 clients for one region, credentials from the default provider chain. */
export function sdkOpsAws(region: string): OpsAws {
  const ssm = new SSMClient({ region });
  const autoScaling = new AutoScalingClient({ region });
  return {
    async describeGroup(name) {
      const out = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
      const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
      if (!group) return undefined;
      return (group.Instances ?? []).map((i) => ({
        instanceId: i.InstanceId ?? "",
        lifecycleState: String(i.LifecycleState ?? ""),
        healthStatus: i.HealthStatus ?? "",
      }));
    },
    async describeGroupState(name) {
      const out = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
      const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
      if (!group) return undefined;
      return {
        desired: group.DesiredCapacity ?? 0,
        min: group.MinSize ?? 0,
        max: group.MaxSize ?? 0,
        instances: (group.Instances ?? []).map((i) => ({
          instanceId: i.InstanceId ?? "",
          lifecycleState: String(i.LifecycleState ?? ""),
          healthStatus: i.HealthStatus ?? "",
          availabilityZone: i.AvailabilityZone ?? "",
        })),
      };
    },
    async latestInstanceRefresh(name) {
      // "The instance refreshes for the specified group, sorted by creation timestamp in descending order":
      // https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/autoscaling/aws.sdk.kotlin.services.autoscaling.model/-describe-instance-refreshes-response/instance-refreshes.html
      // (read 2026-12-01), so one record is the latest.
      const out = await autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: name, MaxRecords: 1 }));
      const latest = out.InstanceRefreshes?.[0];
      if (!latest) return undefined;
      return {
        id: latest.InstanceRefreshId ?? "",
        status: String(latest.Status ?? ""),
        statusReason: latest.StatusReason ?? "",
        startTime: latest.StartTime,
        endTime: latest.EndTime,
        percentageComplete: latest.PercentageComplete,
      };
    },
    async sendCommand({ documentName, instanceId, parameters, comment }) {
      const out = await ssm.send(new SendCommandCommand({
        DocumentName: documentName,
        InstanceIds: [instanceId],
        Parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [v]])),
        TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
        Comment: comment.slice(0, 100),
      }));
      const id = out.Command?.CommandId;
      if (!id) throw new Error("SendCommand returned no command id");
      return id;
    },
    async getInvocation(commandId, instanceId) {
      try {
        const out = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
        return {
          status: String(out.Status ?? "Pending"),
          statusDetails: out.StatusDetails ?? "",
          responseCode: out.ResponseCode ?? -1,
          stdout: out.StandardOutputContent ?? "",
          stderr: out.StandardErrorContent ?? "",
        };
      } catch (error) {
        // Right after SendCommand the invocation may not exist yet.
        if ((error as Error).name === "InvocationDoesNotExist") return undefined;
        throw error;
      }
    },
    async putSecureString(name, value, keyId) {
      const out = await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: "SecureString", KeyId: keyId, Overwrite: true }));
      return out.Version ?? 0;
    },
    async getSecureString(name) {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return { value: out.Parameter?.Value ?? "", version: out.Parameter?.Version ?? 0, lastModified: out.Parameter?.LastModifiedDate };
    },
  };
}

// ---------------------------------------------------------------- npm run restore (modules/ops/restore.ts)

/** One EBS volume (DescribeVolumes). */
export interface Volume {
  id: string;
  availabilityZone: string;
  sizeGiB: number;
  type: string;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kmsKeyId: string;
  /** creating | available | in-use | deleting | deleted | error. */
  state: string;
  tags: Record<string, string>;
}

/** One EBS snapshot (DescribeSnapshots). */
export interface Snapshot {
  id: string;
  volumeId: string;
  /** pending | completed | error | recoverable | recovering. */
  state: string;
  startTime?: Date;
  encrypted: boolean;
  kmsKeyId: string;
  volumeSizeGiB: number;
  tags: Record<string, string>;
}

/** What CreateVolume is asked for. */
export interface VolumeRequest {
  snapshotId: string;
  availabilityZone: string;
  sizeGiB: number;
  type: string;
  iops?: number;
  throughput?: number;
  kmsKeyId: string;
  tags: Record<string, string>;
}

/** The EC2 and Auto Scaling calls of `npm run restore`. */
export interface RestoreAws {
  /** Volumes carrying every one of these tags. */
  volumesTagged(tags: Record<string, string>): Promise<Volume[]>;
  /** One volume, or undefined when it does not exist. */
  volume(id: string): Promise<Volume | undefined>;
  /** One snapshot of this account, or undefined when it does not exist. */
  snapshot(id: string): Promise<Snapshot | undefined>;
  /** This account's snapshots carrying the tag (every page). */
  snapshotsTagged(key: string, value: string): Promise<Snapshot[]>;
  /** CreateVolume (encrypted); the new volume's id. */
  createVolume(request: VolumeRequest): Promise<string>;
  createTags(volumeId: string, tags: Record<string, string>): Promise<void>;
  deleteTags(volumeId: string, keys: string[]): Promise<void>;
  /** Terminates an instance of the group, which keeps its desired capacity (so it launches a replacement). */
  terminateInGroup(instanceId: string): Promise<void>;
}

const tagsOf = (tags: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? ""]));
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function volumeOf(v: import("@aws-sdk/client-ec2").Volume): Volume {
  return {
    id: v.VolumeId ?? "", availabilityZone: v.AvailabilityZone ?? "", sizeGiB: v.Size ?? 0, type: String(v.VolumeType ?? ""),
    iops: v.Iops, throughput: v.Throughput, encrypted: v.Encrypted === true, kmsKeyId: v.KmsKeyId ?? "",
    state: String(v.State ?? ""), tags: tagsOf(v.Tags),
  };
}

function snapshotOf(s: import("@aws-sdk/client-ec2").Snapshot): Snapshot {
  return {
    id: s.SnapshotId ?? "", volumeId: s.VolumeId ?? "", state: String(s.State ?? ""), startTime: s.StartTime,
    encrypted: s.Encrypted === true, kmsKeyId: s.KmsKeyId ?? "", volumeSizeGiB: s.VolumeSize ?? 0, tags: tagsOf(s.Tags),
  };
}

/** The real thing for `npm run restore`: SDK v3 EC2 and Auto Scaling clients for one region. */
export function sdkRestoreAws(region: string): RestoreAws {
  const ec2 = new EC2Client({ region });
  const autoScaling = new AutoScalingClient({ region });
  return {
    async volumesTagged(tags) {
      const out = await ec2.send(new DescribeVolumesCommand({ Filters: Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })) }));
      return (out.Volumes ?? []).map(volumeOf);
    },
    async volume(id) {
      try {
        const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }));
        return out.Volumes?.[0] ? volumeOf(out.Volumes[0]) : undefined;
      } catch (error) {
        if ((error as Error).name === "InvalidVolume.NotFound") return undefined;
        throw error;
      }
    },
    async snapshot(id) {
      try {
        const out = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id], OwnerIds: ["self"] }));
        return out.Snapshots?.[0] ? snapshotOf(out.Snapshots[0]) : undefined;
      } catch (error) {
        if ((error as Error).name === "InvalidSnapshot.NotFound") return undefined;
        throw error;
      }
    },
    async snapshotsTagged(key, value) {
      const all: Snapshot[] = [];
      let NextToken: string | undefined;
      do {
        const out = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: `tag:${key}`, Values: [value] }], NextToken }));
        all.push(...(out.Snapshots ?? []).map(snapshotOf));
        NextToken = out.NextToken;
      } while (NextToken);
      return all;
    },
    async createVolume(r) {
      const out = await ec2.send(new CreateVolumeCommand({
        SnapshotId: r.snapshotId, AvailabilityZone: r.availabilityZone, Size: r.sizeGiB, VolumeType: r.type as VolumeType,
        Iops: r.iops, Throughput: r.throughput, Encrypted: true, KmsKeyId: r.kmsKeyId,
        TagSpecifications: [{ ResourceType: "volume", Tags: tagList(r.tags) }],
      }));
      if (!out.VolumeId) throw new Error("CreateVolume returned no volume id");
      return out.VolumeId;
    },
    async createTags(volumeId, tags) {
      await ec2.send(new CreateTagsCommand({ Resources: [volumeId], Tags: tagList(tags) }));
    },
    async deleteTags(volumeId, keys) {
      await ec2.send(new DeleteTagsCommand({ Resources: [volumeId], Tags: keys.map((Key) => ({ Key })) }));
    },
    async terminateInGroup(instanceId) {
      await autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
    },
  };
}
