import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hostContract } from "../../modules/host/contract";
import { shellQuote } from "../../modules/host/shell";
import { runOps } from "../../modules/ops/cli";
import type { OpsIo } from "../../modules/ops/context";
import { CommandDocument, commandDocument } from "../../modules/ops/documents";
import { DASHBOARD_LINK } from "../../modules/ops/operations";
import { silentProgress } from "../../modules/ops/run";
import { newSealingKey, SEALED_MAX_BYTES, SealingKey } from "../../modules/ops/sealed";
import { localSsmAgent } from "../helpers/local-ssm-agent";
import { testSettings } from "../helpers/settings";

// RSA-3072 key generation per request: its prime search takes 0.1–3 s, longer on a loaded machine with two jest workers.
jest.setTimeout(30_000);

/**
 * The owner link never sits in Run Command history: the dashboard document's real script, run by
 * dash and bash with the real jq, base64 and openssl, and a stand-in `openclaw-admin` that prints
 * what openclaw 2026.9.6's `dashboard --json` prints (docs/proofs.md; the real openclaw runs in
 * integration/ops-openclaw.test.ts). GIVEN a key pair of the CLI, WHEN the script runs, THEN its
 * output (what ssm:GetCommandInvocation shows anyone later) holds no link and no token, opens with
 * the CLI's private key to the exact link, and no process ever had the link in its arguments.
 */
const settings = testSettings();
const layout = hostContract(settings);
/** The document as the stack serializes it. */
const doc: CommandDocument = JSON.parse(JSON.stringify(commandDocument(DASHBOARD_LINK, settings)));
const script = doc.mainSteps[0].inputs.runCommand.join("\n");

const TOKEN = randomBytes(32).toString("base64url");
const PASSWORD = "gateway-password-CANARY-4711";
const BROWSER_URL = `http://127.0.0.1:18789/#${new URLSearchParams({ bootstrapToken: TOKEN, bootstrapProfile: "owner", gatewayUrl: "ws://127.0.0.1:18789" })}`;
const EXPIRES = 1_800_000_000_000;
/** openclaw's answer, with every field it prints; a password handoff too (password auth), which must not leave the host. */
const ANSWER = {
  ok: true, url: "http://127.0.0.1:18789/", httpUrl: "http://127.0.0.1:18789/", wsUrl: "ws://127.0.0.1:18789", port: 18789,
  tokenIncluded: false, browserUrl: BROWSER_URL, browserBootstrapExpiresAtMs: EXPIRES, gatewayPassword: PASSWORD,
};

const dir = mkdtempSync(path.join(os.tmpdir(), "openclaw-ops-seal-"));
const tmp = path.join(dir, "tmp");
const argvLog = path.join(dir, "argv.log");
const bin = path.join(dir, "bin");
mkdirSync(tmp);
mkdirSync(bin);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every external command the script may run, wrapped to record its arguments (what `ps` shows) before running the real one. */
for (const name of ["jq", "openssl", "base64", "mktemp", "cat", "rm"]) {
  const real = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  writeFileSync(path.join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> ${shellQuote(argvLog)}\nexec ${shellQuote(real)} "$@"\n`, { mode: 0o755 });
}

/** A stand-in `openclaw-admin` that prints `stdout` (and `stderr`) and exits with `code`. */
function adminStub(name: string, stdout: string, code = 0, stderr = ""): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' ${shellQuote(stdout)}\nprintf '%s' ${shellQuote(stderr)} >&2\nexit ${code}\n`, { mode: 0o755 });
  return file;
}
const REAL_ANSWER = adminStub("admin-ok", JSON.stringify(ANSWER));

/** Runs the document's script as the agent does (parameter as $SSM_publicKey). */
function runScript(shell: string, publicKey: string, admin = REAL_ANSWER) {
  rmSync(argvLog, { force: true });
  const result = spawnSync(shell, ["-c", script.replaceAll(layout.adminTool, admin)], {
    env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, SSM_publicKey: publicKey },
    // stdin not a socket: bash would read ~/.bashrc as if started by a remote shell daemon.
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  return { ...result, argv: existsSync(argvLog) ? readFileSync(argvLog, "utf8") : "" };
}

let key: SealingKey;
beforeAll(async () => {
  key = await newSealingKey();
});

describe.each(["dash", "bash"])("the dashboard script on %s", (shell) => {
  test("prints only ok, the expiry and the link sealed to the CLI's key; it opens to the exact link", () => {
    const result = runScript(shell, key.publicKey);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(Object.keys(printed).sort()).toEqual(["browserBootstrapExpiresAtMs", "ok", "sealedBrowserUrl"]);
    expect(printed).toMatchObject({ ok: true, browserBootstrapExpiresAtMs: EXPIRES });
    expect(key.open(printed.sealedBrowserUrl)).toBe(BROWSER_URL);
    for (const secret of ["http", "ws:", TOKEN, PASSWORD, "bootstrapToken"]) expect(result.stdout).not.toContain(secret);
  });

  test("no process had the link, the token or openclaw's JSON in its arguments; the temporary files are gone", () => {
    const result = runScript(shell, key.publicKey);
    expect(result.status).toBe(0);
    expect(result.argv).toMatch(/^openssl pkeyutl -encrypt -pubin -keyform DER .* -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 /m);
    expect(result.argv).toMatch(/^jq -c --arg sealed /m);
    for (const secret of [TOKEN, PASSWORD, "http", "browserUrl\":"]) expect(result.argv).not.toContain(secret);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test("openclaw refuses: its reason and its stderr, exit 1, no link", () => {
    const admin = adminStub("admin-refuses", '{"ok":false,"reason":"Gateway is not ready"}', 1, "gateway probe failed\n");
    const result = runScript(shell, key.publicKey, admin);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, reason: "Gateway is not ready" });
    expect(result.stderr).toBe("gateway probe failed\n");
  });

  test("a link longer than the key can seal: fails closed (exit non-zero, nothing in the clear)", () => {
    const long = `http://127.0.0.1:18789/#bootstrapToken=${TOKEN}&pad=${"x".repeat(SEALED_MAX_BYTES)}`;
    const result = runScript(shell, key.publicKey, adminStub("admin-long", JSON.stringify({ ...ANSWER, browserUrl: long })));
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
    expect(readdirSync(tmp)).toEqual([]);
  });

  // Values that an agent without ENV_VAR support, or a sloppier regex engine (Java's `$` matches
  // before a final newline), could let through: the host refuses them before anything runs.
  test.each([
    ["quote and command", "MIIB'; touch \"$PWNED\"; '"],
    ["command substitution", "MII$(touch \"$PWNED\")"],
    ["trailing newline", "MIIBIjANBgkqhkiG9w0B\n"],
    ["newline then command", "MIIBIjANBgkqhkiG9w0B\ntouch \"$PWNED\""],
    ["PEM armour", "-----BEGIN PUBLIC KEY-----"],
    ["empty", ""],
  ])("refuses %s (exit 2) without calling openclaw", (_what, value) => {
    const pwned = path.join(dir, "pwned");
    const result = spawnSync(shell, ["-c", script.replaceAll(layout.adminTool, REAL_ANSWER)], {
      env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, SSM_publicKey: value, PWNED: pwned },
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("invalid public key");
    expect(result.stdout).toBe("");
    expect(existsSync(pwned)).toBe(false);
  });
});

describe("allowedPattern of publicKey in the rendered document", () => {
  const pattern = { test: (value: string) => new RegExp(doc.parameters.publicKey.allowedPattern).test(value) };

  /**
   * A base64 DER SubjectPublicKeyInfo's shape for a key size: its length (measured with
   * node:crypto: 2048 bits → 392 characters "MIIBIjANBgkq…AQAB", 4096 → 736 "MIICIjANBgkq…AQ==").
   * Generating those keys here would cost seconds; the pattern only sees characters and length.
   */
  const spkiShaped = (length: number, tail: string) => `MII${"A".repeat(length - 3 - tail.length)}${tail}`;

  test("accepts the CLI's keys (3072 bits, generated) and 4096-bit ones", () => {
    expect(pattern.test(key.publicKey)).toBe(true);
    expect(key.publicKey).toHaveLength(564);
    expect(pattern.test(spkiShaped(736, "AQ=="))).toBe(true);
  });

  test.each([
    ["a 2048-bit key", async () => spkiShaped(392, "AQAB")],
    ["shell injection after a key", async () => `${key.publicKey}'; reboot; '`],
    ["command substitution", async () => `${key.publicKey.slice(0, 600)}$(id)`],
    ["a newline inside", async () => `${key.publicKey.slice(0, 300)}\n${key.publicKey.slice(300)}`],
    ["a trailing newline", async () => `${key.publicKey}\n`],
    ["spaces", async () => key.publicKey.replace(/A/g, " ")],
    ["an SSM parameter reference", async () => "{{ssm:/openclaw/test/gateway-token}}"],
    ["PEM armour", async () => `-----BEGIN PUBLIC KEY-----${key.publicKey}`],
    ["too long", async () => `${key.publicKey}${key.publicKey}`],
  ])("refuses %s", async (_what, value) => {
    expect(pattern.test(await value())).toBe(false);
  });
});

test("npm run devices -- dashboard through a local SSM agent running the real script: prints the link; history holds ciphertext only", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const agent = localSsmAgent(settings, { replace: { [layout.adminTool]: REAL_ANSWER }, path: `${bin}:/usr/bin:/bin` });
  const io: OpsIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readSettings: () => ({ environments: [{ environment: settings.environment, domainName: settings.domainName, acmeEmail: settings.acmeEmail }] }),
    settingsSource: "settings.json",
    aws: () => agent,
    progress: () => silentProgress,
    readSecret: async () => "",
    runOptions: { pollMs: 20, now: () => EXPIRES - 600_000 },
  };
  expect(await runOps("devices", ["dashboard"], io)).toBe(0);
  expect(err).toEqual([]);
  const link = new URL(out.join("\n").split("\n").find((l) => l.startsWith("https://"))!);
  expect(link.origin).toBe(`https://${settings.domainName}`);
  expect(new URLSearchParams(link.hash.slice(1)).get("bootstrapToken")).toBe(TOKEN);
  expect(out.join("\n")).toContain("expires in 10 minutes");
  const kept = [...agent.invocations.values()];
  expect(kept).toHaveLength(1);
  expect(kept[0].status).toBe("Success");
  expect(`${kept[0].stdout}${kept[0].stderr}`).not.toContain(TOKEN);
  expect(`${kept[0].stdout}${kept[0].stderr}`).not.toContain("http");
});
