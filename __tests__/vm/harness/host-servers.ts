import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { sha256 } from "./fake-aws";

/** Handler of one host-side service. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Starts an HTTP server on 127.0.0.1 with a free port; resolves with the server and port. */
export function listen(handler: Handler): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      try {
        handler(req, res);
      } catch (err) {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      }
    });
    server.keepAliveTimeout = 1000;
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    });
  });
}

/** Serves files: URL path → local file. Everything else is 404. Records each request. */
export function staticFiles(files: Map<string, string>, log: { path: string; status: number }[]): Handler {
  return (req, res) => {
    req.resume();
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    const file = files.get(path);
    if (!file || !existsSync(file)) {
      log.push({ path, status: 404 });
      res.writeHead(404).end("not found");
      return;
    }
    log.push({ path, status: 200 });
    res.writeHead(200, { "content-length": statSync(file).size, "content-type": "application/octet-stream" });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  };
}

const UPSTREAM = "https://registry.npmjs.org/";

/**
 * An npm registry proxy for the guest, which cannot reach the internet: forwards GETs to the public
 * registry and keeps every answer in a disk cache (warm runs and retries never go upstream).
 * Tarball URLs in package documents are rewritten to point back at the proxy.
 */
export function npmProxy(cacheDir: string, publicBase: string, log: { path: string; status: number; cached: boolean }[]): Handler {
  mkdirSync(cacheDir, { recursive: true });
  return (req, res) => {
    req.resume();
    const path = (req.url ?? "/").split("?")[0];
    const isTarball = path.endsWith(".tgz");
    const abbreviated = String(req.headers.accept ?? "").includes("application/vnd.npm.install-v1+json");
    const file = join(cacheDir, sha256(`${abbreviated ? "A" : "F"}${path}`));
    const send = (status: number, body: Buffer, cached: boolean) => {
      log.push({ path, status, cached });
      res.writeHead(status, { "content-type": isTarball ? "application/octet-stream" : "application/json", "content-length": body.length });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, Buffer.from("{}"), false);
    if (existsSync(file)) return send(200, readFileSync(file), true);
    const headers = { accept: abbreviated ? "application/vnd.npm.install-v1+json" : "application/json", "accept-encoding": "identity" };
    httpsGet(new URL(path.replace(/^\//, ""), UPSTREAM), { headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on("data", (c: Buffer) => chunks.push(c));
      up.on("end", () => {
        let body = Buffer.concat(chunks);
        if (up.statusCode !== 200) return send(up.statusCode ?? 502, body, false);
        if (!isTarball) body = Buffer.from(body.toString("utf8").split(UPSTREAM).join(publicBase));
        writeFileSync(`${file}.tmp`, body);
        renameSync(`${file}.tmp`, file);
        return send(200, body, false);
      });
      up.on("error", () => send(502, Buffer.from("{}"), false));
    }).on("error", (err) => send(502, Buffer.from(JSON.stringify({ error: String(err) })), false));
  };
}
