import { spawn } from "node:child_process";
import * as path from "node:path";
import type { OpenclawFixture } from "./openclaw-harness";

/**
 * A real remote client device: openclaw's own GatewayClient (the public
 * `openclaw/plugin-sdk/gateway-runtime` export), run by the fixture's Node 24 in a child process,
 * with its own state dir, so it creates and keeps its own signed device identity (ed25519) the
 * way a paired laptop or browser does. It connects once, reports the outcome as JSON and exits.
 */

/** What one connection attempt ended with. */
export type DeviceConnectResult =
  | { ok: true; role: string; scopes: string[]; deviceTokenIssued: boolean; method?: string }
  | {
      ok: false;
      message: string;
      /**
       * Always set: error.details.code from the gateway (e.g. PAIRING_REQUIRED); else the socket's
       * error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, …); else CONNECT_TIMEOUT when nothing
       * answered within the connect timeout, or CONNECT_ERROR.
       */
      code: string;
      reason?: string;
      requestId?: string;
      deviceId?: string;
      /** WebSocket close frame the client saw, if any (the Control UI shows "disconnected (1008): …"). */
      close?: { code: number; reason: string };
    };

/** How the device presents itself; the defaults are a CLI-like operator device with the shared token. */
export interface DeviceOptions {
  displayName?: string;
  /** Shared gateway token (the default credential). */
  token?: string;
  /** One-time bootstrap token from `openclaw dashboard --json` instead of the shared token. */
  bootstrapToken?: string;
  /** Client id and mode, e.g. "openclaw-control-ui" / "webchat" for the browser Control UI. */
  clientName?: string;
  mode?: string;
  scopes?: string[];
  /** Origin header (browsers send one; the gateway checks it against controlUi.allowedOrigins). */
  origin?: string;
  /**
   * How long the device waits for the gateway's answer (hello or refusal), in ms. Also its
   * connect-challenge watchdog, so a slow gateway is retried within it rather than given up on.
   * @default 20000 (DEFAULT_CONNECT_TIMEOUT_MS)
   */
  connectTimeoutMs?: number;
  /**
   * Keep retrying within the connect timeout after a socket error (refused, reset) instead of
   * returning it at once; the timeout's message then names the last socket error.
   * @default false
   */
  retrySocketErrors?: boolean;
}

/** The device's default connect timeout: ample for a gateway on this machine, not for one in a slow VM. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
/** Extra time the host process may take besides the connect timeout: loading openclaw's client, waiting for the close frame. */
const CLIENT_OVERHEAD_MS = 70_000;

// Runs under Node 24 as an ES module; argv: gateway-runtime module path, ws URL, options JSON.
const CLIENT_SCRIPT = String.raw`
const [sdkPath, url, optionsJson] = process.argv.slice(1);
const options = JSON.parse(optionsJson);
const { GatewayClient } = await import(sdkPath);
let close;
let closed;
const closeSeen = new Promise((r) => { closed = r; });
// What the socket saw while no answer came: a timeout says which (nothing at all, refused, closed, …).
const seen = { attempts: 0, lastError: undefined, lastClose: undefined };
const timeoutMs = options.connectTimeoutMs;
const result = await new Promise((resolve) => {
  const timer = setTimeout(() => {
    const saw = [
      seen.attempts + " connection(s) closed",
      seen.lastError && "last socket error " + seen.lastError,
      seen.lastClose && "last close " + seen.lastClose.code + (seen.lastClose.reason ? " " + seen.lastClose.reason : ""),
    ].filter(Boolean).join("; ");
    resolve({ ok: false, code: "CONNECT_TIMEOUT", message: "no answer from the gateway within " + timeoutMs / 1000 + " s (" + saw + ")" });
    client.stop();
  }, timeoutMs);
  // On a refusal, wait (bounded) for the server's close frame too: it carries the 1008 reason.
  const finish = async (value, waitForClose = false) => {
    clearTimeout(timer);
    if (waitForClose) await Promise.race([closeSeen, new Promise((r) => setTimeout(r, 10000))]);
    resolve(value);
    client.stop();
  };
  const client = new GatewayClient({
    url,
    token: process.env.DEVICE_CLIENT_GATEWAY_TOKEN || undefined,
    bootstrapToken: process.env.DEVICE_CLIENT_BOOTSTRAP_TOKEN || undefined,
    role: "operator",
    scopes: options.scopes,
    clientName: options.clientName,
    mode: options.mode,
    clientDisplayName: options.displayName,
    origin: options.origin,
    platform: "linux",
    // The client's own watchdog for the gateway's connect challenge (15 s by default) follows our timeout.
    connectChallengeTimeoutMs: timeoutMs,
    preauthHandshakeTimeoutMs: timeoutMs,
    onHelloOk: (hello) => finish({
      ok: true, role: hello.auth.role, scopes: hello.auth.scopes,
      deviceTokenIssued: Boolean(hello.auth.deviceToken), method: hello.auth.method,
    }),
    onConnectError: (err) => {
      // A refusal from the gateway carries details.code; a socket error only err.code (ECONNREFUSED, …).
      // With retrySocketErrors the client's own reconnect loop keeps trying within our timeout.
      if (!err.details?.code) {
        seen.lastError = (err.code ? err.code + " " : "") + err.message;
        if (options.retrySocketErrors) return;
      }
      finish({
        ok: false, message: err.message, code: err.details?.code ?? err.code ?? "CONNECT_ERROR", reason: err.details?.reason,
        requestId: err.details?.requestId, deviceId: err.details?.deviceId,
      }, true);
    },
    onClose: (code, reason) => { seen.attempts += 1; seen.lastClose = { code, reason }; close ??= { code, reason }; closed(); },
  });
  client.start();
});
if (!result.ok && close) result.close = close;
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
`;

/**
 * Connects a CLI-like operator device to `wsUrl` once with the shared gateway token.
 * `deviceStateDir` holds the device's identity: reuse it to reconnect as the same device.
 */
export function connectDevice(
  fixture: OpenclawFixture,
  wsUrl: string,
  token: string,
  deviceStateDir: string,
  displayName = "pairing-test-device",
  patience: Pick<DeviceOptions, "connectTimeoutMs" | "retrySocketErrors"> = {},
): Promise<DeviceConnectResult> {
  return connectDeviceWith(fixture, wsUrl, deviceStateDir, { token, displayName, ...patience });
}

/** Like connectDevice, with every option (bootstrap token, Control UI identity, Origin). Secrets travel in the environment, never in argv. */
export function connectDeviceWith(
  fixture: OpenclawFixture,
  wsUrl: string,
  deviceStateDir: string,
  options: DeviceOptions,
): Promise<DeviceConnectResult> {
  const sdk = path.join(path.dirname(fixture.openclawEntry), "dist/plugin-sdk/gateway-runtime.js");
  const { token = "", bootstrapToken = "", ...shown } = options;
  const settings = {
    displayName: "test-device", clientName: "cli", mode: "cli", scopes: ["operator.read"],
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, ...shown,
  };
  const env = {
    HOME: deviceStateDir,
    OPENCLAW_STATE_DIR: deviceStateDir,
    PATH: `${fixture.nodeDir}/bin:/usr/bin:/bin`,
    DEVICE_CLIENT_GATEWAY_TOKEN: token,
    DEVICE_CLIENT_BOOTSTRAP_TOKEN: bootstrapToken,
  };
  const secrets = [token, bootstrapToken].filter(Boolean);
  const redact = (text: string) => secrets.reduce((t, secret) => t.split(secret).join("<redacted>"), text);
  return new Promise((resolve, reject) => {
    const child = spawn(fixture.nodeBin, ["--input-type=module", "-e", CLIENT_SCRIPT, sdk, wsUrl, JSON.stringify(settings)], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const killAfterMs = settings.connectTimeoutMs + CLIENT_OVERHEAD_MS;
    let killed = false;
    const killer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, killAfterMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(killer);
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as DeviceConnectResult);
      } catch {
        const how = killed ? `was killed after ${killAfterMs / 1000} s (connect timeout ${settings.connectTimeoutMs / 1000} s + ${CLIENT_OVERHEAD_MS / 1000} s)` : `exited ${status}`;
        reject(new Error(`device client ${how} without a result:\n${redact(stderr).slice(-2000)}`));
      }
    });
  });
}
