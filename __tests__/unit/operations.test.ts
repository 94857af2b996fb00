import "cdktf/lib/testing/adapters/jest"; // matcher types
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { OpenClawStack } from "../../modules/stack";
import { hostContract } from "../../modules/host/contract";
import { CommandDocument, REQUEST_ID_PATTERN } from "../../modules/ops/documents";
import { PUBLIC_KEY_PATTERN } from "../../modules/ops/sealed";
import { documentOperations } from "../../modules/ops/operations";
import { testSettings } from "../helpers/settings";

/** GIVEN the default test environment, WHEN the stack is synthesized, THEN its SSM documents are … */
const settings = testSettings();
const layout = hostContract(settings);
const json = Testing.synth(new OpenClawStack(Testing.app(), settings));
const synthesized: Record<string, any> = JSON.parse(json);
// The Command documents (the rollout runbook, an Automation document, is constructs/rollout.ts's: rollout.test.ts).
const documents: Record<string, any> = Object.fromEntries(Object.entries(synthesized.resource.aws_ssm_document)
  .filter(([, d]: [string, any]) => d.document_type === "Command"));
const byName = (name: string) => Object.values(documents).find((d: any) => d.name === name) as any;
const contentOf = (name: string): CommandDocument => JSON.parse(byName(name).content);

type Operation = "listDevices" | "approveDevice" | "rejectDevice" | "dashboardLink" | "refreshSecrets" | "rotateToken" | "status" | "applyConfig";
const NAMES: Record<Operation, string> = {
  listDevices: "openclaw-test-devices-list",
  approveDevice: "openclaw-test-devices-approve",
  rejectDevice: "openclaw-test-devices-reject",
  dashboardLink: "openclaw-test-dashboard-link",
  refreshSecrets: "openclaw-test-refresh-secrets",
  rotateToken: "openclaw-test-rotate-token",
  status: "openclaw-test-status",
  applyConfig: "openclaw-test-apply-config",
};
/** Seconds each step may run: a restart waits for /healthz, and a cold gateway takes a while to load its plugins. */
const TIMEOUTS: Record<Operation, number> = {
  listDevices: 120, approveDevice: 120, rejectDevice: 120, dashboardLink: 120, refreshSecrets: 300, rotateToken: 300, status: 120, applyConfig: 1500, // 300 + two channel plugin installs of up to 600 s each
};
const OPERATIONS = Object.keys(NAMES) as Operation[];
const UUID = "0b5c1a52-7d0e-4f7e-9a51-2c3d4e5f6a7b";

describe("SSM Command documents in the synthesized stack", () => {
  test("exactly eight Command documents, JSON format, for EC2 instances", () => {
    expect(Object.values(documents).map((d: any) => d.name).sort()).toEqual(Object.values(NAMES).sort());
    for (const name of Object.values(NAMES)) {
      expect(json).toHaveResourceWithProperties(SsmDocument, {
        name, document_type: "Command", document_format: "JSON", target_type: "/AWS::EC2::Instance",
      });
    }
  });

  test("the stack outputs the document names; the table's document operations are exactly these", () => {
    expect(synthesized.output.operations_documents.value).toEqual(NAMES);
    expect(documentOperations().map((op) => op.id).sort()).toEqual([...OPERATIONS].sort());
  });

  test.each(OPERATIONS.map((op) => [op]))("%s: schema 2.2, one Linux aws:runShellScript step with its timeout", (op) => {
    const doc = contentOf(NAMES[op as Operation]);
    expect(doc.schemaVersion).toBe("2.2");
    expect(doc.mainSteps).toHaveLength(1);
    expect(doc.mainSteps[0]).toMatchObject({
      action: "aws:runShellScript",
      precondition: { StringEquals: ["platformType", "Linux"] },
      inputs: { timeoutSeconds: String(TIMEOUTS[op as Operation]) },
    });
  });

  test("approve and reject take requestId (a UUID), dashboard the CLI's publicKey; by allowedPattern, as environment variables", () => {
    for (const op of OPERATIONS) {
      const { parameters } = contentOf(NAMES[op]);
      if (op === "approveDevice" || op === "rejectDevice") {
        expect(parameters).toEqual({
          requestId: { type: "String", description: expect.any(String), allowedPattern: REQUEST_ID_PATTERN, interpolationType: "ENV_VAR" },
        });
      } else if (op === "dashboardLink") {
        expect(parameters).toEqual({
          publicKey: { type: "String", description: expect.any(String), allowedPattern: PUBLIC_KEY_PATTERN, interpolationType: "ENV_VAR" },
        });
      } else {
        expect(parameters).toEqual({});
      }
    }
    for (const pattern of [REQUEST_ID_PATTERN, PUBLIC_KEY_PATTERN]) expect(pattern.startsWith("^") && pattern.endsWith("$")).toBe(true);
  });

  test("every {{ }} in a script names a declared parameter, and appears only inside single quotes", () => {
    for (const op of OPERATIONS) {
      const doc = contentOf(NAMES[op]);
      const script = doc.mainSteps[0].inputs.runCommand.join("\n");
      for (const match of script.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)) {
        expect(Object.keys(doc.parameters)).toContain(match[1]);
      }
      for (const line of script.split("\n").filter((l) => l.includes("{{"))) {
        expect(line).toMatch(/'\{\{ (requestId|publicKey) \}\}'/);
      }
    }
  });

  test("no Terraform template syntax (${ or %{) in any document: Terraform would interpolate it", () => {
    for (const doc of Object.values(documents)) {
      expect(doc.content).not.toMatch(/[$%]\{/);
    }
  });

  test("the exact commands", () => {
    const run = (op: Operation) => contentOf(NAMES[op]).mainSteps[0].inputs.runCommand;
    expect(run("listDevices")).toEqual(["set -eu", "exec /usr/local/bin/openclaw-admin devices list --json"]);
    // The dashboard script is run for real in ops-dashboard-seal.test.ts; here: its key check and its one openclaw call.
    expect(run("dashboardLink").slice(0, 8)).toEqual([
      "set -eu",
      `printenv SSM_publicKey >/dev/null || SSM_publicKey='{{ publicKey }}'`,
      "PUBLIC_KEY=$SSM_publicKey",
      `case "$PUBLIC_KEY" in`,
      expect.stringMatching(/^ {2}\*\[!A-Za-z0-9\+\/=\]\*\) echo "openclaw-ops: invalid public key .*" >&2; exit 2 ;;$/),
      "  MII?*) ;;",
      expect.stringMatching(/^ {2}\*\) echo "openclaw-ops: invalid public key .*" >&2; exit 2 ;;$/),
      "esac",
    ]);
    expect(run("dashboardLink").filter((l) => l.includes("openclaw-admin"))).toEqual([
      `if ! ANSWER=$(/usr/local/bin/openclaw-admin dashboard --json 2>"$DIR/stderr"); then`,
    ]);
    const requestIdLines = [
      "set -eu",
      `printenv SSM_requestId >/dev/null || SSM_requestId='{{ requestId }}'`,
      "REQUEST_ID=$SSM_requestId",
      `case "$REQUEST_ID" in`,
      `  ${"[0-9A-Fa-f]".repeat(8)}-${"[0-9A-Fa-f]".repeat(4)}-${"[0-9A-Fa-f]".repeat(4)}-${"[0-9A-Fa-f]".repeat(4)}-${"[0-9A-Fa-f]".repeat(12)}) ;;`,
      expect.stringMatching(/^ {2}\*\) echo "openclaw-ops: invalid request id .*" >&2; exit 2 ;;$/),
      "esac",
    ];
    const decided = (command: string) => ["status=0", `/usr/local/bin/openclaw-admin devices ${command} "$REQUEST_ID" --json || status=$?`, "sync", 'exit "$status"'];
    expect(run("approveDevice")).toEqual([...requestIdLines, ...decided("approve")]);
    expect(run("rejectDevice")).toEqual([...requestIdLines, ...decided("reject")]);
    expect(run("refreshSecrets").slice(0, 2)).toEqual(["set -eu", "/usr/local/sbin/openclaw-refresh-secrets --restart"]);
    expect(run("rotateToken").slice(0, 2)).toEqual(["set -eu", "/usr/local/sbin/openclaw-refresh-secrets --rotate-token --restart"]);
    expect(run("applyConfig").slice(0, 2)).toEqual(["set -eu", "/usr/local/sbin/openclaw-apply-config"]);
    for (const op of ["refreshSecrets", "rotateToken", "applyConfig"] as const) {
      const script = run(op).join("\n");
      expect(script).toContain(`curl -fsS --max-time 5 ${layout.healthUrl} 2>/dev/null | jq -ne 'input | .ok == true and .status == "live"'`);
      expect(script).toContain("/healthz");
      expect(script).not.toContain("/readyz");
    }
    // The tools the documents call are the ones the host layout says the boot script installs.
    expect(layout.adminTool).toBe("/usr/local/bin/openclaw-admin");
    expect(layout.refreshSecretsTool).toBe("/usr/local/sbin/openclaw-refresh-secrets");
  });
});

describe("allowedPattern of requestId", () => {
  const pattern = new RegExp(REQUEST_ID_PATTERN);
  test("accepts the ids openclaw creates (crypto.randomUUID), in either case", () => {
    expect(pattern.test(UUID)).toBe(true);
    expect(pattern.test(UUID.toUpperCase())).toBe(true);
    for (let i = 0; i < 20; i++) expect(pattern.test(require("node:crypto").randomUUID())).toBe(true);
  });

  test.each([
    ["empty", ""],
    ["command separator", `${UUID}; rm -rf /`],
    ["command substitution", "$(id)"],
    ["backticks", "`id`"],
    ["quote escape", `${UUID}'; id; '`],
    ["newline then command", `${UUID}\nid`],
    ["trailing newline", `${UUID}\n`],
    ["leading dash (an option)", `--${UUID.slice(2)}`],
    ["space", `${UUID} x`],
    ["SSM parameter reference", "{{ssm:/openclaw/test/gateway-token}}"],
    ["too long", `${UUID}0`],
    ["not hex", UUID.replace(/[0-9a-f]/, "g")],
  ])("rejects %s", (_what, value) => {
    expect(pattern.test(value)).toBe(false);
  });
});

/**
 * The approve/reject scripts run by real shells (dash is what `sh` is on Debian, bash on AL2023),
 * the way the agent runs them, with the admin tool replaced by a stub that records its arguments.
 */
describe("approve/reject scripts on a real shell", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "openclaw-ops-doc-"));
  const stub = path.join(dir, "openclaw-admin");
  const argsFile = path.join(dir, "args");
  // The stub exits with $STUB_STATUS (default 0); it and a stand-in `sync` log their order.
  const order = path.join(dir, "order");
  writeFileSync(stub, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\necho admin >> '${order}'\necho '{"ok":true}'\nexit "\${STUB_STATUS:-0}"\n`);
  chmodSync(stub, 0o755);
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(path.join(bin, "sync"), `#!/bin/sh\necho sync >> '${order}'\n`);
  chmodSync(path.join(bin, "sync"), 0o755);
  const pwned = path.join(dir, "pwned");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the document's script; `agentSupportsEnv` picks ENV_VAR interpolation or the {{ }} fallback. */
  function runScript(op: "approveDevice" | "rejectDevice", shell: string, value: string, agentSupportsEnv: boolean, stubStatus = 0) {
    let script = contentOf(NAMES[op]).mainSteps[0].inputs.runCommand.join("\n").replaceAll(layout.adminTool, stub);
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}`, PWNED: pwned, STUB_STATUS: String(stubStatus) };
    rmSync(order, { force: true });
    if (agentSupportsEnv) env.SSM_requestId = value;
    // An old agent splices the value into the text; SSM has checked it against allowedPattern first.
    else script = script.replace("{{ requestId }}", value);
    if (existsSync(argsFile)) rmSync(argsFile);
    return spawnSync(shell, ["-c", script], { env, encoding: "utf8" });
  }

  for (const shell of ["dash", "bash"]) {
    for (const agentSupportsEnv of [true, false]) {
      const how = agentSupportsEnv ? "ENV_VAR" : "{{ }} fallback";
      test(`${shell}, ${how}: a valid id reaches the admin tool as one argument`, () => {
        const result = runScript("approveDevice", shell, UUID, agentSupportsEnv);
        expect(result.status).toBe(0);
        expect(readFileSync(argsFile, "utf8").split("\n").filter(Boolean)).toEqual(["devices", "approve", UUID, "--json"]);
        const reject = runScript("rejectDevice", shell, UUID, agentSupportsEnv);
        expect(reject.status).toBe(0);
        expect(readFileSync(argsFile, "utf8").split("\n").filter(Boolean)).toEqual(["devices", "reject", UUID, "--json"]);
      });
    }
    test(`${shell}: the decision is synced to disk before the script reports; the tool's output and exit status are its own`, () => {
      for (const [op, status] of [["approveDevice", 0], ["approveDevice", 1], ["rejectDevice", 1]] as const) {
        const result = runScript(op, shell, UUID, true, status);
        expect({ status: result.status, stdout: result.stdout }).toEqual({ status, stdout: '{"ok":true}\n' });
        expect(readFileSync(order, "utf8")).toBe("admin\nsync\n");
      }
    });
    // Values that would get past a sloppier pattern (e.g. Java's `$` before a final newline) or an
    // agent without ENV_VAR support: the host refuses them without running anything.
    test.each([
      [`${UUID}\n`],
      [`${UUID}\ntouch "$PWNED"`],
      [`$(touch "$PWNED")`],
      ["`touch $PWNED`"],
      [`${UUID} ; touch "$PWNED"`],
    ])(`${shell}, ENV_VAR: the host refuses %j`, (value) => {
      const result = runScript("approveDevice", shell, value, true);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("invalid request id");
      expect(existsSync(argsFile)).toBe(false);
      expect(existsSync(pwned)).toBe(false);
    });
  }
});

describe("refresh and rotate scripts on a real shell", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "openclaw-ops-refresh-"));
  const tool = path.join(dir, "openclaw-refresh-secrets");
  const argsFile = path.join(dir, "args");
  writeFileSync(tool, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\n`);
  chmodSync(tool, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["refreshSecrets", ["--restart"]],
    ["rotateToken", ["--rotate-token", "--restart"]],
  ] as const)("%s calls the tool with %j, then waits for /healthz", async (op, expected) => {
    const http = await import("node:http");
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === "/healthz" ? 200 : 404;
      res.end('{"ok":true,"status":"live"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const script = contentOf(NAMES[op]).mainSteps[0].inputs.runCommand.join("\n")
        .replaceAll(layout.refreshSecretsTool, tool)
        .replaceAll(layout.healthUrl, `http://127.0.0.1:${port}/healthz`);
      const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = require("node:child_process").spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d));
        child.on("close", (status: number | null) => resolve({ status, stderr }));
      });
      expect(result.status).toBe(0);
      expect(result.stderr).toContain("gateway restarted and healthy");
      expect(readFileSync(argsFile, "utf8").split("\n").filter(Boolean)).toEqual(expected);
    } finally {
      server.close();
    }
  });
});
