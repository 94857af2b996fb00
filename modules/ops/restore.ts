import { parseArgs } from "node:util";
import { DATA_VOLUME_ROLE, ENVIRONMENT_TAG, resourceNames, ROLE_TAG, SNAPSHOT_TAG } from "../names";
import type { GatewaySettings } from "../settings/settings";
import { RestoreAws, sdkRestoreAws, Snapshot, Volume, VolumeRequest } from "./aws";
import { loadTarget, OpsIo, runCli, targetOf, UsageError } from "./context";
import { parseHostJson, terminalSafeText } from "./format";
import type { DocumentOperation } from "./operations";
import { describeAwsError, OpsError, pickInstance, runOperation } from "./run";
import type { HostStatus } from "./status";

/**
 * `npm run restore -- --env <e> (--snapshot <id> | --latest) [--az <zone>] [--yes]`: the data volume
 * from a snapshot. Without --yes it only checks and prints what it would do. With --yes, each step
 * printed: find the environment's data volume and the snapshot (completed, encrypted with the data
 * volume's key), CreateVolume from it (same type, size, IOPS, throughput, key and tags but the role),
 * wait until it is available, move the data-volume tags from the old volume to the new one (removed
 * from the old first, so never two volumes carry them: the boot refuses two; put back on failure),
 * print the Terraform state step, terminate the instance in its group (the replacement finds the
 * restored volume by its tags; the host role may attach it, storage.ts grantAttach), wait for the new
 * instance, and verify /healthz, the volume it booted on and the paired devices through the status
 * and devices documents. The old volume is kept (prevent_destroy; delete it by hand once satisfied).
 */

export const RESTORE_USAGE = [
  "usage: npm run restore -- [--env NAME] (--snapshot SNAPSHOT_ID | --latest) [--az ZONE] [--yes]",
  "",
  "  Creates a data volume from a snapshot, moves the data-volume tags to it, replaces the instance",
  "  and checks the gateway. Without --yes: checks and prints the plan, changes nothing.",
  "",
  "options:",
  "  --env NAME              environment from settings.json (default: the first one)",
  "  --snapshot SNAPSHOT_ID  the snapshot to restore (snap-…)",
  "  --latest                the newest completed daily snapshot of this environment's data volume",
  "  --az ZONE               availability zone of the new volume (default: the data volume's); another",
  "                          zone of the region is the path for an AZ outage (the settings' zone must follow)",
  "  --yes                   carry it out",
].join("\n");

/** Bounds of the waits (tests shorten them through the clock). */
export const RESTORE_WAITS = {
  /** CreateVolume from a snapshot until `available`. */
  volumeMs: 15 * 60_000,
  /** The replacement instance InService (a boot takes about 5 minutes; the launch hook allows more). */
  replacementMs: 30 * 60_000,
} as const;

const SNAPSHOT_ID = /^snap-[0-9a-f]{8,17}$/;
const ZONE = /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/;

/** A command line `npm run restore` understood. */
export interface RestoreRequest {
  env?: string;
  snapshot?: string;
  latest: boolean;
  az?: string;
  yes: boolean;
}

/** Parses the command line; "help" for --help; a UsageError for anything else wrong. */
export function parseRestoreArgs(argv: string[]): RestoreRequest | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, allowPositionals: false, strict: true,
      options: {
        env: { type: "string", short: "e" }, snapshot: { type: "string" }, latest: { type: "boolean", default: false },
        az: { type: "string" }, yes: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  if ((values.snapshot === undefined) === !values.latest) throw new UsageError("give exactly one of --snapshot SNAPSHOT_ID and --latest");
  if (values.snapshot !== undefined && !SNAPSHOT_ID.test(values.snapshot)) {
    throw new UsageError(`${JSON.stringify(values.snapshot.slice(0, 80))} is not a snapshot id (snap- and 8 or 17 hex digits, e.g. snap-0123456789abcdef0)`);
  }
  if (values.az !== undefined && !ZONE.test(values.az)) {
    throw new UsageError(`${JSON.stringify(values.az.slice(0, 80))} is not an availability zone name (e.g. eu-west-1b)`);
  }
  return { env: values.env, snapshot: values.snapshot, latest: values.latest, az: values.az, yes: values.yes };
}

// ---------------------------------------------------------------- pure

/** The tags that make a volume THE data volume of an environment (the boot's filter). */
export const dataVolumeTags = (s: Pick<GatewaySettings, "environment">): Record<string, string> =>
  ({ [ENVIRONMENT_TAG]: s.environment, [ROLE_TAG]: DATA_VOLUME_ROLE });

/** Tags moved from the old volume to the restored one: the role (the boot, the host's IAM) and the DLM selector. */
export const MOVED_TAGS = [ROLE_TAG, SNAPSHOT_TAG] as const;

/** The newest completed snapshot, or undefined. */
export function newestCompleted(snapshots: readonly Snapshot[]): Snapshot | undefined {
  return snapshots.filter((s) => s.state === "completed")
    .sort((a, b) => (b.startTime?.getTime() ?? 0) - (a.startTime?.getTime() ?? 0))[0];
}

/** Refuses a snapshot that is not completed or not encrypted with the data volume's key. */
export function checkSnapshot(snapshot: Snapshot, volume: Volume): void {
  if (snapshot.state !== "completed") {
    throw new OpsError(`Snapshot ${snapshot.id} is ${snapshot.state || "in no known state"}, not completed: a volume from it would not hold a finished copy. Wait for it, or pick another (--latest takes the newest completed one).`);
  }
  if (!snapshot.encrypted || snapshot.kmsKeyId !== volume.kmsKeyId) {
    throw new OpsError(`Snapshot ${snapshot.id} is ${snapshot.encrypted ? `encrypted with ${snapshot.kmsKeyId}` : "not encrypted"}, not with the data volume's key ${volume.kmsKeyId}: it is not a snapshot of this environment's data volume.`);
  }
  if (snapshot.volumeSizeGiB > volume.sizeGiB) {
    throw new OpsError(`Snapshot ${snapshot.id} is of a ${snapshot.volumeSizeGiB} GiB volume, larger than the data volume (${volume.sizeGiB} GiB): raise dataVolumeSizeGiB first.`);
  }
}

/** The restored volume: the old one's type, size, IOPS, throughput, key and tags (but the moved ones), from the snapshot. */
export function restoredVolumeRequest(old: Volume, snapshot: Snapshot, zone: string): VolumeRequest {
  const tags = Object.fromEntries(Object.entries(old.tags).filter(([k]) => !k.startsWith("aws:") && !(MOVED_TAGS as readonly string[]).includes(k)));
  return {
    snapshotId: snapshot.id, availabilityZone: zone, sizeGiB: old.sizeGiB, type: old.type, iops: old.iops, throughput: old.throughput,
    kmsKeyId: old.kmsKeyId, tags: { ...tags, "openclaw:restored-from": snapshot.id },
  };
}

/**
 * The Terraform address of the data volume: the same in every environment (cdktf names a resource by
 * its construct path inside the stack: `data` → `volume`, modules/stack.ts and storage.ts).
 */
export const DATA_VOLUME_ADDRESS = "aws_ebs_volume.data_volume_0717055C";

/**
 * The Terraform state step after a restore, as terraform arguments: forget the old volume, import
 * the restored one (proven by __tests__/terraform/restore-state.test.ts: no replacement, no IAM change).
 */
export function terraformStateSteps(volumeId: string, address: string = DATA_VOLUME_ADDRESS): string[][] {
  return [["state", "rm", address], ["import", address, volumeId]];
}

/** What to do in Terraform, printed after the tags moved. */
export function nextSteps(s: Pick<GatewaySettings, "environment" | "availabilityZone">, volumeId: string, zone: string): string[] {
  const dir = `cdktf.out/stacks/${resourceNames(s).stack}`;
  const lines = [
    `Terraform must manage ${volumeId} as the data volume (run in the project, after npm run synth):`,
    ...terraformStateSteps(volumeId).map((args) => `  terraform -chdir=${dir} ${args.join(" ")}`),
  ];
  if (zone !== s.availabilityZone) {
    lines.push(`The restored volume is in ${zone}, the settings say ${s.availabilityZone}: set "availabilityZone": "${zone}" for `
      + `environment ${s.environment} in settings.json, npm run synth, run the two commands above, then plan and apply `
      + "(the subnet and the group move to that zone; the new instance attaches the restored volume there).");
  }
  return lines;
}

// ---------------------------------------------------------------- effects

/** The documents the verification runs (passed in: operations.ts lists this CLI's neighbours). */
export interface RestoreDocuments {
  status: DocumentOperation;
  listDevices: DocumentOperation;
}

/**
 * Moves the data-volume tags: removed from the old volume first, then added to the new one, so no
 * moment has two volumes tagged (the boot would refuse to start). When adding fails, the old volume
 * gets them back and the error says so.
 */
export async function moveDataVolumeTags(aws: RestoreAws, old: Volume, newId: string, log: (line: string) => void): Promise<void> {
  const moved = Object.fromEntries(MOVED_TAGS.filter((k) => k in old.tags).map((k) => [k, old.tags[k]]));
  log(`  removing ${Object.keys(moved).join(", ")} from ${old.id}`);
  await aws.deleteTags(old.id, Object.keys(moved));
  try {
    log(`  adding them to ${newId}`);
    await aws.createTags(newId, moved);
  } catch (error) {
    try {
      await aws.createTags(old.id, moved);
    } catch (putBack) {
      throw new OpsError(`Tagging ${newId} failed (${(error as Error).message}) and putting the tags back on ${old.id} failed too `
        + `(${(putBack as Error).message}). NO volume is tagged as the data volume now: tag ${old.id} with `
        + `${Object.entries(moved).map(([k, v]) => `${k}=${v}`).join(", ")} by hand.`);
    }
    throw new OpsError(`Tagging ${newId} failed (${(error as Error).message}); the tags are back on ${old.id}, which stays the data volume. `
      + `${newId} is untagged: delete it (aws ec2 delete-volume --volume-id ${newId}) or retry.`);
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `npm run restore`: parse, load the environment, carry out (or with no --yes, describe) the restore. */
export async function runRestore(argv: string[], terminal: OpsIo, documents: RestoreDocuments, restoreAws: (region: string) => RestoreAws = sdkRestoreAws): Promise<number> {
  const io: OpsIo = { ...terminal, out: (t) => terminal.out(terminalSafeText(t)), err: (t) => terminal.err(terminalSafeText(t)) };
  return runCli(io, RESTORE_USAGE, async () => {
    const request = parseRestoreArgs(argv);
    if (request === "help") {
      io.out(RESTORE_USAGE);
      return;
    }
    const { settings } = loadTarget(io, request.env);
    const target = targetOf(settings);
    const aws = restoreAws(settings.region);
    const ops = io.aws(settings.region);
    const options = io.runOptions ?? {};
    const sleep = options.sleep ?? realSleep;
    const now = options.now ?? Date.now;
    const pollMs = options.pollMs ?? 5000;
    const call = <T>(action: string, fn: () => Promise<T>): Promise<T> => fn().catch((error: unknown) => {
      throw describeAwsError(error, action, target);
    });
    const step = (text: string) => io.out(`==> ${text}`);
    const waitFor = async <T>(what: string, limitMs: number, poll: () => Promise<T | undefined>): Promise<T> => {
      const started = now();
      for (;;) {
        const value = await poll();
        if (value !== undefined) return value;
        if (now() - started >= limitMs) throw new OpsError(`Gave up after ${Math.round((now() - started) / 1000)} s waiting for ${what}.`);
        await sleep(pollMs);
      }
    };

    step(`find the data volume of ${settings.environment} (tags ${ENVIRONMENT_TAG}=${settings.environment}, ${ROLE_TAG}=${DATA_VOLUME_ROLE})`);
    const tagged = await call("describing the volumes", () => aws.volumesTagged(dataVolumeTags(settings)));
    if (tagged.length !== 1) {
      throw new OpsError(tagged.length === 0
        ? `No volume in ${settings.region} is tagged as the data volume of ${settings.environment}. Is the stack deployed, is --env right, or did an earlier restore stop halfway (tag the volume to keep by hand)?`
        : `${tagged.length} volumes are tagged as the data volume of ${settings.environment} (${tagged.map((v) => v.id).join(", ")}): the boot refuses that. Remove the tags from all but one by hand first.`);
    }
    const old = tagged[0];
    io.out(`    ${old.id}: ${old.sizeGiB} GiB ${old.type} in ${old.availabilityZone}, ${old.state}, key ${old.kmsKeyId}`);

    step(request.latest ? `find the newest completed snapshot tagged ${SNAPSHOT_TAG}=${target.names.prefix}` : `find snapshot ${request.snapshot}`);
    const snapshot = request.latest
      ? newestCompleted(await call("describing the snapshots", () => aws.snapshotsTagged(SNAPSHOT_TAG, target.names.prefix)))
      : await call("describing the snapshot", () => aws.snapshot(request.snapshot as string));
    if (!snapshot) {
      throw new OpsError(request.latest
        ? `No completed snapshot tagged ${SNAPSHOT_TAG}=${target.names.prefix} in ${settings.region} (DLM takes one a day at 03:00 UTC).`
        : `Snapshot ${request.snapshot} does not exist in ${settings.region} (or belongs to another account).`);
    }
    checkSnapshot(snapshot, old);
    io.out(`    ${snapshot.id} of ${snapshot.volumeId}: completed, started ${snapshot.startTime?.toISOString() ?? "?"}, encrypted with the data volume's key`);
    const zone = request.az ?? old.availabilityZone;
    if (!zone.startsWith(settings.region)) throw new OpsError(`--az ${zone} is not a zone of ${settings.region}.`);
    const volumeRequest = restoredVolumeRequest(old, snapshot, zone);

    if (!request.yes) {
      io.out([
        "",
        `Would create a ${volumeRequest.sizeGiB} GiB ${volumeRequest.type} volume from ${snapshot.id} in ${zone}, move ${MOVED_TAGS.join(", ")} `
          + `from ${old.id} to it, print the Terraform state step, ${zone === old.availabilityZone ? "replace the instance of " + target.autoScalingGroup + " and check the gateway" : "and stop there (another zone: the settings must move first)"}.`,
        `Whatever the gateway wrote after ${snapshot.startTime?.toISOString() ?? "the snapshot"} is not in it (it stays on ${old.id}, which is kept).`,
        "Nothing changed. Add --yes to carry it out.",
      ].join("\n"));
      return;
    }

    step(`create a volume from ${snapshot.id} in ${zone}`);
    const newId = await call("creating the volume", () => aws.createVolume(volumeRequest));
    io.out(`    ${newId}`);
    await waitFor(`${newId} to become available`, RESTORE_WAITS.volumeMs, async () => {
      const v = await call("describing the new volume", () => aws.volume(newId));
      if (v?.state === "error") throw new OpsError(`${newId} went into state error; delete it (aws ec2 delete-volume --volume-id ${newId}) and retry.`);
      return v?.state === "available" ? v : undefined;
    });
    io.out(`    ${newId} is available`);

    step(`move the data-volume tags from ${old.id} to ${newId}`);
    await moveDataVolumeTags(aws, old, newId, (line) => io.out(line)).catch((error: unknown) => {
      throw describeAwsError(error, "moving the tags", target);
    });

    step("Terraform");
    io.out(nextSteps(settings, newId, zone).map((l) => `    ${l}`).join("\n"));
    if (zone !== old.availabilityZone) {
      io.out(`Stopped before replacing the instance: it runs in ${old.availabilityZone} and cannot attach a volume in ${zone}. `
        + `The deploy above launches it there. ${old.id} is kept (untagged); delete it once the gateway is back.`);
      return;
    }

    step(`replace the instance of ${target.autoScalingGroup}`);
    const before = await call("describing the Auto Scaling group", () => ops.describeGroup(target.autoScalingGroup));
    const oldInstance = pickInstance(before, target);
    await call("terminating the instance", () => aws.terminateInGroup(oldInstance));
    io.out(`    terminated ${oldInstance}; the group launches a replacement, which attaches ${newId}`);
    const replacement = await waitFor(`a replacement of ${oldInstance} to be InService`, RESTORE_WAITS.replacementMs, async () => {
      const instances = await call("describing the Auto Scaling group", () => ops.describeGroup(target.autoScalingGroup));
      return instances?.find((i) => i.instanceId !== oldInstance && i.lifecycleState === "InService")?.instanceId;
    });
    io.out(`    ${replacement} is InService`);

    step("check the gateway");
    const runOptions = { ...options, progress: io.progress() };
    const host = parseHostJson(await runOperation(ops, target, documents.status, `${target.names.prefix}-${documents.status.document.suffix}`, {}, runOptions), "status") as unknown as HostStatus;
    const bootVolume = host.snapshot?.volumeId ?? null;
    const devices = parseHostJson(await runOperation(ops, target, documents.listDevices, `${target.names.prefix}-${documents.listDevices.document.suffix}`, {}, runOptions), "devices list");
    const paired = Array.isArray(devices.paired) ? devices.paired.length : 0;
    io.out(`    /healthz ${host.healthz.ok ? "ok" : "FAILED"}; booted on ${bootVolume ?? "an unknown volume"}; ${paired} paired device(s)`);
    if (!host.healthz.ok) throw new OpsError(`The gateway on ${replacement} does not answer /healthz. See npm run status -- --env ${settings.environment}.`);
    if (bootVolume !== newId) throw new OpsError(`${replacement} booted on ${bootVolume ?? "no volume it logged"}, not on ${newId}. See npm run status -- --env ${settings.environment}.`);
    io.out(`Restored ${settings.environment} from ${snapshot.id}: ${newId} is the data volume. ${old.id} is kept, untagged: delete it once you are satisfied (aws ec2 delete-volume --volume-id ${old.id}).`);
  });
}
