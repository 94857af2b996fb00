import { mockClient } from "aws-sdk-client-mock";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import {
  GetCommandInvocationCommand,
  GetParameterCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { CapturedIo, testOpsIo } from "../helpers/ops-io";
import { OpsIo } from "../../modules/ops/context";
import { Testing } from "cdktf";
import { runOps, usageText } from "../../modules/ops/cli";
import { OperationSpec, OPERATIONS, setSecretOperation } from "../../modules/ops/operations";
import { GatewayOperations } from "../../modules/constructs/operations";
import type { SecretSpec } from "../../modules/secrets-catalogue";
import { testSettings } from "../helpers/settings";
import { ttyProgress } from "../../modules/ops/run";
import { GATEWAY_TOKEN_PLACEHOLDER } from "../../modules/secrets-catalogue";
import { constants, createPublicKey, publicEncrypt } from "node:crypto";
import { newSealingKey, PUBLIC_KEY_PATTERN } from "../../modules/ops/sealed";

// RSA-3072 key generation per request: its prime search takes 0.1–3 s, longer on a loaded machine with two jest workers.
jest.setTimeout(30_000);

/**
 * The operator CLI against the real SDK v3 clients, mocked at the transport level
 * (aws-sdk-client-mock replaces each client's send): GIVEN what AWS answers, WHEN a command
 * runs, THEN its output, its exit code and the requests it made.
 */
const ssm = mockClient(SSMClient);
const autoScaling = mockClient(AutoScalingClient);

const UUID = "0b5c1a52-7d0e-4f7e-9a51-2c3d4e5f6a7b";
const API_KEY = "sk-ant-api03-CANARY-abcdefghijklmnopqrstuvwxyz0123456789";
const SETTINGS_FILE = {
  environments: [
    { environment: "prod", domainName: "gateway.example.org", acmeEmail: "ops@example.org", region: "eu-west-1" },
    { environment: "staging", domainName: "staging.example.org", acmeEmail: "ops@example.org" },
  ],
};

/** A test io: captured output, the settings above, real SDK adapter (mocked transport), fake clock. */
const testIo = (secret = "", settingsFile: object = SETTINGS_FILE) => testOpsIo({ settingsFile, secret, now: 1_700_000_000_000 });

const inService = (id = "i-0123456789abcdef0") => ({
  AutoScalingGroups: [{
    AutoScalingGroupName: "openclaw-prod", MinSize: 1, MaxSize: 1, DesiredCapacity: 1, DefaultCooldown: 300,
    AvailabilityZones: ["eu-west-1a"], HealthCheckType: "EC2", CreatedTime: new Date(),
    Instances: [{ InstanceId: id, LifecycleState: "InService" as const, HealthStatus: "Healthy", AvailabilityZone: "eu-west-1a", ProtectedFromScaleIn: false }],
  }],
});
const invocation = (status: string, stdout = "", stderr = "", code = 0, details = status) => ({
  Status: status as any, StatusDetails: details, ResponseCode: code, StandardOutputContent: stdout, StandardErrorContent: stderr,
});
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });

const devicesMain = (argv: string[], io: OpsIo) => runOps("devices", argv, io);
const secretsMain = (argv: string[], io: OpsIo) => runOps("secrets", argv, io);
const everythingPrinted = (c: CapturedIo) => [...c.out, ...c.err, ...c.progress].join("\n");

beforeEach(() => {
  ssm.reset();
  autoScaling.reset();
  // The group answers under whatever name was asked for (environments differ in names only).
  autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input) => {
    const group = inService().AutoScalingGroups[0];
    return { AutoScalingGroups: [{ ...group, AutoScalingGroupName: input.AutoScalingGroupNames[0] }] };
  });
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
});

describe("npm run devices -- list", () => {
  const list = {
    pending: [{ requestId: UUID, deviceId: "dev-new", displayName: "Laptop browser", platform: "web", role: "operator", remoteIp: "203.0.113.7", ts: 1_700_000_000_000 - 60_000 }],
    paired: [{ deviceId: "dev-old", displayName: "Phone", platform: "ios", role: "operator", connected: true }],
  };

  test("finds the InService instance, sends the list document, prints both tables", async () => {
    ssm.on(GetCommandInvocationCommand)
      .rejectsOnce(awsError("InvocationDoesNotExist"))
      .resolvesOnce(invocation("InProgress"))
      .resolves(invocation("Success", JSON.stringify(list)));
    const c = testIo();
    expect(await devicesMain(["list", "--env", "prod"], c.io)).toBe(0);

    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0].args[0].input).toEqual({ AutoScalingGroupNames: ["openclaw-prod"] });
    const sent = ssm.commandCalls(SendCommandCommand)[0].args[0].input;
    expect(sent).toMatchObject({ DocumentName: "openclaw-prod-devices-list", InstanceIds: ["i-0123456789abcdef0"], Parameters: {} });
    const text = c.out.join("\n");
    expect(text).toContain(UUID);
    expect(text).toContain("Laptop browser");
    // Created 60 s before the start; two 2 s polls later 3m 56s of its 5 minutes are left.
    expect(text).toContain("3m 56s left");
    expect(text).toContain("dev-old");
    expect(c.progress).toContain("<done>");
    expect(c.progress.some((p) => p.includes("InProgress"))).toBe(true);
  });

  test("defaults to the first environment of the settings (and its region)", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify({ pending: [], paired: [] })));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(0);
    expect(await ssm.call(0).thisValue.config.region()).toBe("eu-west-1");
    expect(c.out.join("\n")).toContain("Pending requests: none");
  });

  test("--json prints the host's JSON unchanged", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", `${JSON.stringify(list)}\n`));
    const c = testIo();
    expect(await devicesMain(["list", "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.out.join(""))).toEqual(list);
  });

  test("unknown --env names the known environments", async () => {
    const c = testIo();
    expect(await devicesMain(["list", "--env", "qa"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain('No environment "qa" in the settings; known: prod, staging');
  });
});

describe("client-controlled strings reach the terminal without control characters", () => {
  /** Clipboard write (OSC 52), clear screen, carriage return, right-to-left override, C1 CSI, newline. */
  const HOSTILE = "\u001b]52;c;Y3VybCBldmlsfHNo\u0007Laptop\u001b[2J\rPhone\u202egnp.exe\u009b31m\nApproved";
  const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
  const list = {
    pending: [{ requestId: UUID, deviceId: "dev-new", displayName: HOSTILE, platform: `web${HOSTILE}`, clientId: HOSTILE, role: HOSTILE, remoteIp: "203.0.113.7", ts: 1_700_000_000_000 }],
    paired: [{ deviceId: `dev-old${HOSTILE}`, displayName: HOSTILE, platform: HOSTILE, roles: [HOSTILE, "operator"], connected: true }],
  };
  const printedLines = (c: CapturedIo) => [...c.out, ...c.err].join("\n").split("\n");

  test("devices list: names, platforms, roles escaped; each row stays one line", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify(list)));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(0);
    const text = c.out.join("\n");
    expect(text).not.toMatch(CONTROLS);
    expect(text).toContain("\\u001b]52;c;Y3VybCBldmlsfHNo\\u0007Laptop\\u001b[2J\\u000dPhone\\u202egnp.exe\\u009b31m\\u000aApproved");
    // The header, the request row, a blank line, the paired header and row, the paired device row.
    expect(printedLines(c).filter((l) => l.includes(UUID))).toHaveLength(1);
    expect(printedLines(c).filter((l) => l.includes("dev-old"))).toHaveLength(1);
  });

  test("devices list --json: still the host's JSON (same values), with the controls escaped", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify(list)));
    const c = testIo();
    expect(await devicesMain(["list", "--json"], c.io)).toBe(0);
    expect(c.out.join("\n")).not.toMatch(CONTROLS);
    expect(JSON.parse(c.out.join("\n"))).toEqual(list);
  });

  test("approve: the device name in the sentence is escaped", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify({ requestId: UUID, device: { displayName: HOSTILE } })));
    const c = testIo();
    expect(await devicesMain(["approve", UUID], c.io)).toBe(0);
    expect(c.out.join("\n")).not.toMatch(CONTROLS);
    expect(c.out.join("\n")).toMatch(/^Approved request .* \(device \\u001b\]52;.*\)\. The device's next connection succeeds\.$/);
  });

  test("a failure whose host output echoes a client string: the error message is escaped too", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Failed", "", `device ${HOSTILE} is not allowed`, 1));
    const c = testIo();
    expect(await devicesMain(["approve", UUID], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("The command failed on the host (exit 1).");
    expect(c.err.join("\n")).not.toMatch(CONTROLS);
  });
});

describe("npm run devices -- approve/reject", () => {
  test("approve sends the request id as the document parameter and reports the device", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify({ requestId: UUID, device: { deviceId: "dev-new", displayName: "Laptop browser" } })));
    const c = testIo();
    expect(await devicesMain(["approve", UUID], c.io)).toBe(0);
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toMatchObject({
      DocumentName: "openclaw-prod-devices-approve", Parameters: { requestId: [UUID] },
    });
    expect(c.out.join("\n")).toBe(`Approved request ${UUID} (device Laptop browser). The device's next connection succeeds.`);
  });

  test("reject uses the reject document", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify({ requestId: UUID, deviceId: "dev-new" })));
    const c = testIo();
    expect(await devicesMain(["reject", UUID], c.io)).toBe(0);
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.DocumentName).toBe("openclaw-prod-devices-reject");
    expect(c.out.join("\n")).toContain(`Rejected request ${UUID}`);
  });

  test.each([
    ["approve", `No pending device request matches ${UUID}. Run openclaw devices list and retry with the current request ID.`],
    ["reject", "Error: unknown requestId"],
  ])("%s of an expired or unknown request: says so, exit 1", async (command, hostError) => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Failed", "", hostError, 1));
    const c = testIo();
    expect(await devicesMain([command, UUID], c.io)).toBe(1);
    const message = c.err.join("\n");
    expect(message).toContain(`No pending pairing request ${UUID}`);
    expect(message).toContain("expired (pending requests vanish after 5 minutes)");
    expect(message).toContain("npm run devices -- list");
  });

  test.each([
    ["not a uuid", ["approve", "latest"]],
    ["shell injection", ["approve", `${UUID}; reboot`]],
    ["missing id", ["approve"]],
    ["two ids", ["reject", UUID, UUID]],
  ])("%s: usage error (exit 2) and nothing is sent", async (_what, argv) => {
    const c = testIo();
    expect(await devicesMain(argv, c.io)).toBe(2);
    expect(c.err.join("\n")).toMatch(/^error: .*\n\nusage: npm run devices/);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(0);
  });
});

describe("npm run devices -- dashboard", () => {
  const browserUrl = `http://127.0.0.1:18789/#${new URLSearchParams({ bootstrapToken: "one-time-abc", profile: "owner", gatewayUrl: "ws://127.0.0.1:18789" })}`;
  /** The host's side, as the document does it: seal the link to the key the CLI sent (RSA-OAEP-SHA256). */
  function hostSeals(answer: Record<string, unknown> = {}) {
    ssm.on(SendCommandCommand).callsFake((input) => {
      const key = createPublicKey({ key: Buffer.from(input.Parameters.publicKey[0], "base64"), format: "der", type: "spki" });
      const sealed = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(browserUrl)).toString("base64");
      ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify({
        ok: true, browserBootstrapExpiresAtMs: 1_700_000_000_000 + 600_000, sealedBrowserUrl: sealed, ...answer,
      })));
      return { Command: { CommandId: "cmd-1" } };
    });
  }

  test("sends a fresh public key per request, opens the sealed answer, prints the link on the public origin with the fragment kept", async () => {
    hostSeals();
    for (let i = 0; i < 2; i++) {
      const c = testIo();
      expect(await devicesMain(["dashboard"], c.io)).toBe(0);
      const link = c.out.join("\n").split("\n").find((l) => l.startsWith("https://"))!;
      const url = new URL(link);
      expect(url.origin).toBe("https://gateway.example.org");
      const fragment = new URLSearchParams(url.hash.slice(1));
      expect(fragment.get("bootstrapToken")).toBe("one-time-abc");
      expect(fragment.get("gatewayUrl")).toBe("wss://gateway.example.org");
      expect(c.out.join("\n")).toContain("expires in 10 minutes");
    }
    const sent = ssm.commandCalls(SendCommandCommand).map((call) => call.args[0].input);
    expect(sent.map((input) => input.DocumentName)).toEqual(["openclaw-prod-dashboard-link", "openclaw-prod-dashboard-link"]);
    for (const input of sent) {
      expect(Object.keys(input.Parameters!)).toEqual(["publicKey"]);
      expect(input.Parameters!.publicKey[0]).toMatch(new RegExp(PUBLIC_KEY_PATTERN));
    }
    expect(sent[0].Parameters!.publicKey[0]).not.toBe(sent[1].Parameters!.publicKey[0]);
  });

  test("an answer sealed to another key: refused, nothing printed but the error", async () => {
    const other = await newSealingKey();
    const wrong = publicEncrypt({ key: createPublicKey({ key: Buffer.from(other.publicKey, "base64"), format: "der", type: "spki" }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(browserUrl));
    hostSeals({ sealedBrowserUrl: wrong.toString("base64") });
    const c = testIo();
    expect(await devicesMain(["dashboard"], c.io)).toBe(1);
    expect(c.out).toEqual([]);
    expect(c.err.join("\n")).toBe("error: The host's answer does not open with this request's key (it was sealed to another key or damaged).");
  });

  test("an old document that prints the link in the clear: refused, the link is not printed", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", JSON.stringify({ ok: true, browserUrl })));
    const c = testIo();
    expect(await devicesMain(["dashboard"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("no sealed link");
    expect(everythingPrinted(c)).not.toContain("one-time-abc");
  });

  test("a gateway that cannot issue a link: its reason, exit 1", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Failed", '{"ok":false,"reason":"Gateway is not ready"}', "", 1));
    const c = testIo();
    expect(await devicesMain(["dashboard"], c.io)).toBe(1);
    expect(c.err.join("\n")).toBe("error: The gateway refused: Gateway is not ready");
  });

  test("--json does not apply: the host's JSON holds only ciphertext", async () => {
    const c = testIo();
    expect(await devicesMain(["dashboard", "--json"], c.io)).toBe(2);
    expect(c.err.join("\n")).toMatch(/^error: --json only applies to list, approve, reject/);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });
});

describe("clear errors", () => {
  test("no credentials", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(/^error: No AWS credentials found\. Configure them/);
  });

  test("expired credentials", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(awsError("ExpiredToken", "The security token included in the request is expired"));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("Your AWS credentials have expired (ExpiredToken)");
  });

  test("access denied names the action", async () => {
    ssm.on(SendCommandCommand).rejects(awsError("AccessDeniedException", "not authorized to perform ssm:SendCommand"));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toBe("error: AWS denied sending the command: not authorized to perform ssm:SendCommand");
  });

  test("no running instance: the group's instances and their states", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [{ ...inService().AutoScalingGroups[0], Instances: [{ ...inService().AutoScalingGroups[0].Instances[0], LifecycleState: "Pending" }] }],
    });
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("No running instance in Auto Scaling group openclaw-prod (eu-west-1): i-0123456789abcdef0 Pending");
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test("an empty group", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ ...inService().AutoScalingGroups[0], Instances: [] }] });
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("the group has no instances");
  });

  test("no group: the stack is not deployed (or wrong --env/region)", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("Auto Scaling group openclaw-prod not found in eu-west-1");
  });

  test("the document does not exist", async () => {
    ssm.on(SendCommandCommand).rejects(awsError("InvalidDocument"));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("Deploy the stack first (cdktf deploy openclaw-prod)");
  });

  test("the agent is not online", async () => {
    ssm.on(SendCommandCommand).rejects(awsError("InvalidInstanceId"));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("its SSM agent is not online");
  });

  test("the CLI stops waiting after its bound and says how to look later", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("InProgress", "", "", -1));
    const c = testIo();
    const started = c.clock.now;
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(/Gave up waiting after 21\ds: command cmd-1 on i-0123456789abcdef0 is still InProgress/);
    expect(c.err.join("\n")).toContain("aws ssm get-command-invocation --region eu-west-1 --command-id cmd-1");
    // Bounded: list's step timeout (120 s) + delivery (60 s) + 30 s, polled every 2 s.
    expect(c.clock.now - started).toBeLessThanOrEqual(212_000);
    expect(ssm.commandCalls(GetCommandInvocationCommand).length).toBeLessThanOrEqual(107);
  });

  test("the command timed out on the host", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("TimedOut", "", "still waiting for the gateway", -1, "ExecutionTimedOut"));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("The command ran longer than 120s on the host and was stopped.");
    expect(c.err.join("\n")).toContain("still waiting for the gateway");
  });

  test("the agent never picked the command up", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("TimedOut", "", "", -1, "DeliveryTimedOut"));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("did not pick the command up in time");
  });

  test("any other failure: exit code and the tail of the host's output", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Failed", "", "openclaw-admin: /run/openclaw/gateway-secrets.json is missing", 1));
    const c = testIo();
    expect(await devicesMain(["list"], c.io)).toBe(1);
    expect(c.err.join("\n")).toBe("error: The command failed on the host (exit 1).\nHost output:\nopenclaw-admin: /run/openclaw/gateway-secrets.json is missing");
  });

  test("unknown command and unknown option are usage errors", async () => {
    for (const argv of [["pair"], ["list", "--force"], []]) {
      const c = testIo();
      expect(await devicesMain(argv, c.io)).toBe(2);
      expect(c.err.join("\n")).toContain("usage: npm run devices");
    }
  });
});

describe("npm run secrets", () => {
  test("set-api-key: stdin → PutParameter (SecureString, the stack's KMS alias, overwrite) → refresh document", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 3 });
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", "", "openclaw-refresh-secrets: wrote /run/openclaw/gateway-secrets.json"));
    const c = testIo(`${API_KEY}\n`);
    expect(await secretsMain(["set-api-key", "--env", "prod"], c.io)).toBe(0);
    expect(ssm.commandCalls(PutParameterCommand)[0].args[0].input).toEqual({
      Name: "/openclaw/prod/anthropic-api-key", Value: API_KEY, Type: "SecureString", KeyId: "alias/openclaw-prod", Overwrite: true,
    });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.DocumentName).toBe("openclaw-prod-refresh-secrets");
    expect(everythingPrinted(c)).not.toContain(API_KEY);
    expect(c.out.join("\n")).toContain("The gateway restarted with the new Anthropic API key.");
  });

  test("set-openai-key: stdin → the OpenAI key's parameter → refresh document", async () => {
    const key = "sk-proj-openclaw-aws-test-key-0000000000000000";
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", "", "openclaw-refresh-secrets: wrote /run/openclaw/gateway.env"));
    const c = testIo(`${key}\n`);
    expect(await secretsMain(["set-openai-key", "--env", "prod"], c.io)).toBe(0);
    expect(ssm.commandCalls(PutParameterCommand)[0].args[0].input).toEqual({
      Name: "/openclaw/prod/openai-api-key", Value: key, Type: "SecureString", KeyId: "alias/openclaw-prod", Overwrite: true,
    });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.DocumentName).toBe("openclaw-prod-refresh-secrets");
    expect(everythingPrinted(c)).not.toContain(key);
    expect(c.out.join("\n")).toContain("The gateway restarted with the new OpenAI API key.");
  });

  /** The settings above with Telegram enabled in prod (the token's parameter exists only then). */
  const WITH_TELEGRAM = {
    environments: SETTINGS_FILE.environments.map((e) => (e.environment === "prod"
      ? { ...e, openclaw: { channels: { telegram: { dmPolicy: "allowlist", allowFrom: ["424242001"] } } } } : e)),
  };
  const TELEGRAM_TOKEN = "7000000001:AAtest-openclaw-aws-fake-bot-token000";

  test("set <id>: any operator secret by its catalogue id; a channel's token → its parameter → refresh document", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success"));
    const c = testIo(`${TELEGRAM_TOKEN}\n`, WITH_TELEGRAM);
    const prompts: string[] = [];
    const read = c.io.readSecret;
    c.io.readSecret = async (prompt) => { prompts.push(prompt); return read(prompt); };
    expect(await secretsMain(["set", "telegram-bot-token", "--env", "prod"], c.io)).toBe(0);
    expect(prompts).toEqual(["Telegram bot token (input hidden): "]);
    expect(ssm.commandCalls(PutParameterCommand)[0].args[0].input).toEqual({
      Name: "/openclaw/prod/telegram-bot-token", Value: TELEGRAM_TOKEN, Type: "SecureString", KeyId: "alias/openclaw-prod", Overwrite: true,
    });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.DocumentName).toBe("openclaw-prod-refresh-secrets");
    expect(everythingPrinted(c)).not.toContain(TELEGRAM_TOKEN);
    expect(c.out).toEqual(["The gateway restarted with the new Telegram bot token."]);
    // The model keys' own commands have a generic twin.
    const key = testIo(`${API_KEY}\n`);
    expect(await secretsMain(["set", "anthropic-api-key"], key.io)).toBe(0);
    expect(ssm.commandCalls(PutParameterCommand)[1].args[0].input).toMatchObject({ Name: "/openclaw/prod/anthropic-api-key", Value: API_KEY });
  });

  test("set <id> of a channel the environment does not enable: refused before anything is read or written", async () => {
    const c = testIo(TELEGRAM_TOKEN);
    expect(await secretsMain(["set", "slack-bot-token", "--env", "prod"], c.io)).toBe(1);
    expect(c.err.join("\n")).toBe("error: The Slack bot token is used only while the openclaw setting enables channels.slack; environment prod "
      + "does not, so it has no parameter /openclaw/prod/slack-bot-token. Enable the channel in the settings (docs/settings.md#channels), "
      + "deploy, then store the token.");
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test("set with the secret typed in place of its name: refused without echoing it; the gateway token is not the operator's", async () => {
    for (const argv of [["set", TELEGRAM_TOKEN], ["set", "gateway-token"], ["set", "telegram-bot-token", TELEGRAM_TOKEN]]) {
      const c = testIo(TELEGRAM_TOKEN, WITH_TELEGRAM);
      expect(await secretsMain(argv, c.io)).toBe(2);
      expect(everythingPrinted(c)).not.toContain(TELEGRAM_TOKEN);
    }
    const c = testIo(TELEGRAM_TOKEN, WITH_TELEGRAM);
    await secretsMain(["set", TELEGRAM_TOKEN], c.io);
    expect(c.err.join("\n").split("\n")[0]).toBe("error: that is not a secret name (not repeated here); secret names are catalogue ids such as anthropic-api-key, "
      + "openai-api-key, telegram-bot-token, slack-bot-token, slack-app-token, discord-bot-token. The value itself is read from stdin or a "
      + "hidden prompt, never from the command line: if you typed it here, remove it from your shell history.");
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test("set-api-key refuses a key on the command line, without echoing it and without writing anything", async () => {
    const c = testIo(API_KEY);
    expect(await secretsMain(["set-api-key", API_KEY], c.io)).toBe(2);
    expect(everythingPrinted(c)).not.toContain(API_KEY);
    expect(c.err.join("\n")).toContain("never from the command line");
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test.each([
    ["empty", ""],
    ["two lines", `${API_KEY}\n${API_KEY}`],
    ["a quote", `${API_KEY}"`],
    ["too short", "sk-ant-x"],
  ])("set-api-key rejects %s input without printing it", async (_what, input) => {
    const c = testIo(input);
    expect(await secretsMain(["set-api-key"], c.io)).toBe(1);
    if (input.length > 0) expect(everythingPrinted(c)).not.toContain(input.split("\n")[0]);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test("set-api-key with no running instance: stored, says the next boot reads it, exit 0", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ ...inService().AutoScalingGroups[0], Instances: [] }] });
    const c = testIo(API_KEY);
    expect(await secretsMain(["set-api-key"], c.io)).toBe(0);
    expect(c.err.join("\n")).toContain("the next host reads it when it boots");
  });

  test("set-api-key when the refresh fails: exit 1, says the key is stored", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Failed", "", "openclaw-refresh-secrets: FAILED: reading …", 1));
    const c = testIo(API_KEY);
    expect(await secretsMain(["set-api-key"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("The Anthropic API key is stored, but refreshing the gateway failed");
  });

  test("set-api-key without credentials: clear error, nothing printed of the key", async () => {
    ssm.on(PutParameterCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));
    const c = testIo(API_KEY);
    expect(await secretsMain(["set-api-key"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("No AWS credentials found");
    expect(everythingPrinted(c)).not.toContain(API_KEY);
  });

  test("rotate-token runs the rotate document and prints no token", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", "", "openclaw-refresh-secrets: generated a new gateway token"));
    const c = testIo();
    expect(await secretsMain(["rotate-token"], c.io)).toBe(0);
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.DocumentName).toBe("openclaw-prod-rotate-token");
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  test("refresh runs the refresh document", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success"));
    const c = testIo();
    expect(await secretsMain(["refresh", "--env", "staging"], c.io)).toBe(0);
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.DocumentName).toBe("openclaw-staging-refresh-secrets");
  });

  test("show-token prints the value only with --reveal", async () => {
    const token = "f00dcafe".repeat(8);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: "/openclaw/prod/gateway-token", Value: token, Version: 4, LastModifiedDate: new Date(0) } });
    const hidden = testIo();
    expect(await secretsMain(["show-token"], hidden.io)).toBe(0);
    expect(everythingPrinted(hidden)).not.toContain(token);
    expect(hidden.err.join("\n")).toContain("version 4");
    const shown = testIo();
    expect(await secretsMain(["show-token", "--reveal"], shown.io)).toBe(0);
    expect(shown.out).toEqual([token]);
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: "/openclaw/prod/gateway-token", WithDecryption: true });
  });

  test("show-token before the first boot says so", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: GATEWAY_TOKEN_PLACEHOLDER, Version: 1 } });
    const c = testIo();
    expect(await secretsMain(["show-token", "--reveal"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("still holds its placeholder");
  });

  test("--reveal anywhere else is a usage error", async () => {
    const c = testIo();
    expect(await secretsMain(["rotate-token", "--reveal"], c.io)).toBe(2);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });
});

describe("progress indicator", () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream };
  };

  test("draws on a terminal and clears its line when done", () => {
    const s = stream(true);
    const progress = ttyProgress(s.stream);
    progress.update("waiting");
    progress.done();
    expect(s.written[0]).toMatch(/^\r\x1b\[2K. waiting$/);
    expect(s.written[1]).toBe("\r\x1b[2K");
  });

  test("writes nothing when stderr is not a terminal", () => {
    const s = stream(false);
    const progress = ttyProgress(s.stream);
    progress.update("waiting");
    progress.done();
    expect(s.written).toEqual([]);
  });
});

/** The help texts as the README documents them (generated from the table since the table exists). */
const DEVICES_USAGE = `usage: npm run devices -- <command> [--env NAME]

commands:
  list                 pending pairing requests (with the time left) and paired devices
  approve <requestId>  approve one pending request (they expire after 5 minutes)
  reject <requestId>   reject one pending request
  dashboard            one-time owner link to the Control UI (single use, 10 minutes)

options:
  --env NAME   environment from settings.json (default: the first one)
  --json       list, approve, reject only: print the host's JSON as is`;

const SECRETS_USAGE = `usage: npm run secrets -- <command> [--env NAME]

commands:
  set-api-key          store the Anthropic API key (read from stdin when piped, else a hidden
                       prompt; never from the command line), then refresh the running gateway
  set-openai-key       store the OpenAI API key (read from stdin when piped, else a hidden
                       prompt; never from the command line), then refresh the running gateway
  set <secret>         store any operator secret by its catalogue id, e.g. \`set
                       telegram-bot-token\` (read from stdin when piped, else a hidden prompt;
                       never from the command line), then refresh the running gateway
  rotate-token         generate and store a new gateway token on the host, restart the gateway
  refresh              re-read every secrets parameter on the host and restart the gateway
  show-token           gateway token parameter: version and date; the value only with --reveal

options:
  --env NAME   environment from settings.json (default: the first one)
  --reveal     show-token only: print the token itself`;

describe("the operations table drives the help texts, parsing, dispatch and the documents", () => {
  test("--help prints the usage generated from the table: every documented command and option line", async () => {
    for (const [main, usage] of [[devicesMain, DEVICES_USAGE], [secretsMain, SECRETS_USAGE]] as const) {
      const c = testIo();
      expect(await main(["--help"], c.io)).toBe(0);
      expect(c.out.join("\n")).toBe(usage);
    }
  });

  test("usage errors print the usage of their own CLI", async () => {
    const c = testIo();
    expect(await secretsMain(["list"], c.io)).toBe(2);
    expect(c.err.join("\n")).toBe(`error: unknown command "list"\n\n${SECRETS_USAGE}`);
  });

  /** A new operation, as one entry: a parameter with its pattern, a document, a flag, a known failure, JSON output. */
  const SERVICE = {
    name: "service", variable: "SERVICE", label: "service name", description: "A systemd unit of the gateway",
    allowedPattern: "^[a-z]+$", glob: "[a-z]*", format: "lowercase word", example: "traefik", source: "`systemctl list-units`",
  };
  const STATUS: OperationSpec = {
    id: "serviceStatus",
    cli: "devices",
    command: "status",
    summary: "one unit's state",
    args: [SERVICE],
    flags: ["reveal"],
    document: { suffix: "service-status", description: "OpenClaw: one unit's state", timeoutSeconds: 42, commands: () => [`exec systemctl show "$SERVICE" --json`] },
    failures: [{ output: /no such unit/, message: ({ service }) => `There is no unit ${service}.` }],
    output: { format: "json", render: (result) => `state: ${String(result.state)}` },
  };
  const table = [...OPERATIONS, STATUS];
  const run = (argv: string[], io: OpsIo) => runOps("devices", argv, io, table);

  test("the new entry's usage line, with its argument and its flag", () => {
    const usage = usageText("devices", table);
    expect(usage).toContain("\n  status <service>     one unit's state\n");
    expect(usage).toContain("\n  --reveal     status only: print the token itself");
    // Its CLI is devices: secrets knows nothing of it.
    expect(usageText("secrets", table)).toBe(SECRETS_USAGE);
  });

  test("the new entry's document: name, parameter with its pattern, timeout, checked parameter, its lines", () => {
    const settings = testSettings();
    const resources = JSON.parse(Testing.synthScope((scope) => {
      new GatewayOperations(scope, "operations", { settings, operations: table });
    })).resource.aws_ssm_document;
    const documents = Object.values(resources) as Array<{ name: string; content: string }>;
    expect(documents.map((d) => d.name)).toHaveLength(OPERATIONS.filter((op) => op.document).length + 1);
    const doc = JSON.parse(documents.find((d) => d.name === "openclaw-test-service-status")!.content);
    expect(doc.description).toBe("OpenClaw: one unit's state");
    expect(doc.parameters).toEqual({
      service: { type: "String", description: "A systemd unit of the gateway", allowedPattern: "^[a-z]+$", interpolationType: "ENV_VAR" },
    });
    expect(doc.mainSteps[0].name).toBe("service_status");
    expect(doc.mainSteps[0].inputs).toEqual({
      timeoutSeconds: "42",
      runCommand: [
        "set -eu",
        "printenv SSM_service >/dev/null || SSM_service='{{ service }}'",
        "SERVICE=$SSM_service",
        'case "$SERVICE" in',
        "  [a-z]*) ;;",
        '  *) echo "openclaw-ops: invalid service name (expected a lowercase word such as traefik)" >&2; exit 2 ;;',
        "esac",
        'exec systemctl show "$SERVICE" --json',
      ],
    });
  });

  test("dispatch: the new command sends its document with its parameter and prints its rendering, or the JSON", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", '{"state":"active"}'));
    const c = testIo();
    expect(await run(["status", "traefik"], c.io)).toBe(0);
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toMatchObject({
      DocumentName: "openclaw-prod-service-status", Parameters: { service: ["traefik"] }, Comment: "openclaw-aws serviceStatus",
    });
    expect(c.out).toEqual(["state: active"]);
    const json = testIo();
    expect(await run(["status", "traefik", "--json", "--reveal"], json.io)).toBe(0);
    expect(json.out).toEqual(['{"state":"active"}']);
  });

  test("its argument pattern, arity and flags are checked before anything is sent", async () => {
    for (const [argv, message] of [
      [["status", "Traefik;id"], 'error: "Traefik;id" is not a service name; service names are lowercase words such as traefik'],
      [["status"], "error: status takes exactly one service name (from `systemctl list-units`)"],
      [["list", "--reveal"], "error: --reveal only applies to status"],
    ] as const) {
      const c = testIo();
      expect(await run([...argv], c.io)).toBe(2);
      expect(c.err.join("\n")).toBe(`${message}\n\n${usageText("devices", table)}`);
    }
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test("its timeout bounds the CLI's wait; its known failure gives its message", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("InProgress", "", "", -1));
    const c = testIo();
    const started = c.clock.now;
    expect(await run(["status", "traefik"], c.io)).toBe(1);
    // 42 s step + 60 s delivery + 30 s, polled every 2 s.
    expect(c.clock.now - started).toBe(132_000);
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Failed", "", "systemctl: no such unit", 1));
    const failed = testIo();
    expect(await run(["status", "traefik"], failed.io)).toBe(1);
    expect(failed.err.join("\n")).toBe("error: There is no unit traefik.");
  });

  test("an operator secret added to the catalogue is one more set command: usage, prompt, parameter, refresh", async () => {
    const token: SecretSpec & { setCommand: string } = {
      id: "telegram-bot-token", parameter: "telegram-bot-token", configField: "channels.telegram.botToken", writer: "operator",
      label: "Telegram bot token", placeholder: "placeholder:telegram", description: "Telegram bot token",
      setCommand: "set-telegram-token", outputs: { parameter: "telegram_token_parameter" }, required: false,
    };
    const withToken = [...OPERATIONS, setSecretOperation(token)];
    expect(usageText("secrets", withToken)).toContain("\n  set-telegram-token   store the Telegram bot token (read from stdin when piped");
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success"));
    const c = testIo(API_KEY);
    const prompts: string[] = [];
    c.io.readSecret = async (prompt) => {
      prompts.push(prompt);
      return API_KEY;
    };
    expect(await runOps("secrets", ["set-telegram-token"], c.io, withToken)).toBe(0);
    expect(prompts).toEqual(["Telegram bot token (input hidden): "]);
    expect(ssm.commandCalls(PutParameterCommand)[0].args[0].input).toMatchObject({ Name: "/openclaw/prod/telegram-bot-token", KeyId: "alias/openclaw-prod" });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.DocumentName).toBe("openclaw-prod-refresh-secrets");
    expect(c.out).toEqual(["The gateway restarted with the new Telegram bot token."]);
    // The catalogue's placeholder is refused as a value.
    const refused = testIo(token.placeholder);
    expect(await runOps("secrets", ["set-telegram-token"], refused.io, withToken)).toBe(1);
    expect(refused.err.join("\n")).toBe("error: That is the placeholder, not a real value.");
  });

  test("every operation that prints the host's output or a message after its document has a document", () => {
    for (const op of OPERATIONS) {
      if (op.output.format !== "local") expect(op.document).toBeDefined();
    }
    const ids = OPERATIONS.map((op) => op.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const cli of ["devices", "secrets"] as const) {
      const words = OPERATIONS.filter((op) => op.cli === cli).map((op) => op.command);
      expect(new Set(words).size).toBe(words.length);
    }
  });
});
