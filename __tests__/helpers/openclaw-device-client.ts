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
  | { ok: true; role: string; scopes: string[]; deviceTokenIssued: boolean }
  | {
      ok: false;
      message: string;
      /** error.details.code from the gateway, e.g. PAIRING_REQUIRED. */
      code?: string;
      reason?: string;
      requestId?: string;
      deviceId?: string;
      /** WebSocket close frame the client saw, if any (the Control UI shows "disconnected (1008): …"). */
      close?: { code: number; reason: string };
    };

// Runs under Node 24 as an ES module; argv: gateway-runtime module path, ws URL, display name.
const CLIENT_SCRIPT = String.raw`
const [sdkPath, url, displayName] = process.argv.slice(1);
const { GatewayClient } = await import(sdkPath);
let close;
let closed;
const closeSeen = new Promise((r) => { closed = r; });
const result = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve({ ok: false, message: "no answer within 20 s" }), 20000);
  // On a refusal, wait (bounded) for the server's close frame too: it carries the 1008 reason.
  const finish = async (value, waitForClose = false) => {
    clearTimeout(timer);
    if (waitForClose) await Promise.race([closeSeen, new Promise((r) => setTimeout(r, 10000))]);
    resolve(value);
    client.stop();
  };
  const client = new GatewayClient({
    url,
    token: process.env.DEVICE_CLIENT_GATEWAY_TOKEN,
    role: "operator",
    scopes: ["operator.read"],
    clientName: "cli",
    mode: "cli",
    clientDisplayName: displayName,
    platform: "linux",
    onHelloOk: (hello) => finish({ ok: true, role: hello.auth.role, scopes: hello.auth.scopes, deviceTokenIssued: Boolean(hello.auth.deviceToken) }),
    onConnectError: (err) => finish({
      ok: false, message: err.message, code: err.details?.code, reason: err.details?.reason,
      requestId: err.details?.requestId, deviceId: err.details?.deviceId,
    }, true),
    onClose: (code, reason) => { close ??= { code, reason }; closed(); },
  });
  client.start();
});
if (!result.ok && close) result.close = close;
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
`;

/**
 * Connects a client device to `wsUrl` with the shared gateway token. `deviceStateDir` holds the
 * device's identity: reuse it to reconnect as the same device.
 */
export function connectDevice(
  fixture: OpenclawFixture,
  wsUrl: string,
  token: string,
  deviceStateDir: string,
  displayName = "pairing-test-device",
): Promise<DeviceConnectResult> {
  const sdk = path.join(path.dirname(fixture.openclawEntry), "dist/plugin-sdk/gateway-runtime.js");
  const env = {
    HOME: deviceStateDir,
    OPENCLAW_STATE_DIR: deviceStateDir,
    PATH: `${fixture.nodeDir}/bin:/usr/bin:/bin`,
    DEVICE_CLIENT_GATEWAY_TOKEN: token,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(fixture.nodeBin, ["--input-type=module", "-e", CLIENT_SCRIPT, sdk, wsUrl, displayName], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const killer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(killer);
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as DeviceConnectResult);
      } catch {
        reject(new Error(`device client exited ${status} without a result:\n${stderr.split(token).join("<redacted>").slice(-2000)}`));
      }
    });
  });
}
