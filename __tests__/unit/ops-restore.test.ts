import { readFileSync } from "node:fs";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, TerminateInstanceInAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import {
  CreateTagsCommand, CreateVolumeCommand, DeleteTagsCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client,
} from "@aws-sdk/client-ec2";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { testOpsIo } from "../helpers/ops-io";
import { OpsIo } from "../../modules/ops/context";
import { LIST_DEVICES, STATUS } from "../../modules/ops/operations";
import { DATA_VOLUME_ADDRESS, RESTORE_WAITS, runRestore } from "../../modules/ops/restore";
import { DAILY_SNAPSHOT_TIME_UTC } from "../../modules/host/backup";

/**
 * `npm run restore` against the real SDK v3 clients mocked at the transport (aws-sdk-client-mock),
 * as ops-status.test.ts does: GIVEN what EC2, Auto Scaling and the host answer, WHEN the CLI runs,
 * THEN its calls in order, the tags (never on two volumes at once), its output and exit code.
 */
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const autoScaling = mockClient(AutoScalingClient);

const NOW = Date.parse("2026-12-02T09:00:00Z");
const SETTINGS_FILE = { environments: [{ environment: "prod", domainName: "gateway.example.org", acmeEmail: "ops@example.org", region: "eu-west-1" }] };
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OLD = "vol-0aaaaaaaaaaaaaaa1";
const NEW = "vol-0ccccccccccccccc3";
const OLD_TAGS = { Name: "openclaw-prod-data", "openclaw:environment": "prod", "openclaw:role": "data-volume", "openclaw:snapshots": "openclaw-prod" };

const testIo = () => testOpsIo({ settingsFile: SETTINGS_FILE, now: NOW, pollMs: 5000 });
const restore = (argv: string[], io: OpsIo) => runRestore(argv, io, { status: STATUS, listDevices: LIST_DEVICES });
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** The volumes as EC2 holds them; the fake's DescribeVolumes/CreateTags/DeleteTags work on it. */
let volumes: Map<string, { state: string; zone: string; tags: Record<string, string> }>;
/** After every tag call: how many volumes carry the data-volume tags. */
let taggedCounts: number[];
const dataVolumes = () => [...volumes].filter(([, v]) => v.tags["openclaw:environment"] === "prod" && v.tags["openclaw:role"] === "data-volume");
const describe_ = (id: string) => {
  const v = volumes.get(id)!;
  return { VolumeId: id, AvailabilityZone: v.zone, Size: 20, VolumeType: "gp3" as const, Iops: 3000, Throughput: 125, Encrypted: true, KmsKeyId: KEY, State: v.state as any, Tags: tagList(v.tags) };
};

const snapshot = (id: string, state: string, start: string, extra: object = {}) => ({
  SnapshotId: id, VolumeId: OLD, State: state as any, StartTime: new Date(start), Encrypted: true, KmsKeyId: KEY, VolumeSize: 20,
  Tags: tagList({ ...OLD_TAGS, "openclaw:snapshot": "daily" }), ...extra,
});
const group = (instances: Array<{ id: string; state: string }>) => ({
  AutoScalingGroups: [{
    AutoScalingGroupName: "openclaw-prod", MinSize: 1, MaxSize: 1, DesiredCapacity: 1, DefaultCooldown: 300,
    AvailabilityZones: ["eu-west-1a"], HealthCheckType: "EC2", CreatedTime: new Date(),
    Instances: instances.map((i) => ({ InstanceId: i.id, LifecycleState: i.state as any, HealthStatus: "Healthy", AvailabilityZone: "eu-west-1a", ProtectedFromScaleIn: false })),
  }],
});

/** Every call to the three clients, in order, as "Service Operation". */
const calls = () => [...ec2.calls(), ...ssm.calls(), ...autoScaling.calls()]
  .map((c) => (c.args[0] as any).constructor.name as string);
let sequence: string[];

beforeEach(() => {
  ec2.reset();
  ssm.reset();
  autoScaling.reset();
  sequence = [];
  taggedCounts = [];
  volumes = new Map([[OLD, { state: "in-use", zone: "eu-west-1a", tags: { ...OLD_TAGS } }]]);
  let polls = 0;
  ec2.on(DescribeVolumesCommand).callsFake((input) => {
    sequence.push("DescribeVolumes");
    if (input.VolumeIds) {
      // The new volume is "creating" on the first poll, "available" afterwards.
      const id = input.VolumeIds[0];
      if (volumes.get(id)?.state === "creating" && polls++ > 0) volumes.get(id)!.state = "available";
      return { Volumes: volumes.has(id) ? [describe_(id)] : [] };
    }
    return { Volumes: dataVolumes().map(([id]) => describe_(id)) };
  });
  ec2.on(DescribeSnapshotsCommand).callsFake((input) => {
    sequence.push("DescribeSnapshots");
    const all = [
      snapshot("snap-0000000000000aaa1", "completed", "2026-11-30T03:00:10Z"),
      snapshot("snap-0000000000000bbb2", "completed", "2026-12-01T03:00:12Z"),
      snapshot("snap-0000000000000ccc3", "pending", "2026-12-02T03:00:11Z"),
    ];
    return { Snapshots: input.SnapshotIds ? all.filter((s) => input.SnapshotIds.includes(s.SnapshotId)) : all };
  });
  ec2.on(CreateVolumeCommand).callsFake((input) => {
    sequence.push("CreateVolume");
    volumes.set(NEW, { state: "creating", zone: input.AvailabilityZone, tags: Object.fromEntries(input.TagSpecifications[0].Tags.map((t: any) => [t.Key, t.Value])) });
    return { VolumeId: NEW };
  });
  ec2.on(DeleteTagsCommand).callsFake((input) => {
    sequence.push(`DeleteTags ${input.Resources[0]}`);
    for (const t of input.Tags) delete volumes.get(input.Resources[0])!.tags[t.Key];
    taggedCounts.push(dataVolumes().length);
    return {};
  });
  ec2.on(CreateTagsCommand).callsFake((input) => {
    sequence.push(`CreateTags ${input.Resources[0]}`);
    for (const t of input.Tags) volumes.get(input.Resources[0])!.tags[t.Key] = t.Value;
    taggedCounts.push(dataVolumes().length);
    return {};
  });
  let terminated = false;
  autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(() => {
    sequence.push("DescribeAutoScalingGroups");
    return terminated ? group([{ id: "i-0bbbbbbbbbbbbbbb2", state: "InService" }]) : group([{ id: "i-0aaaaaaaaaaaaaaa1", state: "InService" }]);
  });
  autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).callsFake(() => {
    sequence.push("TerminateInstanceInAutoScalingGroup");
    terminated = true;
    return {};
  });
  ssm.on(SendCommandCommand).callsFake((input) => {
    sequence.push(`SendCommand ${input.DocumentName} ${input.InstanceIds[0]}`);
    return { Command: { CommandId: input.DocumentName } };
  });
  ssm.on(GetCommandInvocationCommand).callsFake((input) => ({
    Status: "Success", ResponseCode: 0, StandardErrorContent: "",
    StandardOutputContent: input.CommandId === "openclaw-prod-status"
      ? JSON.stringify({ healthz: { ok: true }, snapshot: { volumeId: NEW, latest: null }, boot: { lines: [] } })
      : JSON.stringify({ pending: [], paired: [{ deviceId: "d1" }, { deviceId: "d2" }] }),
  }));
});

describe("npm run restore -- --yes: the happy path", () => {
  test("calls in order; the tags are never on two volumes; the new volume copies the old one; the state step printed; healthy with its pairings", async () => {
    const c = testIo();
    expect(await restore(["--env", "prod", "--snapshot", "snap-0000000000000aaa1", "--yes"], c.io)).toBe(0);
    expect(c.err).toEqual([]);
    expect(sequence.filter((s) => s !== "DescribeVolumes")).toEqual([
      "DescribeSnapshots",
      "CreateVolume",
      `DeleteTags ${OLD}`,
      `CreateTags ${NEW}`,
      "DescribeAutoScalingGroups",
      "TerminateInstanceInAutoScalingGroup",
      "DescribeAutoScalingGroups",
      "DescribeAutoScalingGroups",
      "SendCommand openclaw-prod-status i-0bbbbbbbbbbbbbbb2",
      "DescribeAutoScalingGroups",
      "SendCommand openclaw-prod-devices-list i-0bbbbbbbbbbbbbbb2",
    ]);
    // The data-volume tags: on one volume, then on none, then on the new one; never on two.
    expect(taggedCounts).toEqual([0, 1]);
    expect(dataVolumes().map(([id]) => id)).toEqual([NEW]);
    expect(volumes.get(OLD)!.tags).toEqual({ Name: "openclaw-prod-data", "openclaw:environment": "prod" });
    expect(ec2.commandCalls(CreateVolumeCommand)[0].args[0].input).toEqual({
      SnapshotId: "snap-0000000000000aaa1", AvailabilityZone: "eu-west-1a", Size: 20, VolumeType: "gp3", Iops: 3000, Throughput: 125,
      Encrypted: true, KmsKeyId: KEY,
      TagSpecifications: [{ ResourceType: "volume", Tags: tagList({ Name: "openclaw-prod-data", "openclaw:environment": "prod", "openclaw:restored-from": "snap-0000000000000aaa1" }) }],
    });
    expect(autoScaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)[0].args[0].input)
      .toEqual({ InstanceId: "i-0aaaaaaaaaaaaaaa1", ShouldDecrementDesiredCapacity: false });
    const text = c.out.join("\n");
    expect(text).toContain("terraform -chdir=cdktf.out/stacks/openclaw-prod state rm aws_ebs_volume.data_volume_0717055C");
    expect(text).toContain(`terraform -chdir=cdktf.out/stacks/openclaw-prod import aws_ebs_volume.data_volume_0717055C ${NEW}`);
    expect(text).toContain(`/healthz ok; booted on ${NEW}; 2 paired device(s)`);
    expect(text).toMatch(/Restored prod from snap-0000000000000aaa1/);
    expect(text).not.toMatch(/availabilityZone/);
  });

  test("the replacement booted on the old volume: refused (exit 1)", async () => {
    ssm.on(GetCommandInvocationCommand).callsFake((input) => ({
      Status: "Success", ResponseCode: 0, StandardErrorContent: "",
      StandardOutputContent: input.CommandId === "openclaw-prod-status"
        ? JSON.stringify({ healthz: { ok: true }, snapshot: { volumeId: OLD, latest: null }, boot: { lines: [] } })
        : JSON.stringify({ pending: [], paired: [] }),
    }));
    const c = testIo();
    expect(await restore(["--snapshot", "snap-0000000000000aaa1", "--yes"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain(`booted on ${OLD}, not on ${NEW}`);
  });

  test("--az another zone: the volume there, then it stops before the instance and says to move the settings' zone", async () => {
    const c = testIo();
    expect(await restore(["--latest", "--az", "eu-west-1b", "--yes"], c.io)).toBe(0);
    expect(ec2.commandCalls(CreateVolumeCommand)[0].args[0].input.AvailabilityZone).toBe("eu-west-1b");
    expect(autoScaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(0);
    expect(c.out.join("\n")).toContain('set "availabilityZone": "eu-west-1b" for environment prod in settings.json');
  });
});

describe("choosing and checking the snapshot", () => {
  test("--latest: the newest completed snapshot of the environment (not the pending one); without --yes nothing changes", async () => {
    const c = testIo();
    expect(await restore(["--latest"], c.io)).toBe(0);
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0].args[0].input).toEqual({ OwnerIds: ["self"], Filters: [{ Name: "tag:openclaw:snapshots", Values: ["openclaw-prod"] }] });
    expect(c.out.join("\n")).toContain("Would create a 20 GiB gp3 volume from snap-0000000000000bbb2 in eu-west-1a");
    expect(c.out.join("\n")).toContain("Nothing changed. Add --yes to carry it out.");
    expect(calls().filter((name) => /^(Create|Delete)/.test(name))).toEqual([]);
    expect(autoScaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(0);
  });

  test("a snapshot that is not completed is refused, nothing created", async () => {
    const c = testIo();
    expect(await restore(["--snapshot", "snap-0000000000000ccc3", "--yes"], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(/^error: Snapshot snap-0000000000000ccc3 is pending, not completed/);
    expect(ec2.commandCalls(CreateVolumeCommand)).toHaveLength(0);
  });

  test("a snapshot encrypted with another key is refused, nothing created", async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot("snap-0000000000000ddd4", "completed", "2026-12-01T03:00:00Z", { KmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/other" })] });
    const c = testIo();
    expect(await restore(["--snapshot", "snap-0000000000000ddd4", "--yes"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("not with the data volume's key");
    expect(ec2.commandCalls(CreateVolumeCommand)).toHaveLength(0);
  });

  test("two volumes already tagged as the data volume: refused before anything", async () => {
    volumes.set("vol-0ddddddddddddddd4", { state: "available", zone: "eu-west-1a", tags: { ...OLD_TAGS } });
    const c = testIo();
    expect(await restore(["--latest", "--yes"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("2 volumes are tagged as the data volume of prod");
    expect(ec2.commandCalls(DescribeSnapshotsCommand)).toHaveLength(0);
  });
});

describe("a tag move that fails halfway", () => {
  test("CreateTags on the new volume fails: the tags are put back on the old one, which stays the data volume; exit 1", async () => {
    let first = true;
    ec2.on(CreateTagsCommand).callsFake((input) => {
      sequence.push(`CreateTags ${input.Resources[0]}`);
      if (first) {
        first = false;
        throw awsError("RequestLimitExceeded", "Request limit exceeded.");
      }
      for (const t of input.Tags) volumes.get(input.Resources[0])!.tags[t.Key] = t.Value;
      taggedCounts.push(dataVolumes().length);
      return {};
    });
    const c = testIo();
    expect(await restore(["--latest", "--yes"], c.io)).toBe(1);
    expect(sequence.filter((s) => /Tags/.test(s))).toEqual([`DeleteTags ${OLD}`, `CreateTags ${NEW}`, `CreateTags ${OLD}`]);
    expect(dataVolumes().map(([id]) => id)).toEqual([OLD]);
    expect(volumes.get(OLD)!.tags).toEqual(OLD_TAGS);
    expect(c.err.join("\n")).toMatch(new RegExp(`^error: Tagging ${NEW} failed \\(Request limit exceeded\\.\\); the tags are back on ${OLD}`));
    expect(autoScaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(0);
  });
});

describe("errors", () => {
  test("no credentials: one sentence, no stack trace, nothing created", async () => {
    ec2.on(DescribeVolumesCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));
    const c = testIo();
    expect(await restore(["--latest", "--yes"], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(/^error: No AWS credentials found\. Configure them/);
    expect(c.err.join("\n")).not.toMatch(/\n\s+at /);
    expect(ec2.commandCalls(CreateVolumeCommand)).toHaveLength(0);
  });

  test.each([
    [[], "give exactly one of --snapshot SNAPSHOT_ID and --latest"],
    [["--latest", "--snapshot", "snap-0123456789abcdef0"], "give exactly one of --snapshot SNAPSHOT_ID and --latest"],
    [["--snapshot", "vol-0123"], '"vol-0123" is not a snapshot id'],
    [["--latest", "--az", "nowhere"], '"nowhere" is not an availability zone name'],
    [["--latest", "--bogus"], "Unknown option '--bogus'"],
  ])("usage error %j: exit 2 with the usage text, no AWS call", async (argv, message) => {
    const c = testIo();
    expect(await restore(argv as string[], c.io)).toBe(2);
    expect(c.err.join("\n")).toContain(`error: ${message}`);
    expect(c.err.join("\n")).toContain("usage: npm run restore -- [--env NAME] (--snapshot SNAPSHOT_ID | --latest)");
    expect(calls()).toEqual([]);
  });

  test("--az in another region: refused", async () => {
    const c = testIo();
    expect(await restore(["--latest", "--az", "us-east-1a"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("--az us-east-1a is not a zone of eu-west-1");
  });

  test("the new volume never becomes available: gives up after the bound", async () => {
    ec2.on(DescribeVolumesCommand).callsFake((input) => (input.VolumeIds
      ? { Volumes: [{ ...describe_(NEW), State: "creating" }] }
      : { Volumes: dataVolumes().map(([id]) => describe_(id)) }));
    const c = testIo();
    expect(await restore(["--latest", "--yes"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain(`Gave up after ${RESTORE_WAITS.volumeMs / 1000} s waiting for ${NEW} to become available`);
    expect(ec2.commandCalls(DeleteTagsCommand)).toHaveLength(0);
  });
});

describe("README: Restore from a snapshot states the tool's numbers and names", () => {
  const readme = readFileSync(path.join(__dirname, "../../README.md"), "utf8").replace(/\s+/g, " ");
  const all = (re: RegExp) => [...readme.matchAll(new RegExp(re.source, "g"))].map((m) => m[1]);
  test("the waits' bounds (RESTORE_WAITS) and the Terraform address (DATA_VOLUME_ADDRESS)", () => {
    expect(all(/waits up to (\d+) minutes for it to be available/)).toEqual([String(RESTORE_WAITS.volumeMs / 60_000)]);
    expect(all(/the tool waits up to (\d+) minutes\)/)).toEqual([String(RESTORE_WAITS.volumeMs / 60_000)]);
    expect(all(/waits up to (\d+) minutes for the replacement/)).toEqual([String(RESTORE_WAITS.replacementMs / 60_000)]);
    expect(all(/terraform (?:state rm|import) (aws_ebs_volume\.\w+)/)).toEqual([DATA_VOLUME_ADDRESS, DATA_VOLUME_ADDRESS]);
    expect(readme).toContain(`once a day at ${DAILY_SNAPSHOT_TIME_UTC} UTC`);
  });
});
