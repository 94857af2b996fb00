// Servers inside the sandbox's own network namespace (nothing leaves it):
//  - IMDSv2 on 169.254.169.254:80 (PUT token, then GETs carrying it; 401 without),
//  - release downloads on 127.0.0.1:8088 from /fake/www,
//  - a stand-in gateway on 127.0.0.1:18789 whose /healthz follows /fake/state/gateway ("up"/"down"/"html").
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");

const identity = JSON.parse(fs.readFileSync("/fake/state/aws.json", "utf8"));
const TOKEN = "imds-session-token-0123";
const log = (file, line) => fs.appendFileSync(`/fake/state/${file}`, line + "\n");

const imds = http.createServer((req, res) => {
  log("imds.log", `${req.method} ${req.url}`);
  if (req.method === "PUT" && req.url === "/latest/api/token") {
    if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return res.writeHead(400).end();
    return res.end(TOKEN);
  }
  if (req.headers["x-aws-ec2-metadata-token"] !== TOKEN) return res.writeHead(401).end();
  const answers = {
    "/latest/meta-data/instance-id": identity.instanceId,
    "/latest/meta-data/placement/region": "us-east-1",
    "/latest/meta-data/placement/availability-zone": "us-east-1a",
  };
  if (req.url in answers) return res.end(answers[req.url]);
  // The Elastic IP once it is associated with this instance (the account is re-read: the fake aws changes it).
  if (req.url === "/latest/meta-data/public-ipv4") {
    const { address } = JSON.parse(fs.readFileSync("/fake/state/aws.json", "utf8"));
    if (address.holder === identity.instanceId) return res.end(address.publicIp);
  }
  res.writeHead(404).end();
});

const downloads = http.createServer((req, res) => {
  log("downloads.log", `${req.method} ${req.url}`);
  const file = path.join("/fake/www", path.normalize(decodeURIComponent(req.url)).replace(/^(\.\.[/\\])+/, ""));
  if (!file.startsWith("/fake/www/") || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return res.writeHead(404).end();
  fs.createReadStream(file).pipe(res);
});

const gateway = http.createServer((req, res) => {
  log("gateway.log", `${req.method} ${req.url}`);
  let state = "up";
  try { state = fs.readFileSync("/fake/state/gateway", "utf8").trim(); } catch { /* up */ }
  const up = state !== "down";
  // "html": something answers 200 with a page, as the Control UI does for paths it does not know.
  if (state === "html") return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>OpenClaw</title>");
  if (req.url === "/healthz" && up) return res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"status":"live"}');
  res.writeHead(up ? 404 : 503).end();
});

let listening = 0;
const ready = () => { if (++listening === 3) fs.writeFileSync("/fake/state/servers.ready", String(process.pid)); };
imds.listen(80, "169.254.169.254", ready);
downloads.listen(8088, "127.0.0.1", ready);
gateway.listen(18789, "127.0.0.1", ready);
