import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderBootScript } from "../../modules/host";
import { hostContract } from "../../modules/host/contract";
import { healthCheckCommand, healthWaitLines, IMDS_FUNCTION, imdsTokenCommand, RETRY_FUNCTION } from "../../modules/host/posix";
import { shellQuote } from "../../modules/host/shell";
import { refreshSecretsTool, secretLines, watchdogTool } from "../../modules/host/tools";
import { SECRETS, SecretSpec } from "../../modules/secrets-catalogue";
import { testSettings } from "../helpers/settings";

const settings = testSettings();
const contract = hostContract(settings);

/** Runs a POSIX sh script with `bin` first on PATH (the SSM documents run under sh). */
function sh(script: string, bin: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("shell shared by the boot script, the host tools and the SSM documents (POSIX sh)", () => {
  let bin: string;
  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "shared-sh-"));
    // Fast sleep, and a curl that fails until its counter reaches $HEALTHY_AFTER, then prints $BODY
    // (default: openclaw's liveness answer).
    fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "curl"), `#!/bin/sh
n=$(cat "${bin}/count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" >"${bin}/count"
[ "$n" -ge "\${HEALTHY_AFTER:-999}" ] || exit 22
if [ -n "\${BODY:-}" ]; then printf '%s' "$BODY"; else printf '%s' '{"ok":true,"status":"live"}'; fi
`, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

  test("retry runs under sh: stops at its bound with a log line, succeeds as soon as the command does", () => {
    const log = 'log() { echo "LOG $*"; }';
    const failing = sh(`${log}\n${RETRY_FUNCTION}\nretry 3 1 false; echo "status=$?"`, bin);
    expect(failing.stdout).toBe("LOG giving up after 3 attempts: false\nstatus=1\n");
    const ok = sh(`${log}\n${RETRY_FUNCTION}\nHEALTHY_AFTER=2 retry 5 1 curl >/dev/null; echo "status=$?"; cat ${bin}/count`, bin);
    expect(ok.stdout).toBe("status=0\n2\n");
  });

  const wait = (healthyAfter: number) => sh(`HEALTHY_AFTER=${healthyAfter}; export HEALTHY_AFTER\n${healthWaitLines({
    url: contract.healthUrl, attempts: 4, delay: 2, onTimeout: 'echo "timed out" >&2; exit 1', onHealthy: 'echo "healthy" >&2',
  }).join("\n")}\necho "after"`, bin);

  test("the health wait runs under sh: healthy on the Nth GET, or the timeout command after `attempts` GETs", () => {
    expect(wait(3)).toMatchObject({ status: 0, stderr: "healthy\n", stdout: "after\n" });
    expect(fs.readFileSync(path.join(bin, "count"), "utf8")).toBe("3\n");
    fs.rmSync(path.join(bin, "count"));
    expect(wait(99)).toMatchObject({ status: 1, stderr: "timed out\n", stdout: "" });
    expect(fs.readFileSync(path.join(bin, "count"), "utf8")).toBe("4\n");
  });

  test("a 200 without openclaw's liveness body (e.g. the Control UI's HTML) is not healthy", () => {
    const html = sh(`BODY='<!doctype html><title>OpenClaw</title>'; export BODY\nif ${healthCheckCommand("URL", 5)}; then echo up; else echo down; fi`, bin);
    expect(html.stdout).toBe("down\n");
    const notLive = sh(`BODY='{"ok":true,"status":"starting"}'; export BODY\nif ${healthCheckCommand("URL", 5)}; then echo up; else echo down; fi`, bin);
    expect(notLive.stdout).toBe("down\n");
    expect(sh(`HEALTHY_AFTER=1; export HEALTHY_AFTER\nif ${healthCheckCommand("URL", 5)}; then echo up; else echo down; fi`, bin).stdout).toBe("up\n");
  });

  // The SSM documents' health wait (modules/ops/documents.ts) is pinned byte for byte by the stack snapshot.
  test("one source: the boot script and the watchdog use the same lines", () => {
    const boot = renderBootScript(settings);
    const watchdog = watchdogTool(settings, contract);
    const check = healthCheckCommand(shellQuote(contract.healthUrl), 5);
    expect(boot).toContain(`until ${check}; do`);
    expect(watchdog).toContain(healthCheckCommand('"$HEALTH_URL"', 10));
    for (const script of [boot, watchdog]) expect(script).toContain(IMDS_FUNCTION);
    expect(boot).toContain(`IMDS_TOKEN=$(${imdsTokenCommand(21600)})`);
    expect(watchdog).toContain(`IMDS_TOKEN=$(${imdsTokenCommand(300)})`);
    expect(boot).toContain(RETRY_FUNCTION);
  });
});

describe("the host's secrets follow the catalogue", () => {
  const channel: SecretSpec = {
    id: "example-channel-token", parameter: "example-channel-token", configField: "channels.example.token", writer: "operator",
    label: "example channel token", placeholder: "placeholder:set-with-npm-run-secrets", description: "x",
    setCommand: "set-example-token", outputs: { parameter: "example_parameter" }, required: false,
  };

  test("an operator secret: read, left out with a hint naming its set command while it holds the placeholder", () => {
    const lines = secretLines(settings, channel);
    expect(lines).toContain("read_parameter /openclaw/test/example-channel-token secret");
    expect(lines).toContain("hint: /openclaw/test/example-channel-token still holds its placeholder; set the example channel token with: npm run secrets -- set-example-token");
    expect(lines).toContain('add_secret example-channel-token "$secret"');
    expect(lines).not.toContain("store_secret");
    expect(lines).not.toContain("exit 1");
    const required = secretLines(settings, { ...channel, required: true });
    expect(required).toContain("log 'FAILED: /openclaw/test/example-channel-token still holds its placeholder; set the example channel token with: npm run secrets -- set-example-token'\n  exit 1\n");
  });

  test("the refresh tool reads a channel's token only while the overlay enables the channel; its hint names `set <id>`", () => {
    const tool = (openclaw: Record<string, unknown>) => refreshSecretsTool({ ...settings, openclaw }, contract);
    expect(tool({})).not.toMatch(/telegram|slack|discord/);
    const telegram = tool({ channels: { telegram: { dmPolicy: "pairing" } } });
    expect(telegram).toContain("read_parameter /openclaw/test/telegram-bot-token secret");
    expect(telegram).toContain("set the Telegram bot token with: npm run secrets -- set telegram-bot-token");
    expect(telegram).not.toMatch(/slack|discord/);
    expect(tool({ channels: { telegram: { enabled: false } } })).not.toContain("telegram-bot-token");
  });

  test("a host secret is generated and stored while it holds the placeholder", () => {
    const host = SECRETS.find((s) => s.writer === "host")!;
    expect(secretLines(settings, host)).toContain(`store_secret /openclaw/test/${host.parameter} '${host.label}' "$secret"`);
    expect(secretLines(settings, host)).toContain(`add_secret ${host.id} "$secret"`);
  });
});
