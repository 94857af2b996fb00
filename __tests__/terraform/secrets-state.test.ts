import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inflateRawSync } from "node:zlib";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { OFFLINE_PROVIDER, offlineTerraformProblem, OfflineStackDir, PlanJson, synthForOfflineTerraform } from "../helpers/terraform-offline";
import { hostContract } from "../../modules/host/contract";
import { refreshSecretsTool } from "../../modules/host/tools";
import { sdkOpsAws } from "../../modules/ops/aws";
import { targetOf } from "../../modules/ops/context";
import { GATEWAY_TOKEN, secretParameterName, SECRETS } from "../../modules/secrets-catalogue";
import { FakeSsmKms, REGION } from "../helpers/fake-ssm-kms";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * "Real secret values never pass through Terraform's configuration, plan or state", proven at the
 * real boundary: terraform 1.11 and the AWS provider 5.100.0 (offline mirror) deploy the stack's
 * secrets (KMS key, alias, both SSM parameters, synthesized from the real stack and selected with
 * -target) against a local fake SSM + KMS endpoint (__tests__/helpers/fake-ssm-kms.ts). Then the
 * host and the operator store real values the way they do in production (PutParameter, Overwrite,
 * the KeyId string their code uses), and terraform runs a normal plan (which refreshes), a
 * refresh-only apply and a final plan. No byte of either secret — raw or base64 — may appear in
 * the state, its backup, the plan files (raw or inside the zip) or `terraform show -json`; the
 * final plan must change nothing; no PutParameter with an empty value may ever reach AWS.
 *
 * With a plain `value` + `ignore_changes = ["value"]` (the design before 2026-11-30) this test fails:
 * the provider reads the parameters WithDecryption on refresh and stores the real values.
 */
const canRun = requireInCi(offlineTerraformProblem(), "the secrets-in-state test (real terraform against a fake SSM/KMS)");
const maybe = canRun ? describe : describe.skip;

/** Every channel enabled: every secret of the catalogue has its parameter (a channel's token only then). */
const settings = testSettings({ openclaw: { channels: { telegram: { dmPolicy: "pairing" }, slack: { dmPolicy: "pairing" }, discord: { dmPolicy: "pairing" } } } });
/** Each secret's parameter name, in catalogue order. */
const parameterNames = SECRETS.map((secret) => secretParameterName(settings, secret));

/** Every entry of a zip archive (a terraform plan file is one), decompressed. */
export function zipEntries(zip: Buffer): Array<{ name: string; data: Buffer }> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not a zip archive (no end-of-central-directory record)");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: Array<{ name: string; data: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    if (method !== 0 && method !== 8) throw new Error(`zip: entry ${name} uses compression method ${method}`);
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The forms in which a secret could sit in a file: raw and base64 (standard and URL-safe). */
function needles(secret: string): Array<[string, Buffer]> {
  const b64 = Buffer.from(secret).toString("base64").replace(/=+$/, "");
  // A value inside a longer base64 text is encoded at one of three offsets; the middle part of
  // each is the same whatever precedes it.
  const shifted = [0, 1, 2].map((pad) => Buffer.from("x".repeat(pad) + secret).toString("base64").slice(4, -4));
  return [
    ["raw", Buffer.from(secret)],
    ["base64", Buffer.from(b64)],
    ["base64url", Buffer.from(b64.replace(/\+/g, "-").replace(/\//g, "_"))],
    ...shifted.map((s, i): [string, Buffer] => [`base64 at offset ${i}`, Buffer.from(s)]),
  ];
}

/** Where a secret was found: "file (form)" for every form found in every artefact. */
function leaks(secrets: Record<string, string>, artefacts: Record<string, Buffer>): string[] {
  const found: string[] = [];
  for (const [what, secret] of Object.entries(secrets)) {
    for (const [file, bytes] of Object.entries(artefacts)) {
      for (const [form, needle] of needles(secret)) if (bytes.includes(needle)) found.push(`${what} in ${file} (${form})`);
    }
  }
  return found;
}

/**
 * Real-looking secrets, new for every run, by label: what the host generates (od -An -N32 -tx1
 * /dev/urandom) and what an operator pastes (a provider key: a prefix and base64url).
 */
function newSecrets(): Record<string, string> {
  return Object.fromEntries(SECRETS.map((secret) => [secret.label, secret.writer === "host"
    ? randomBytes(32).toString("hex")
    : `sk-ant-api03-${randomBytes(70).toString("base64url")}-${randomBytes(4).toString("hex")}AA`]));
}

/** What the fake holds for every secret, by parameter name. */
const heldValues = (fake: FakeSsmKms) => Object.fromEntries(parameterNames.map((name) => [name, fake.parameter(name)?.Value]));
/** The given value of every secret, by parameter name. */
const byParameter = (value: (secret: (typeof SECRETS)[number]) => string) =>
  Object.fromEntries(SECRETS.map((secret) => [secretParameterName(settings, secret), value(secret)]));

/** One synthesized stack directory whose AWS provider talks to a fake SSM/KMS, and how to drive it. */
async function deployment(fake: FakeSsmKms, workDir: string) {
  const url = fake.url;
  const stack: OfflineStackDir = synthForOfflineTerraform(settings, workDir);
  writeFileSync(path.join(stack.dir, "offline_override.tf.json"), JSON.stringify({
    provider: { aws: [{ ...OFFLINE_PROVIDER, endpoints: [{ ssm: url, kms: url, sts: url }] }] },
  }, null, 2));
  const configFile = path.join(stack.dir, "cdk.tf.json");
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  // The construct's resources (the key comes in as a dependency of both); the alias is named
  // explicitly because the design before 2026-11-30 did not reference it from the parameters.
  const targets = [
    ...Object.keys(config.resource.aws_ssm_parameter).map((name) => `-target=aws_ssm_parameter.${name}`),
    ...Object.keys(config.resource.aws_kms_alias).map((name) => `-target=aws_kms_alias.${name}`),
  ];
  const artefacts: Record<string, Buffer> = {};
  const file = (name: string) => readFileSync(path.join(stack.dir, name));

  /**
   * terraform, asynchronously: the fake AWS endpoint runs in this process, so a synchronous spawn
   * (__tests__/helpers/terraform-offline.ts's `terraform`) would block the very server the provider calls.
   */
  const tf = (args: string[]) => new Promise<string>((resolve, reject) => {
    execFile("terraform", [args[0], "-no-color", ...args.slice(1)], { cwd: stack.dir, env: stack.env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`terraform ${args.join(" ")} failed (${error.code ?? error.message}):\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const d = {
    stack, config, configFile, targets, artefacts, tf, file,
    /** The state file and its backup as they are now, under a label. */
    addState(label: string) {
      for (const name of ["terraform.tfstate", "terraform.tfstate.backup"]) {
        if (existsSync(path.join(stack.dir, name))) artefacts[`${label}: ${name}`] = file(name);
      }
    },
    /** A saved plan: the file, each entry of its zip, and its `terraform show -json`. */
    async addPlan(name: string): Promise<PlanJson> {
      artefacts[name] = file(name);
      for (const entry of zipEntries(file(name))) artefacts[`${name} → ${entry.name}`] = entry.data;
      const json = await tf(["show", "-json", name]);
      artefacts[`terraform show -json ${name}`] = Buffer.from(json);
      return JSON.parse(json) as PlanJson;
    },
    apply: (...extra: string[]) => tf(["apply", "-input=false", "-auto-approve", "-lock=false", ...extra, ...targets]),
    plan: (out: string) => tf(["plan", "-input=false", "-lock=false", `-out=${out}`, ...targets]),
    /** The host's and the operator's writes, made the way their code makes them. */
    async storeSecrets(secrets: Record<string, string>) {
      // The host: the request its refresh tool builds with jq,
      // {Name, Value, Type: "SecureString", KeyId: $KMS_KEY, Overwrite: true}, KMS_KEY as rendered.
      const hostKey = /^KMS_KEY='([^']+)'$/m.exec(refreshSecretsTool(settings, hostContract(settings)))?.[1];
      if (!hostKey) throw new Error("KMS_KEY not found in the rendered openclaw-refresh-secrets");
      const ssm = new SSMClient({ region: REGION, endpoint: url, credentials: { accessKeyId: OFFLINE_PROVIDER.access_key, secretAccessKey: OFFLINE_PROVIDER.secret_key } });
      for (const secret of SECRETS.filter((s) => s.writer === "host")) {
        await ssm.send(new PutParameterCommand({ Name: secretParameterName(settings, secret), Value: secrets[secret.label], Type: "SecureString", KeyId: hostKey, Overwrite: true }));
      }
      // The operator: the CLI's own call (npm run secrets -- <setCommand>), its SDK client sent to
      // the fake by the SDK's standard endpoint variable.
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: OFFLINE_PROVIDER.access_key, AWS_SECRET_ACCESS_KEY: OFFLINE_PROVIDER.secret_key,
        AWS_ENDPOINT_URL_SSM: url, AWS_EC2_METADATA_DISABLED: "true",
      });
      try {
        const target = targetOf(settings);
        for (const secret of SECRETS.filter((s) => s.writer === "operator")) {
          await sdkOpsAws(settings.region).putSecureString(secretParameterName(settings, secret), secrets[secret.label], target.names.kmsAlias);
        }
      } finally {
        process.env = saved;
      }
    },
  };
  await tf(["init", "-input=false"]);
  return d;
}

type Deployment = Awaited<ReturnType<typeof deployment>>;

maybe("secrets never reach Terraform's state or plan (real terraform + provider, fake SSM/KMS)", () => {
  const fake = new FakeSsmKms();
  const work = mkdtempSync(path.join(os.tmpdir(), "openclaw-secrets-state-"));
  const secrets = newSecrets();
  let d: Deployment;
  let firstPlan: PlanJson;
  let finalPlan: PlanJson;
  let finalPlanText = "";

  beforeAll(async () => {
    const started = Date.now();
    await fake.start();
    d = await deployment(fake, work);
    expect(d.targets).toHaveLength(SECRETS.length + 1);
    // 1. The first deploy (of the secrets part of the stack): key, alias, parameters with placeholders.
    await d.apply();
    expect(heldValues(fake)).toEqual(byParameter((secret) => secret.placeholder));
    // 2. + 3. The host stores the secrets it generates, the operator the others.
    await d.storeSecrets(secrets);
    expect(heldValues(fake)).toEqual(byParameter((secret) => secrets[secret.label]));
    d.addState("after the first apply");
    // 4. A normal plan (refreshes every parameter), saved.
    await d.plan("plan.bin");
    firstPlan = await d.addPlan("plan.bin");
    d.addState("after plan");
    // 5. A refresh-only apply: writes what the provider reads into the state.
    await d.apply("-refresh-only");
    d.addState("after apply -refresh-only");
    d.artefacts["terraform show -json (state)"] = Buffer.from(await d.tf(["show", "-json"]));
    // 6. Plan again.
    finalPlanText = await d.plan("final.bin");
    finalPlan = await d.addPlan("final.bin");
    d.addState("after the final plan");
    // eslint-disable-next-line no-console
    console.log(`secrets-state: ${fake.calls.length} AWS calls, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 300_000);

  afterAll(async () => {
    await fake.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("the host, the CLI and Terraform name the KMS key with the same string", () => {
    const hostKey = /^KMS_KEY='([^']+)'$/m.exec(refreshSecretsTool(settings, hostContract(settings)))?.[1];
    const setCommands = SECRETS.flatMap((secret) => (secret.outputs.setCommand ? [secret.outputs.setCommand] : []));
    expect(setCommands.length).toBeGreaterThan(0);
    const outputKeys = new Set(setCommands.map((output) => /--key-id (\S+)/.exec(String(d.config.output[output].value))?.[1]));
    expect(outputKeys.size).toBe(1);
    const [outputKey] = outputKeys;
    const keyIds = Object.values(d.config.resource.aws_ssm_parameter).map((p: any) => p.key_id);
    const aliasName = (Object.values(d.config.resource.aws_kms_alias)[0] as any).name;
    expect({ hostKey, outputKey, cli: targetOf(settings).names.kmsAlias }).toEqual({ hostKey: aliasName, outputKey: aliasName, cli: aliasName });
    for (const keyId of keyIds) expect(keyId).toMatch(/^\$\{aws_kms_alias\.[^.]+\.name\}$/);
    // What AWS holds (and DescribeParameters returns) is the string the host and the CLI sent.
    for (const name of parameterNames) expect(fake.parameter(name)?.KeyId).toBe(aliasName);
  });

  test("the refreshes really read the stored secrets (the provider asked for them WithDecryption)", () => {
    // Control: without this the absence below would prove nothing.
    const reads = fake.callsOf("GetParameter").filter((c) => c.body.WithDecryption === true);
    expect(reads.map((c) => c.body.Name)).toEqual(expect.arrayContaining(parameterNames));
    expect(firstPlan.resource_changes.filter((c) => c.type === "aws_ssm_parameter")).toHaveLength(SECRETS.length);
  });

  test("no byte of either secret in the state, its backup, the plan files (and their zip entries) or terraform show -json", () => {
    expect(Object.keys(d.artefacts)).toEqual(expect.arrayContaining([
      "after apply -refresh-only: terraform.tfstate", "after apply -refresh-only: terraform.tfstate.backup",
      "plan.bin", "terraform show -json plan.bin", "terraform show -json final.bin", "terraform show -json (state)",
    ]));
    expect(Object.keys(d.artefacts).filter((k) => k.startsWith("plan.bin → ")).length).toBeGreaterThan(2);
    expect(leaks(secrets, d.artefacts)).toEqual([]);
  });

  test("control: the same search finds the placeholders in the plan file's configuration snapshot", () => {
    const found = leaks({ placeholder: GATEWAY_TOKEN.placeholder }, d.artefacts);
    expect(found.some((f) => f.startsWith("placeholder in plan.bin → "))).toBe(true);
    const encoded = Buffer.from(Buffer.from(`{"v":"${secrets[GATEWAY_TOKEN.label]}"}`).toString("base64"));
    expect(leaks({ x: secrets[GATEWAY_TOKEN.label] }, { "a base64 text": encoded })).not.toEqual([]);
  });

  test("the final plan changes nothing (no key_id drift) and the real values are untouched", () => {
    const changes = finalPlan.resource_changes.filter((c) => c.change.actions.join() !== "no-op")
      .map((c) => `${c.address}: ${c.change.actions.join("+")} ${JSON.stringify(c.change.before)} -> ${JSON.stringify(c.change.after)}`);
    expect(changes).toEqual([]);
    expect(finalPlanText).toMatch(/No changes\./);
    expect(finalPlan.resource_changes.map((c) => c.type).sort()).toEqual(["aws_kms_alias", "aws_kms_key", ...SECRETS.map(() => "aws_ssm_parameter")]);
    expect(heldValues(fake)).toEqual(byParameter((secret) => secrets[secret.label]));
  });

  test("every PutParameter carried a value, and AWS accepted every call", () => {
    const puts = fake.callsOf("PutParameter");
    expect(puts.filter((c) => !(typeof c.body.Value === "string" && c.body.Value.length > 0))).toEqual([]);
    // One create per parameter by terraform, then the host's and the CLI's overwrites; terraform never wrote again.
    expect(puts.map((c) => `${c.body.Name} overwrite=${c.body.Overwrite === true}`).sort())
      .toEqual(parameterNames.flatMap((name) => [`${name} overwrite=false`, `${name} overwrite=true`]).sort());
    expect(fake.calls.filter((c) => c.status !== 200).map((c) => `${c.action} ${c.status} ${JSON.stringify(c.body)}`)).toEqual([]);
  });
});

/**
 * The configuration of the design before 2026-11-30, made from today's synthesized one: a placeholder
 * `value` + `ignore_changes = ["value"]`, `key_id` = the key's ARN, no write-only value.
 */
function oldDesign(config: Record<string, any>): Record<string, any> {
  const old = structuredClone(config);
  const keyName = Object.keys(old.resource.aws_kms_key)[0];
  for (const parameter of Object.values(old.resource.aws_ssm_parameter) as Array<Record<string, any>>) {
    parameter.value = parameter.value_wo;
    delete parameter.value_wo;
    delete parameter.value_wo_version;
    parameter.key_id = `\${aws_kms_key.${keyName}.arn}`;
    parameter.lifecycle = { ignore_changes: ["value"] };
  }
  return old;
}

maybe("upgrading a stack deployed with the earlier design (README: Deployed before 2026-11-30?)", () => {
  const fake = new FakeSsmKms();
  const work = mkdtempSync(path.join(os.tmpdir(), "openclaw-secrets-upgrade-"));
  const secrets = newSecrets();
  let d: Deployment;
  let oldPlan: PlanJson;
  let putsBeforeUpgrade = 0;
  let upgradeFinalPlan = "";

  beforeAll(async () => {
    await fake.start();
    d = await deployment(fake, work);
    writeFileSync(d.configFile, JSON.stringify(oldDesign(d.config), null, 2));
    await d.apply();
    await d.storeSecrets(secrets);
    await d.plan("old.bin");
    oldPlan = await d.addPlan("old.bin");
    d.addState("old design after plan");
    await d.apply("-refresh-only");
    d.addState("old design after apply -refresh-only");
    putsBeforeUpgrade = fake.callsOf("PutParameter").length;
    // The upgrade: today's configuration, planned and applied.
    writeFileSync(d.configFile, JSON.stringify(d.config, null, 2));
    await d.plan("upgrade.bin");
    await d.tf(["apply", "-input=false", "-lock=false", "upgrade.bin"]);
    upgradeFinalPlan = await d.plan("after-upgrade.bin");
  }, 300_000);

  afterAll(async () => {
    await fake.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("control: the earlier design put both secrets into the state and the plan, and drifted on key_id", () => {
    const found = leaks(secrets, d.artefacts);
    expect(found).toEqual(expect.arrayContaining([
      ...SECRETS.map((secret) => `${secret.label} in old design after apply -refresh-only: terraform.tfstate (raw)`),
      `${GATEWAY_TOKEN.label} in terraform show -json old.bin (raw)`,
    ]));
    const drift = oldPlan.resource_changes.filter((c) => c.type === "aws_ssm_parameter" && c.change.actions.join() === "update");
    expect(drift).toHaveLength(SECRETS.length);
  });

  test("the upgrade writes the placeholders over both parameters (non-empty values), and the current state holds no secret", () => {
    const upgradePuts = fake.callsOf("PutParameter").slice(putsBeforeUpgrade);
    expect(Object.fromEntries(upgradePuts.map((c) => [c.body.Name, c.body.Value]))).toEqual(byParameter((secret) => secret.placeholder));
    expect(upgradePuts).toHaveLength(SECRETS.length);
    expect(fake.calls.filter((c) => c.status !== 200).map((c) => `${c.action} ${JSON.stringify(c.body)}`)).toEqual([]);
    expect(leaks(secrets, { state: d.file("terraform.tfstate") })).toEqual([]);
    // The backup (the state before the upgrade apply) still has them: the README's scrub step.
    expect(leaks(secrets, { backup: d.file("terraform.tfstate.backup") })).not.toEqual([]);
    expect(upgradeFinalPlan).toMatch(/No changes\./);
  });
});
