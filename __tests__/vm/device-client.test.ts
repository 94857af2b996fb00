/**
 * The remote device's connect timeout is a parameter, and a connection that fails says how: refused,
 * or no answer within the timeout (with what the socket saw) — never a bare `ok: false` without a code.
 * Fast: real openclaw client (the fixture), no VM, against a closed port and a server that never answers.
 */
import { createServer, Server, Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectDevice } from "../helpers/openclaw-device-client";
import { OpenclawFixture, openclawFixture, openclawFixtureProblem } from "../helpers/openclaw-harness";
import { requireInCi } from "../helpers/settings";

const enabled = requireInCi(openclawFixtureProblem(), "device client timeouts (__tests__/vm/device-client.test.ts)");
const describeIf = enabled ? describe : describe.skip;

/** A TCP server that accepts and then says nothing (a gateway too slow to answer). */
function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => r());
    }),
  })));
}

/** A port with nothing listening on it (bound, then released). */
async function closedPort(): Promise<number> {
  const s = await silentServer();
  await s.close();
  return s.port;
}

describeIf("device client: connect timeout and failure codes", () => {
  let fixture: OpenclawFixture;
  let dir: string;
  beforeAll(() => {
    fixture = openclawFixture() as OpenclawFixture;
    dir = mkdtempSync(join(tmpdir(), "device-client-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a refused connection says ECONNREFUSED at once", async () => {
    const port = await closedPort();
    const result = await connectDevice(fixture, `ws://127.0.0.1:${port}`, "t".repeat(64), dir, "refused", { connectTimeoutMs: 30_000 });
    expect(result).toMatchObject({ ok: false, code: "ECONNREFUSED" });
  }, 60_000);

  test("no answer within the given timeout says CONNECT_TIMEOUT, the timeout and what the socket saw", async () => {
    const server = await silentServer();
    try {
      const started = Date.now();
      const result = await connectDevice(fixture, `ws://127.0.0.1:${server.port}`, "t".repeat(64), dir, "silent", { connectTimeoutMs: 3_000 });
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ ok: false, code: "CONNECT_TIMEOUT" });
      expect(result.ok ? "" : result.message).toMatch(/^no answer from the gateway within 3 s \(\d+ connection\(s\) closed/);
      expect(elapsed).toBeGreaterThanOrEqual(3_000);
    } finally {
      await server.close();
    }
  }, 60_000);

  test("retrying socket errors within the timeout: the timeout names the last one", async () => {
    const port = await closedPort();
    const result = await connectDevice(fixture, `ws://127.0.0.1:${port}`, "t".repeat(64), dir, "retry", {
      connectTimeoutMs: 4_000, retrySocketErrors: true,
    });
    expect(result).toMatchObject({ ok: false, code: "CONNECT_TIMEOUT" });
    expect(result.ok ? "" : result.message).toMatch(/within 4 s .*last socket error ECONNREFUSED/);
  }, 60_000);
});
