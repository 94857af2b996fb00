import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { GATEWAY_PORT } from "../../modules/names";
import { CONFIG_FILE_MODE, openclawConfig, openclawConfigFile, STATE_DIR_MODE } from "../../modules/host/layout";
import { DEFAULT_MODEL } from "../../modules/openclaw/providers";
import {
  descendants,
  FAKE_ANTHROPIC_API_KEY,
  GATEWAY_START_TIMEOUT_MS,
  isAlive,
  gatewayProcessEnv,
  httpRequest,
  OpenclawFixture,
  openclawFixture,
  openclawFixtureProblem,
  prepareState,
  runCli,
  RunningGateway,
  RunningProxy,
  secretsFileContent,
  startGateway,
  startProxy,
  testLayout,
  writeCredentials,
} from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";
import { freePort } from "../helpers/free-port";
import { MIN_TOLERATED_STALL_SECONDS } from "../../modules/settings/rules";
import { writeGatewayTimings } from "../helpers/timings";

/** One GET of /healthz: when it was sent, when it ended, whether the answer was openclaw's live body. */
interface HealthzAnswer { start: number; end: number; live: boolean }
/** A GET of /healthz every 250 ms (each bounded at 10 s, as the watchdog's) until `stop()`; `done` resolves the answers. */
interface HealthzProbe { stop(): void; done: Promise<HealthzAnswer[]> }

function probeHealthz(port: number): HealthzProbe {
  let stopped = false;
  const done = (async () => {
    const answers: HealthzAnswer[] = [];
    while (!stopped) {
      const start = Date.now();
      const live = await httpRequest(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200 && r.body.includes('"live"'), () => false);
      answers.push({ start, end: Date.now(), live });
      await new Promise((r) => setTimeout(r, 250));
    }
    return answers;
  })();
  return { stop: () => { stopped = true; }, done };
}

/** The longest time between two live answers after the first (a failed or slow GET in between lengthens it). */
function longestLiveGapMs(answers: HealthzAnswer[]): number {
  const live = answers.filter((a) => a.live).map((a) => a.end);
  return live.slice(1).reduce((longest, end, i) => Math.max(longest, end - live[i]), 0);
}

/**
 * The rendered openclaw.json, gateway environment and command against the real openclaw
 * (the pinned version, installed by __tests__/setup/openclaw.sh): schema validation, then
 * the gateway started as its systemd unit starts it, behind a stand-in for Traefik.
 */
const canRun = requireInCi(openclawFixtureProblem(), "the real-openclaw gateway test");
const maybe = canRun ? describe : describe.skip;

const settings = testSettings();
const mode = (p: string): number => statSync(p).mode & 0o777;

maybe("openclaw config validate on the rendered openclaw.json", () => {
  let fixture: OpenclawFixture;
  let root: string;
  /** The CLI on `config`, with a credential holding `secretsFile` (default: a token and the API key). */
  const cliWith = (config: string, args: string[], secretsFile = secretsFileContent("x".repeat(64))) => {
    const layout = testLayout(settings, root, fixture);
    prepareState(layout, settings, GATEWAY_PORT);
    writeFileSync(layout.configPath, config);
    return runCli(layout, gatewayProcessEnv(layout, writeCredentials(path.join(root, "credentials"), secretsFile)), args);
  };
  const validate = (config: string) => cliWith(config, ["config", "validate", "--json"]);

  beforeAll(() => {
    fixture = openclawFixture() as OpenclawFixture;
    root = mkdtempSync(path.join(tmpdir(), "openclaw-validate-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("accepts the rendered file (exit 0, valid, no warnings)", () => {
    const result = validate(openclawConfigFile(settings));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, warnings: [] });
  }, 30_000);

  test("rejects a file with an unknown key (exit 1, names the key) — the check is live", () => {
    const broken = openclawConfig(settings) as { gateway: Record<string, unknown> };
    const result = validate(JSON.stringify({ gateway: { ...broken.gateway, allowInsecureAuth: true } }));
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { valid: boolean; issues: Array<{ path: string; message: string }> };
    expect(report.valid).toBe(false);
    expect(report.issues).toEqual([expect.objectContaining({ path: "gateway", message: expect.stringContaining("allowInsecureAuth") })]);
  }, 30_000);

  test("the agents' model is usable with the Anthropic key the credential provides, and only with it", () => {
    const rendered = openclawConfigFile(settings);
    const withKey = cliWith(rendered, ["models", "status", "--check", "--json"]);
    expect(withKey.status).toBe(0);
    expect(JSON.parse(withKey.stdout)).toMatchObject({ resolvedDefault: DEFAULT_MODEL, auth: { missingProvidersInUse: [] } });
    // While its parameter holds the placeholder the refresh tool leaves the key out of the file.
    expect(cliWith(rendered, ["models", "status", "--check", "--json"], secretsFileContent("x".repeat(64), null)).status).toBe(1);
    // openclaw's own default model (an OpenAI one) would have no usable credential here.
    const { agents: _ignored, ...withoutModel } = openclawConfig(settings) as Record<string, unknown>;
    expect(cliWith(JSON.stringify(withoutModel), ["models", "status", "--check", "--json"]).status).toBe(1);
  }, 30_000);

  test("rejects a raw bind address (DESIGN.md §3: bind takes a mode, not a host)", () => {
    const config = openclawConfig(settings) as { gateway: Record<string, unknown> };
    const result = validate(JSON.stringify({ gateway: { ...config.gateway, bind: "0.0.0.0" } }));
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false });
  }, 30_000);
});

maybe("the gateway started as the systemd unit starts it", () => {
  let gateway: RunningGateway;
  let proxy: RunningProxy;
  let bareProxy: RunningProxy;

  let startedAt: number;
  let startProbe: HealthzProbe;

  beforeAll(async () => {
    startedAt = Date.now();
    const port = await freePort();
    // The watchdog's view of the start: a GET every 250 ms from spawn until /readyz (channels and sidecars started).
    startProbe = probeHealthz(port);
    gateway = await startGateway(settings, openclawFixture() as OpenclawFixture, { port }).finally(() => startProbe.stop());
    proxy = await startProxy(gateway.port);
    bareProxy = await startProxy(gateway.port, null);
    // eslint-disable-next-line no-console
    console.log(`openclaw gateway: ${gateway.startupMs} ms from spawn to the first 200 on /healthz, ${gateway.readyMs} ms to /readyz 200`);
  }, 2 * GATEWAY_START_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await proxy?.stop();
    await bareProxy?.stop();
    await gateway?.stop();
  }, 30_000);


  const invoke = (base: string, headers: Record<string, string>) =>
    httpRequest(`${base}/tools/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ tool: "sessions_list", args: {} }),
    });

  test(`once live, /healthz never stalls for more than a third of the watchdog's minimum tolerance (${MIN_TOLERATED_STALL_SECONDS} s) while channels and sidecars start`, async () => {
    const stall = longestLiveGapMs(await startProbe.done);
    // eslint-disable-next-line no-console
    console.log(`openclaw gateway: longest time without a live /healthz answer after the first one, until /readyz: ${stall} ms`);
    expect(stall).toBeLessThan((MIN_TOLERATED_STALL_SECONDS / 3) * 1000);
  });

  test("loads only the plugins of plugins.allow that load at start (pairing, memory), not openclaw's default 13", () => {
    // openclaw's own log line, e.g. "http server listening (2 plugins: device-pair, memory-core; 7.8s)";
    // without plugins.allow it lists 13 (browser, canvas, cua-computer, …). The provider plugin loads on first use.
    const line = /http server listening \((\d+) plugins?: ([^;)]*)/.exec(gateway.output());
    expect(line).not.toBeNull();
    expect(line![2].split(", ").sort()).toEqual(["device-pair", "memory-core"]);
  });

  test("/healthz answers 200 live, directly and through the proxy", async () => {
    for (const base of [`http://127.0.0.1:${gateway.port}`, proxy.url]) {
      const res = await httpRequest(`${base}/healthz`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ ok: true, status: "live" });
    }
  });

  test("a request with the token through the proxy (X-Forwarded-For set) is served, not refused", async () => {
    const res = await invoke(proxy.url, { authorization: `Bearer ${gateway.token}` });
    expect(res.body).not.toContain("proxy_attribution_required");
    expect({ status: res.status, body: res.body.slice(0, 200) }).toEqual({ status: 200, body: expect.stringContaining('"ok":true') });
    expect(JSON.parse(res.body)).toMatchObject({ ok: true });
  });

  test("a request without the token, or with a wrong one, is refused with 401", async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${"0".repeat(64)}` }];
    for (const headers of attempts) {
      const res = await invoke(proxy.url, headers);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ error: { message: "Unauthorized", type: "unauthorized" } });
    }
  });

  test("control: a proxy that sets no X-Forwarded-For is refused with proxy_attribution_required", async () => {
    const res = await invoke(bareProxy.url, { authorization: `Bearer ${gateway.token}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: "proxy_attribution_required" } });
  });

  test("listens on loopback only (bind loopback), on the configured port", () => {
    const hexPort = gateway.port.toString(16).toUpperCase().padStart(4, "0");
    const listeners = ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
      readFileSync(file, "utf8").split("\n").slice(1).map((line) => line.trim().split(/\s+/))
        .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === "0A").map((f) => f[1].split(":")[0]));
    expect(listeners.length).toBeGreaterThan(0);
    // 127.0.0.1 in /proc/net/tcp, ::1 in /proc/net/tcp6 (both little-endian hex).
    for (const address of listeners) expect(["0100007F", "00000000000000000000000001000000"]).toContain(address);
  });

  test("the state dir and config keep the boot script's modes; the gateway did not rewrite the config", () => {
    const { stateDir, configPath } = gateway.layout;
    expect(mode(stateDir)).toBe(STATE_DIR_MODE);
    expect(mode(configPath)).toBe(CONFIG_FILE_MODE);
    expect(readFileSync(configPath, "utf8")).toBe(openclawConfigFile(settings, gateway.port));
    // Pairing state lives here, i.e. on the data volume.
    expect(readdirSync(path.join(stateDir, "state"))).toContain("openclaw.sqlite");
    // UMask=0077: whatever the gateway created is private to its user (media/ appears on demand).
    const created = readdirSync(stateDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(created).toEqual(expect.arrayContaining(["state", "cache", "tmp"]));
    for (const dir of created) expect([dir, mode(path.join(stateDir, dir))]).toEqual([dir, 0o700]);
  });

  test("the runtime stays read-only: nothing under the Node/openclaw install changed (ProtectSystem=strict)", () => {
    const changed: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (lstatSync(full).mtimeMs >= startedAt) changed.push(full);
        if (entry.isDirectory()) walk(full);
      }
    };
    walk(path.dirname(path.dirname(gateway.layout.openclawEntry)));
    expect(changed).toEqual([]);
  }, 30_000);

  test("the gateway process runs with exactly the unit's environment; no secret in its environ or argv", () => {
    const environ = readFileSync(`/proc/${gateway.pid}/environ`, "utf8");
    const names = environ.split("\0").filter(Boolean).map((e) => e.slice(0, e.indexOf("="))).sort();
    expect(names).toEqual(Object.keys(gatewayProcessEnv(gateway.layout, "")).sort());
    const argv = readFileSync(`/proc/${gateway.pid}/cmdline`, "utf8");
    for (const secret of [gateway.token, FAKE_ANTHROPIC_API_KEY]) {
      expect(environ).not.toContain(secret);
      expect(argv).not.toContain(secret);
    }
  });

  test("the admin CLI connects with the token from its own credential (openclaw-admin's transient unit), and only with it", () => {
    const listed = gateway.cli(["devices", "list", "--json"]);
    expect({ status: listed.status, output: listed.stderr.slice(-2000) }).toMatchObject({ status: 0 });
    expect(JSON.parse(listed.stdout)).toEqual({ pending: expect.any(Array), paired: expect.any(Array) });
    expect(listed.leakedSecret).toBe(false);
    // A token in the environment does not count: the file SecretRef is authoritative (and absent here).
    const noCredential = runCli(gateway.layout, { ...gatewayProcessEnv(gateway.layout, path.join(gateway.root, "none")), OPENCLAW_GATEWAY_TOKEN: gateway.token }, ["devices", "list", "--json"]);
    expect(noCredential.status).not.toBe(0);
    expect(`${noCredential.stdout}${noCredential.stderr}`).toContain("gateway.auth.token is configured as a secret reference but is unavailable");
    // A credential with another token is refused by the gateway: the CLI really sends the one it read.
    const other = writeCredentials(path.join(gateway.root, "credentials", "other"), secretsFileContent("0".repeat(64)));
    const wrong = runCli(gateway.layout, gatewayProcessEnv(gateway.layout, other), ["devices", "list", "--json"]);
    expect(wrong.status).not.toBe(0);
    expect(`${wrong.stdout}${wrong.stderr}`).toContain("gateway token mismatch");
  }, 90_000);

  test("openclaw reads the credential only as systemd 252 leaves it: owned by the user, no group bit (an ACL'd 0440 file is refused)", () => {
    const file = path.join(gateway.adminCredentials, "gateway-secrets");
    chmodSync(file, 0o440);
    try {
      const refused = gateway.cli(["devices", "list", "--json"]);
      expect(refused.status).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain("gateway.auth.token is configured as a secret reference but is unavailable");
    } finally {
      chmodSync(file, 0o400);
    }
  }, 60_000);

  test("stops on SIGTERM by PID within 15 s, leaving no helper process behind", async () => {
    const helpers = descendants(gateway.pid);
    expect(helpers.length).toBeGreaterThan(0);
    const { graceful, stopMs, leftoverHelpers } = await gateway.stop();
    // eslint-disable-next-line no-console
    console.log(`openclaw gateway: stopped ${graceful ? "gracefully" : "by SIGKILL"} ${stopMs} ms after SIGTERM`);
    writeGatewayTimings({ startupMs: gateway.startupMs, readyMs: gateway.readyMs, stopMs });
    expect({ graceful, leftoverHelpers }).toEqual({ graceful: true, leftoverHelpers: 0 });
    for (const pid of [gateway.pid, ...helpers]) expect([pid, isAlive(pid)]).toEqual([pid, false]);
    expect(existsSync(gateway.layout.stateDir)).toBe(false);
  }, 30_000);
});
