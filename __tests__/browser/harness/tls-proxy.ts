import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { networkInterfaces } from "node:os";
import * as path from "node:path";

/**
 * A real TLS terminator in front of the gateway, standing in for the host's Traefik: Debian's caddy
 * serves https://<domain> with the test CA's leaf and reverse-proxies (WebSocket upgrades included)
 * to the gateway's host:port, with the forwarded headers Traefik sets.
 *
 * Headers: Caddy ≥ 2.5's reverse_proxy passes every incoming header through (Host unchanged, as
 * Traefik's passHostHeader: true does), ignores a client's own X-Forwarded-* (no trusted_proxies) and
 * sets X-Forwarded-For (the client's address), X-Forwarded-Proto and X-Forwarded-Host
 * (https://github.com/caddyserver/caddy/pull/4507 and the 2.5.0 release notes; `caddy reverse-proxy`
 * man page of caddy 2.6.2, read 2026-12-01). Traefik also sets X-Forwarded-Port (the entrypoint's, 443
 * here), X-Forwarded-Server and X-Real-Ip (its forwardedheaders middleware; modules/host/traefik.ts has
 * no forwardedHeaders.trustedIPs, so Traefik too overwrites what a client sent): set below.
 *
 * The proxy listens on a non-loopback address of this machine: the gateway sees the browser's
 * address in X-Forwarded-For, and a loopback client would be "local" to openclaw (silently paired,
 * docs/gateway/pairing.md "Silent local pairing"), which a person on the Internet never is. In the VM
 * proof the guest's proxy sees qemu's 10.0.2.2 for the same reason.
 */

/** Where the proxy sends requests. */
export interface Upstream {
  /** Host or address (the gateway on loopback natively; the forwarded port on the VM host). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

/** A running caddy. */
export interface RunningTlsProxy {
  /** The address the proxy listens on (the browser connects here; the gateway sees it as the client). */
  readonly address: string;
  /** The port it listens on (what the browser's resolver rule maps the domain's port 443 to). */
  readonly port: number;
  /** caddy's output so far (errors only: log level ERROR). */
  output(): string;
  /** Stops caddy (SIGTERM, SIGKILL after 5 s); workDir stays (its owner removes it). */
  stop(): Promise<void>;
}

/**
 * The first non-internal IPv4 address of this machine (a private or documentation address is fine:
 * what matters is that it is not loopback), or a sentence saying there is none.
 */
export function clientFacingAddress(): string | { problem: string } {
  for (const entries of Object.values(networkInterfaces())) {
    const found = entries?.find((e) => e.family === "IPv4" && !e.internal);
    if (found) return found.address;
  }
  return { problem: "this machine has no non-loopback IPv4 address (the proxy must not see the browser as a loopback client)" };
}

/** caddy's JSON configuration: one TLS server for `domain`, proxying to `upstream`. */
export function caddyConfig(o: { domain: string; cert: string; key: string; listen: string; upstream: Upstream; storage: string }): object {
  return {
    admin: { disabled: true },
    logging: { logs: { default: { level: "ERROR" } } },
    storage: { module: "file_system", root: o.storage },
    apps: {
      tls: { certificates: { load_files: [{ certificate: o.cert, key: o.key, tags: ["test-ca"] }] } },
      http: {
        servers: {
          gateway: {
            listen: [o.listen],
            // The leaf is loaded, never obtained: no ACME, no HTTP→HTTPS redirect server.
            automatic_https: { disable: true },
            tls_connection_policies: [{ match: { sni: [o.domain] }, certificate_selection: { any_tag: ["test-ca"] } }],
            routes: [{
              match: [{ host: [o.domain] }],
              terminal: true,
              handle: [{
                handler: "reverse_proxy",
                upstreams: [{ dial: `${o.upstream.host}:${o.upstream.port}` }],
                headers: {
                  request: {
                    set: {
                      "X-Forwarded-Port": ["443"],
                      "X-Forwarded-Server": ["openclaw-aws-test-proxy"],
                      "X-Real-Ip": ["{http.request.remote.host}"],
                    },
                  },
                },
              }],
            }],
          },
        },
      },
    },
  };
}

/** Resolves once `host:port` accepts TCP connections (the child must stay alive meanwhile). */
async function waitForListen(host: string, port: number, alive: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (!alive()) throw new Error("caddy exited before listening");
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host, () => { socket.destroy(); resolve(true); });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`caddy did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

/** A free TCP port on `host`. */
async function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts caddy (`caddy run --config <json>`) with its config and storage under `workDir`, on
 * `listenAddress` (default: clientFacingAddress()) and a free port.
 */
export async function startTlsProxy(o: {
  domain: string;
  cert: string;
  key: string;
  upstream: Upstream;
  workDir: string;
  listenAddress?: string;
}): Promise<RunningTlsProxy> {
  const found = o.listenAddress ?? clientFacingAddress();
  if (typeof found !== "string") throw new Error(`TLS proxy: ${found.problem}`);
  const address = found;
  const port = await freePortOn(address);
  mkdirSync(o.workDir, { recursive: true, mode: 0o700 });
  const configFile = path.join(o.workDir, "caddy.json");
  const listen = `${address.includes(":") ? `[${address}]` : address}:${port}`;
  writeFileSync(configFile, JSON.stringify(caddyConfig({ ...o, listen, storage: path.join(o.workDir, "data") }), null, 2));
  // HOME/XDG: caddy writes nothing outside workDir (its autosave and storage go there).
  const env = { PATH: "/usr/bin:/bin", HOME: o.workDir, XDG_DATA_HOME: o.workDir, XDG_CONFIG_HOME: o.workDir };
  const child: ChildProcess = spawn("caddy", ["run", "--config", configFile], { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (c: Buffer) => { log = (log + c.toString("utf8")).slice(-50_000); };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => { exited = true; resolve(); }));
  child.once("error", (e) => { keep(Buffer.from(String(e))); exited = true; });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exit, new Promise((r) => { timer = setTimeout(r, 5_000); })]);
    clearTimeout(timer);
    if (!exited) { child.kill("SIGKILL"); await exit; }
  };
  try {
    await waitForListen(address, port, () => !exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- caddy output ---\n${log.slice(-4000)}`);
  }
  return { address, port, output: () => log, stop };
}
