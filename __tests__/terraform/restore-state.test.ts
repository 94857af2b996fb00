import { execFile } from "node:child_process";
import { readFileSync, rmSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { offlineProvider, offlineTerraformProblem, PlanJson, synthForOfflineTerraform, terraform } from "../helpers/terraform-offline";
import { deployOffline } from "../helpers/terraform-state";
import { requireInCi, testSettings } from "../helpers/settings";
import { DATA_VOLUME_ADDRESS, terraformStateSteps } from "../../modules/ops/restore";

/**
 * After `npm run restore` the stack needs only the state step the CLI prints (modules/ops/restore.ts,
 * terraformStateSteps): `terraform state rm` of the data volume + `terraform import` of the restored
 * volume's id. Proven with real terraform 1.11 and the AWS provider 5.100.0 (offline mirror): the
 * stack "deployed" offline (helpers/terraform-state.ts), then the exact commands the CLI prints run
 * against a local fake EC2 endpoint that answers DescribeVolumes for the restored volume as AWS
 * would (a new id and ARN, created from a snapshot, the tags moved to it). The plan after the import
 * must replace nothing and leave the host role's policy alone.
 *
 * Seen failing before the change (storage.ts: AttachVolume scoped to the volume's ARN): the plan
 * updated the host role's policy (the imported volume's ARN is new). snapshot_id needs no
 * ignore_changes: the provider has it optional and computed, so the imported value plans nothing
 * (a control with ignore_changes removed planned no replacement, 2026-12-02).
 */
const canRun = requireInCi(offlineTerraformProblem(), "the restore state test (real terraform import against a fake EC2)");
const maybe = canRun ? describe : describe.skip;

const settings = testSettings();
const NEW_VOLUME = "vol-0restored00000001";
const SNAPSHOT = "snap-0daily000000000001";

type Json = Record<string, any>;

/** A fake EC2 query endpoint: DescribeVolumes of the restored volume, nothing else. */
function fakeEc2(volume: () => Json): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const xml = (s: unknown) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      const action = form.get("Action") ?? "";
      requests.push(action);
      if (action !== "DescribeVolumes") {
        res.writeHead(400, { "content-type": "text/xml" });
        res.end(`<Response><Errors><Error><Code>UnsupportedOperation</Code><Message>${xml(action)}</Message></Error></Errors><RequestID>r</RequestID></Response>`);
        return;
      }
      const v = volume();
      const asked = [...form.entries()].filter(([k]) => k.startsWith("VolumeId.")).map(([, id]) => id);
      const items = asked.includes(v.id) ? [v] : [];
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>
<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><volumeSet>${items.map((i) => `<item>
<volumeId>${xml(i.id)}</volumeId><size>${i.size}</size><snapshotId>${xml(i.snapshot_id)}</snapshotId>
<availabilityZone>${xml(i.availability_zone)}</availabilityZone><status>in-use</status><createTime>2026-12-02T01:00:00.000Z</createTime>
<attachmentSet/><volumeType>${xml(i.type)}</volumeType><iops>${i.iops}</iops><throughput>${i.throughput}</throughput>
<encrypted>true</encrypted><kmsKeyId>${xml(i.kms_key_id)}</kmsKeyId><multiAttachEnabled>false</multiAttachEnabled>
<tagSet>${Object.entries(i.tags as Record<string, string>).map(([k, val]) => `<item><key>${xml(k)}</key><value>${xml(val)}</value></item>`).join("")}</tagSet>
</item>`).join("")}</volumeSet></DescribeVolumesResponse>`);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () =>
    resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests })));
}

maybe("terraform after a restore: state rm + import of the restored volume, no replacement, no IAM change", () => {
  const work = mkdtempSync(path.join(os.tmpdir(), "openclaw-restore-state-"));
  let fake: Awaited<ReturnType<typeof fakeEc2>>;
  let stack: ReturnType<typeof synthForOfflineTerraform>;
  let address: string;
  let oldVolume: Json;
  let plan: PlanJson;
  const tf = (args: string[]) => new Promise<string>((resolve, reject) => {
    // Asynchronous: the fake EC2 runs in this process.
    execFile("terraform", args, { cwd: stack.dir, env: stack.env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`terraform ${args.join(" ")} failed:\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const planJson = async (extra: string[] = []) => {
    await tf(["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=plan.bin", ...extra]);
    return JSON.parse(await tf(["show", "-json", "plan.bin"])) as PlanJson;
  };
  const changeOf = (p: PlanJson, type: string) => p.resource_changes.filter((c) => c.type === type);

  afterAll(() => {
    fake?.server.close();
    rmSync(work, { recursive: true, force: true });
  });

  beforeAll(async () => {
    stack = synthForOfflineTerraform(settings, work);
    terraform(stack, ["init", "-input=false", "-no-color", "-backend=true"]);
    const deployed = deployOffline(stack);
    const state = JSON.parse(readFileSync(deployed.state, "utf8"));
    const resource = state.resources.find((r: Json) => r.type === "aws_ebs_volume");
    address = `aws_ebs_volume.${resource.name}`;
    oldVolume = resource.instances[0].attributes;
    // What AWS answers for the volume `npm run restore` created: the old one's type, size, key, AZ and
    // tags (the role tag moved to it), a new id, made from the snapshot.
    // Its tags are all the old volume's (the provider's default tags included: tags_all), as the CLI copies them.
    fake = await fakeEc2(() => ({ ...oldVolume, tags: oldVolume.tags_all, id: NEW_VOLUME, snapshot_id: SNAPSHOT, iops: 3000, throughput: 125 }));
    // The provider's EC2 endpoint is the fake (its own override file, after the offline deploy).
    const provider = offlineProvider() as { endpoints: Array<Record<string, string>> };
    writeFileSync(path.join(stack.dir, "restore_override.tf.json"), JSON.stringify({
      provider: { aws: [{ ...provider, endpoints: [{ ...provider.endpoints[0], ec2: fake.url }] }] },
    }, null, 2));
    // The steps the CLI prints (its default address), run as printed but for -lock=false.
    for (const [command, ...args] of terraformStateSteps(NEW_VOLUME)) {
      if (command === "state") await tf(["state", args[0], "-lock=false", ...args.slice(1)]);
      else await tf([command, "-lock=false", "-input=false", "-no-color", ...args]);
    }
    plan = await planJson();
  }, 900_000);

  test("the CLI's address of the data volume is the stack's (the same for every environment)", () => {
    expect(DATA_VOLUME_ADDRESS).toBe(address);
  });

  test("the import read the restored volume through DescribeVolumes", () => {
    expect(fake.requests).toContain("DescribeVolumes");
    expect(fake.requests.filter((a) => a !== "DescribeVolumes")).toEqual([]);
  });

  test("the data volume is not replaced (prevent_destroy would refuse it) and keeps the restored id", () => {
    const [volume] = changeOf(plan, "aws_ebs_volume");
    expect(volume.change.actions).not.toContain("delete");
    expect(volume.change.actions).not.toContain("create");
    expect((volume.change.before as Json).id).toBe(NEW_VOLUME);
    expect((volume.change.before as Json).snapshot_id).toBe(SNAPSHOT);
  });

  test("the host role's policy and everything but the volume are unchanged", () => {
    const changed = plan.resource_changes.filter((c) => c.change.actions.join() !== "no-op");
    const attributes = (c: (typeof changed)[number]) => Object.keys(c.change.after ?? {})
      .filter((k) => JSON.stringify((c.change.before as Json)?.[k]) !== JSON.stringify(c.change.after?.[k]));
    // Only the volume, in place, in the state only: final_snapshot (an import does not read it) and `tags`
    // (an import reads the default tags into it too); tags_all, what AWS holds, is unchanged.
    expect(changed.map((c) => `${c.type} ${c.change.actions.join("+")} ${attributes(c).join(",")}`)).toEqual(
      changed.length ? ["aws_ebs_volume update final_snapshot,tags"] : []);
    expect(changeOf(plan, "aws_iam_role_policy").map((c) => c.change.actions.join())).toEqual(["no-op"]);
  });

  test("the restored volume has a new id and ARN: a policy naming the old ARN would have to change", () => {
    const state = JSON.parse(readFileSync(path.join(stack.dir, "terraform.tfstate"), "utf8"));
    const imported = state.resources.find((r: Json) => r.type === "aws_ebs_volume").instances[0].attributes;
    expect(imported.id).toBe(NEW_VOLUME);
    expect(imported.arn).not.toBe(oldVolume.arn);
    const policy = state.resources.find((r: Json) => r.type === "aws_iam_role_policy").instances[0].attributes.policy as string;
    expect(policy).not.toContain(oldVolume.arn);
    expect(policy).not.toContain(imported.arn);
  });
});
