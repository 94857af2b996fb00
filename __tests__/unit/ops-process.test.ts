import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * The CLIs as an operator runs them (`npm run devices|secrets -- …` → tsx), in a clean
 * environment with no AWS credentials anywhere: the SDK's real provider chain fails and the CLI
 * says so; a key on the command line is refused before any AWS call and never echoed.
 */
const root = path.resolve(__dirname, "../..");
const home = mkdtempSync(path.join(os.tmpdir(), "openclaw-ops-home-"));
const settingsFile = path.join(home, "settings.json");
writeFileSync(settingsFile, JSON.stringify({
  environments: [{ environment: "demo", domainName: "gw.example.org", acmeEmail: "ops@example.org" }],
}));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const KEY = "sk-ant-api03-PROCESS-CANARY-0123456789abcdef";

function cli(script: "devices" | "secrets", args: string[], input?: string) {
  const result = spawnSync(path.join(root, "node_modules/.bin/tsx"), [path.join(root, `scripts/${script}.ts`), ...args], {
    cwd: root,
    input,
    encoding: "utf8",
    timeout: 60_000,
    // Nothing the SDK could find credentials in: no env keys, an empty HOME, no instance metadata.
    env: {
      PATH: process.env.PATH,
      HOME: home,
      OPENCLAW_AWS_SETTINGS: settingsFile,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(home, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "no-credentials"),
    },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

test("devices list without credentials: a clear message and exit 1", () => {
  const { status, output } = cli("devices", ["list"]);
  expect(output).toContain("error: No AWS credentials found.");
  expect(status).toBe(1);
}, 60_000);

test("secrets set-api-key with the key as an argument: exit 2, key never printed", () => {
  const { status, output } = cli("secrets", ["set-api-key", KEY]);
  expect(status).toBe(2);
  expect(output).toContain("never from the command line");
  expect(output).not.toContain(KEY);
}, 60_000);

test("secrets set-api-key with the key piped: reads it, then fails on credentials without printing it", () => {
  const { status, output } = cli("secrets", ["set-api-key"], `${KEY}\n`);
  expect(status).toBe(1);
  expect(output).toContain("No AWS credentials found");
  expect(output).not.toContain(KEY);
}, 60_000);

test("--help prints the usage and exits 0", () => {
  const { status, output } = cli("devices", ["--help"]);
  expect(status).toBe(0);
  expect(output).toContain("approve <requestId>");
}, 60_000);
