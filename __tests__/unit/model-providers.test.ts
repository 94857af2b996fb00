import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { OpenClawStack } from "../../modules/stack";
import { RULES } from "../../modules/review/audit/rules";
import { auditInputOf } from "../../modules/review/audit/synth";
import { bedrockStatements } from "../../modules/constructs/model-role";
import { hostContract } from "../../modules/host/contract";
import { openclawConfig, secretRef } from "../../modules/host/layout";
import { awsConfigFile, modelCredentialsTool, modelEnvironment } from "../../modules/host/model-credentials";
import { imdsFirewallRules, renderUnits } from "../../modules/host/units";
import { hostFiles } from "../../modules/host";
import { BEDROCK_PLUGIN_PACKAGE, DEFAULT_MODEL, modelProblem } from "../../modules/openclaw/providers";
import { configSchemaProblems } from "../../modules/openclaw/schema";
import { OpenclawConfigObject } from "../../modules/openclaw/merge";
import { openclawLock, openclawLockInstalls } from "../../modules/host/pins";
import { OPENAI_API_KEY } from "../../modules/secrets-catalogue";
import { GatewaySettings, resolveSettingsFile } from "../../modules/settings/settings";
import { testSettings, TEST_DOMAIN, TEST_EMAIL } from "../helpers/settings";

/**
 * Issue 14 item 2: the `model` setting chooses the provider and primary model; memory search follows
 * the provider; Bedrock goes by a model role whose short-lived credentials a root timer hands the
 * gateway (modules/host/model-credentials.ts), never by the metadata service.
 */
const BEDROCK = "amazon-bedrock/us.anthropic.claude-opus-5";
/** Settings with a Bedrock model, past the settings check (which refuses it while the host lock lacks the plugin). */
const bedrock = (overrides: Partial<GatewaySettings> = {}): GatewaySettings => ({ ...testSettings(), model: BEDROCK, ...overrides });

/** The settings file's error for one environment with `model` (and a region), or "" when valid. */
const settingsError = (model: unknown, region?: string): string => {
  try {
    resolveSettingsFile({ environments: [{ environment: "prod", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, model, ...(region ? { region } : {}) }] });
    return "";
  } catch (error) {
    return (error as Error).message;
  }
};

/** The value at a dotted path of an object. */
const at = (object: unknown, field: string): unknown =>
  field.split(".").reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], object);

describe("the model setting", () => {
  test("defaults to the Anthropic model; an OpenAI model is accepted", () => {
    expect(testSettings().model).toBe(DEFAULT_MODEL);
    expect(DEFAULT_MODEL).toBe("anthropic/claude-opus-5");
    expect(settingsError("openai/gpt-5.5")).toBe("");
  });

  test.each([
    ["no provider", "claude-opus-5", /prod › model: got "claude-opus-5"; must be "<provider>\/<model id>" with provider "anthropic", "amazon-bedrock", "openai"/],
    ["an unknown provider", "mistral/large", /prod › model: got "mistral\/large"; must be "<provider>\/<model id>"/],
    ["not a string", 5, /prod › model: got 5; must be "<provider>\/<model id>"/],
    ["a Bedrock model without its inference profile prefix", "amazon-bedrock/anthropic.claude-opus-5",
      /prod › model: got "amazon-bedrock\/anthropic.claude-opus-5"; a Bedrock model must be a cross-Region inference profile id: its model id with a geography prefix, "global." or "us." in us-east-1/],
  ])("%s: one clean error naming the file, the setting, the value and what is allowed", (_name, model, expected) => {
    const error = settingsError(model);
    expect(error.split("\n")).toHaveLength(2);
    expect(error).toMatch(/^Invalid settings in settings\.json:\n/);
    expect(error).toMatch(expected);
  });

  test("a Bedrock profile of another geography than the stack's region is refused, naming the prefixes the region may use", () => {
    expect(settingsError("amazon-bedrock/us.anthropic.claude-opus-5", "eu-west-1")).toBe("Invalid settings in settings.json:\n"
      + '  prod › model: got "amazon-bedrock/us.anthropic.claude-opus-5"; the "us." inference profiles are called from us-* regions, not from the stack\'s region eu-west-1: '
      + 'use "global." or "eu." (e.g. "amazon-bedrock/eu.anthropic.claude-opus-5")');
    expect(modelProblem("amazon-bedrock/jp.anthropic.claude-opus-5", "ap-northeast-1", () => true)).toBeUndefined();
    expect(modelProblem("amazon-bedrock/jp.anthropic.claude-opus-5", "ap-southeast-1", () => true)).toMatch(/use "global." or "apac."/);
    expect(modelProblem("amazon-bedrock/global.anthropic.claude-opus-5", "sa-east-1", () => true)).toBeUndefined();
  });

  test("a valid Bedrock model is refused while the host's openclaw lock lacks the Bedrock plugin, and accepted with it", () => {
    expect(openclawLockInstalls(openclawLock(), BEDROCK_PLUGIN_PACKAGE)).toBe(false);
    expect(openclawLockInstalls(openclawLock(), "openclaw")).toBe(true);
    expect(settingsError(BEDROCK)).toContain(`prod › model: got "${BEDROCK}"; openclaw's amazon-bedrock provider is the plugin ${BEDROCK_PLUGIN_PACKAGE}, which the pinned openclaw does not bundle`);
    expect(modelProblem(BEDROCK, "us-east-1", (name) => name === BEDROCK_PLUGIN_PACKAGE)).toBeUndefined();
  });
});

describe("openclaw.json per provider: the primary model, the provider and memory search", () => {
  const configOf = (s: GatewaySettings) => openclawConfig(s) as OpenclawConfigObject;

  test("anthropic: the key's SecretRef, memory search explicitly off", () => {
    const config = configOf(testSettings());
    expect(at(config, "agents.defaults.model.primary")).toBe("anthropic/claude-opus-5");
    expect(at(config, "memory.search")).toEqual({ enabled: false, rememberAcrossConversations: false });
    expect(at(config, "plugins")).toBeUndefined();
  });

  test("openai: its key's SecretRef, and memory search with OpenAI's embeddings", () => {
    const config = configOf({ ...testSettings(), model: "openai/gpt-5.5" });
    expect(at(config, "agents.defaults.model.primary")).toBe("openai/gpt-5.5");
    expect(at(config, "models.providers.openai.apiKey")).toEqual(secretRef(OPENAI_API_KEY));
    expect(at(config, "memory.search")).toEqual({ provider: "openai" });
  });

  test("amazon-bedrock: no key, the SDK's chain, discovery enabled explicitly in the stack's region, Titan embeddings", () => {
    const config = configOf(bedrock({ region: "us-west-2", availabilityZone: "us-west-2a" }));
    expect(at(config, "agents.defaults.model.primary")).toBe(BEDROCK);
    expect(at(config, "models.providers.amazon-bedrock")).toEqual({
      baseUrl: "https://bedrock-runtime.us-west-2.amazonaws.com", api: "bedrock-converse-stream", auth: "aws-sdk",
    });
    expect(at(config, "plugins.entries.amazon-bedrock")).toEqual({ enabled: true, config: { discovery: { enabled: true, region: "us-west-2" } } });
    expect(at(config, "memory.search")).toEqual({ provider: "bedrock", model: "amazon.titan-embed-text-v2:0" });
  });

  test.each([["anthropic", DEFAULT_MODEL], ["openai", "openai/gpt-5.5"], ["amazon-bedrock", BEDROCK]])(
    "%s: the rendered config satisfies the pinned openclaw's config schema", (_name, model) => {
      expect(configSchemaProblems(configOf({ ...testSettings(), model }))).toEqual([]);
    });

  test("the overlay still wins over the provider's defaults (memory search back on)", () => {
    const config = configOf({ ...testSettings(), openclaw: { memory: { search: { enabled: true } } } });
    expect(at(config, "memory.search")).toEqual({ enabled: true, rememberAcrossConversations: false });
  });
});

describe("IAM: Bedrock through a model role the host role may only assume", () => {
  type Synth = { resource: Record<string, Record<string, Record<string, any>>> };
  const synth = (s: GatewaySettings): Synth => JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), s)));
  const roles = (p: Synth) => Object.values(p.resource.aws_iam_role);
  const policies = (p: Synth) => Object.values(p.resource.aws_iam_role_policy).map((r) => ({ name: r.name, doc: JSON.parse(r.policy) }));

  test("the statements: the profile and its foundation model in every region, Titan in the region, the two List calls on *", () => {
    expect(bedrockStatements(bedrock())).toEqual([
      {
        Sid: "InvokeChosenModel", Effect: "Allow", Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        Resource: ["arn:aws:bedrock:us-east-1:*:inference-profile/us.anthropic.claude-opus-5", "arn:aws:bedrock:*::foundation-model/anthropic.claude-opus-5"],
      },
      { Sid: "EmbedMemory", Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: ["arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"] },
      { Sid: "DiscoverModels", Effect: "Allow", Action: ["bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles"], Resource: ["*"] },
    ]);
    expect(bedrockStatements(testSettings())).toEqual([]);
    expect(bedrockStatements({ ...testSettings(), model: "openai/gpt-5.5" })).toEqual([]);
  });

  test("Bedrock: a model role trusted by the host role only, holding the statements; the host role holds none of them", () => {
    const parsed = synth(bedrock());
    const model = roles(parsed).find((r) => r.name === "openclaw-test-model")!;
    expect(JSON.parse(model.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { AWS: expect.stringMatching(/^\$\{aws_iam_role\.host-role_[A-Z0-9]+\.arn\}$/) }, Action: "sts:AssumeRole" },
    ]);
    expect(model.max_session_duration).toBe(3600);
    const byName = Object.fromEntries(policies(parsed).map((p) => [p.name, p.doc.Statement]));
    expect(byName["openclaw-test-model"]).toEqual(bedrockStatements(bedrock()));
    const host = byName["openclaw-test-host"] as Array<{ Sid: string; Action: string[]; Resource: string[] }>;
    expect(host.find((s) => s.Sid === "AssumeModelRole")).toEqual({
      Sid: "AssumeModelRole", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: [expect.stringMatching(/^\$\{aws_iam_role\.host-role_model_[A-Za-z0-9_]+\.arn\}$/)],
    });
    expect(host.flatMap((s) => s.Action).filter((a) => a.startsWith("bedrock:"))).toEqual([]);
  });

  test("the audit's IAM rules find nothing in a Bedrock stack they do not find in the default one (the List calls' \"*\" included)", () => {
    const findings = (s: GatewaySettings) => {
      const input = auditInputOf(new OpenClawStack(Testing.app(), s));
      return RULES.filter((r) => r.id.startsWith("Iam") || r.id === "HostRoleBoundary").flatMap((r) => r.check(input).violations.map((v) => `${r.id}: ${v.message}`));
    };
    expect(findings(bedrock())).toEqual(findings(testSettings()));
  });

  test("the default (Anthropic) and OpenAI: no model role, no sts:AssumeRole", () => {
    for (const s of [testSettings(), { ...testSettings(), model: "openai/gpt-5.5" }]) {
      const parsed = synth(s);
      expect(roles(parsed).map((r) => r.name)).not.toContain("openclaw-test-model");
      expect(JSON.stringify(policies(parsed))).not.toMatch(/sts:AssumeRole|bedrock:/);
    }
  });
});

describe("the host: the gateway's model credentials without the metadata service", () => {
  const s = bedrock();
  const c = hostContract(s);

  test("the gateway's environment names the shared config whose default profile prints the credentials file; no IMDS", () => {
    expect(modelEnvironment(s, c)).toEqual({ AWS_CONFIG_FILE: "/etc/openclaw/model-aws-config", AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" });
    expect(awsConfigFile(c)).toBe("[default]\ncredential_process = /usr/bin/cat /run/openclaw-model/credentials.json\n");
    const gateway = renderUnits(s, c)[c.gatewayUnit];
    expect(gateway).toContain("\nWants=openclaw-model-credentials.service\nWants=openclaw-model-credentials.timer\n");
    expect(gateway).toContain("\nAfter=openclaw-model-credentials.service\n");
    expect(gateway).toContain("\nEnvironment=AWS_CONFIG_FILE=/etc/openclaw/model-aws-config\n");
    // The metadata service stays closed to the gateway's user, as for every other provider.
    expect(gateway).toContain("\nIPAddressDeny=169.254.169.254 fd00:ec2::254\n");
    expect(imdsFirewallRules(s, c)).toBe(imdsFirewallRules(testSettings(), c));
  });

  test("the renewal: a root oneshot with the gateway's group and a kept 0750 runtime directory, every 15 minutes", () => {
    const units = renderUnits(s, c);
    expect(units[c.modelCredentialsServiceUnit]).toContain("\nGroup=openclaw\n");
    expect(units[c.modelCredentialsServiceUnit]).not.toContain("\nUser=");
    expect(units[c.modelCredentialsServiceUnit]).toContain("\nRuntimeDirectory=openclaw-model\nRuntimeDirectoryMode=0750\nRuntimeDirectoryPreserve=yes\n");
    expect(units[c.modelCredentialsServiceUnit]).toContain("\nCapabilityBoundingSet=\n");
    expect(units[c.modelCredentialsTimerUnit]).toContain("\nOnActiveSec=15min\nOnUnitActiveSec=15min\nUnit=openclaw-model-credentials.service\n");
    const written = hostFiles(s, c).map((f) => [f.path, f.mode, f.owner].join(" "));
    for (const name of [c.modelCredentialsServiceUnit, c.modelCredentialsTimerUnit]) expect(written).toContain(`/etc/systemd/system/${name} 644 root:root`);
    expect(written).toContain("/etc/openclaw/model-aws-config 644 root:root");
    expect(written).toContain("/usr/local/sbin/openclaw-model-credentials 755 root:root");
  });

  test("the default and OpenAI render none of it", () => {
    for (const other of [testSettings(), { ...testSettings(), model: "openai/gpt-5.5" }]) {
      const units = renderUnits(other, hostContract(other));
      expect(Object.keys(units).filter((u) => u.includes("model"))).toEqual([]);
      expect(units[c.gatewayUnit]).not.toMatch(/AWS_|model-credentials/);
      expect(JSON.stringify(hostFiles(other, hostContract(other)))).not.toMatch(/model-aws-config|openclaw-model-credentials/);
    }
  });

  describe("openclaw-model-credentials against a fake aws command, then the AWS SDK's default chain reading what it wrote", () => {
    let dir: string;
    beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), "model-credentials-")); });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const SESSION = {
      Version: 1, AccessKeyId: "ASIAEXAMPLEMODELROLE1", SecretAccessKey: "secret/of+the/model+role/000000000000000",
      SessionToken: "session-token-of-the-model-role", Expiration: "2099-01-01T00:00:00+00:00",
    };

    test("writes the session as credential_process JSON, mode 0440, assuming the model role of the caller's account; no credential in argv", () => {
      const bin = path.join(dir, "bin");
      const calls = path.join(dir, "calls");
      spawnSync("mkdir", ["-p", bin]);
      writeFileSync(path.join(bin, "aws"), `#!/bin/bash
printf '%s\\n' "$*" >>${JSON.stringify(calls)}
case "$1 $2" in
  "sts get-caller-identity") echo 111122223333 ;;
  "sts assume-role") printf '%s\\n' ${JSON.stringify(JSON.stringify(SESSION))} ;;
  *) exit 1 ;;
esac
`);
      chmodSync(path.join(bin, "aws"), 0o755);
      const file = path.join(dir, "credentials.json");
      const tool = modelCredentialsTool(s, { ...c, modelCredentialsFile: file });
      const r = spawnSync("bash", ["-c", tool], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` } });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`openclaw-model-credentials: renewed ${file}\n`);
      expect(r.stdout + r.stderr).not.toMatch(/ASIA|secret\/of|session-token/);
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(SESSION);
      expect((statSync(file).mode & 0o777).toString(8)).toBe("440");
      const argv = readFileSync(calls, "utf8");
      expect(argv).toContain("sts assume-role --cli-connect-timeout 10 --cli-read-timeout 30 --role-arn arn:aws:iam::111122223333:role/openclaw-test-model --role-session-name openclaw-test-model --duration-seconds 3600");
      expect(argv).not.toMatch(/ASIA|secret\/of|session-token/);
    });

    test("the SDK's default chain, in the gateway's environment, takes the model role's session from that file", async () => {
      const file = path.join(dir, "credentials.json");
      const config = path.join(dir, "aws-config");
      writeFileSync(config, awsConfigFile({ modelCredentialsFile: file }));
      const saved = { ...process.env };
      try {
        for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
        Object.assign(process.env, modelEnvironment(s, { awsConfigFile: config }), { HOME: dir });
        const credentials = await defaultProvider()();
        expect(credentials).toMatchObject({
          accessKeyId: SESSION.AccessKeyId, secretAccessKey: SESSION.SecretAccessKey, sessionToken: SESSION.SessionToken,
          expiration: new Date(SESSION.Expiration),
        });
      } finally {
        process.env = saved;
      }
    });
  });
});
