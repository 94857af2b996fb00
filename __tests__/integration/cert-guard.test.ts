import { ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import * as http from "node:http";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  CERT_GUARD_CLOCK_ENV, CERT_GUARD_EXIT, CERT_GUARD_STATUS_FILE, CertGuardParams, DnsWaitParams,
  TRAEFIK_DEFAULT_CERT_CN, TRAEFIK_RENEWAL_WINDOWS, imdsPublicAddressCommand, renderCertGuard, renderDnsWait,
} from "../../modules/host/cert-guard";
import { freePort } from "../helpers/free-port";
import { requireInCi } from "../helpers/settings";

/**
 * The certificate guard and the DNS wait against real boundaries: certificates minted by
 * `openssl req -x509` / `openssl x509 -req`, served by `openssl s_server`, read by the guard's
 * `openssl s_client`; the system resolver (`getent ahostsv4 localhost`) for DNS; a fake
 * `systemctl` on PATH that records its calls; the guard's clock moved by an environment
 * variable instead of sleeping.
 */
const missing = (tool: string) => (spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0 ? undefined : `${tool} is not installed`);
const can = requireInCi(missing("openssl") ?? missing("getent") ?? missing("shellcheck"), "the certificate guard against openssl s_server");
const suite = can ? describe : describe.skip;

const DAY = 86400;
const DOMAIN = "localhost"; // resolves to 127.0.0.1 through the real system resolver
const HERE = "echo 127.0.0.1"; // the instance's "public address" when DNS is right
const ELSEWHERE = "echo 203.0.113.7"; // ... and when DNS points elsewhere

let dir: string;
const servers: ChildProcess[] = [];
const ports: Record<string, number> = {};

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", cwd: dir, env: { ...process.env, ...options.env }, input: options.input });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function openssl(...args: string[]): void {
  const result = run("openssl", args);
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${result.stderr}`);
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A leaf certificate for DOMAIN signed by the test CA, valid for `days` from now. */
function leaf(name: string, days: number): void {
  openssl("req", "-new", ...ecKey, "-subj", `/CN=${DOMAIN}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
  openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", String(days), "-out", `${name}.crt`);
}


async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

/** `openssl s_server` serving NAME.crt on a free port, once it accepts connections. */
async function serve(name: string): Promise<number> {
  const port = await freePort();
  const server = spawn("openssl", ["s_server", "-accept", String(port), "-cert", `${name}.crt`, "-key", `${name}.key`, "-www", "-quiet"], { cwd: dir, stdio: "ignore" });
  servers.push(server);
  for (let i = 0; i < 100 && !(await accepts(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return port;
}

beforeAll(async () => {
  if (!can) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cert-guard-"));
  openssl("req", "-x509", ...ecKey, "-subj", `/CN=${TRAEFIK_DEFAULT_CERT_CN}`, "-days", "365", "-keyout", "default.key", "-out", "default.crt");
  openssl("req", "-x509", ...ecKey, "-subj", "/O=Test/CN=Test CA", "-days", "365", "-keyout", "ca.key", "-out", "ca.crt");
  leaf("ninety", 90);
  leaf("sixtyfour", 64);
  leaf("fortyfive", 45);
  leaf("six", 6);
  const names = ["default", "ninety", "sixtyfour", "fortyfive", "six"];
  const served = await Promise.all(names.map(serve));
  names.forEach((name, i) => { ports[name] = served[i]; });
  fs.mkdirSync(path.join(dir, "bin"));
  // The fake systemctl records its arguments; FAKE_SYSTEMCTL_STATUS makes it fail.
  fs.writeFileSync(path.join(dir, "bin", "systemctl"), `#!/bin/sh\necho "$*" >>"${dir}/systemctl.calls"\nexit "\${FAKE_SYSTEMCTL_STATUS:-0}"\n`, { mode: 0o755 });
}, 30_000);

afterAll(() => {
  for (const server of servers) server.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

let runs = 0;
/** Writes the guard for `params` and returns a function that runs it at a given clock. */
function guard(overrides: Partial<CertGuardParams> & { port: number }) {
  runs += 1;
  const stateDir = path.join(dir, `state-${runs}`);
  const script = path.join(dir, `guard-${runs}.sh`);
  fs.writeFileSync(script, renderCertGuard({ domain: DOMAIN, publicAddressCommand: HERE, stateDir, traefikUnit: "traefik.service", ...overrides }), { mode: 0o755 });
  const calls = () => (fs.existsSync(path.join(dir, "systemctl.calls")) ? fs.readFileSync(path.join(dir, "systemctl.calls"), "utf8").split("\n").filter(Boolean) : []);
  return {
    stateDir,
    script,
    run(now: number, env: NodeJS.ProcessEnv = {}) {
      fs.rmSync(path.join(dir, "systemctl.calls"), { force: true });
      const result = run("bash", [script], { env: { PATH: `${dir}/bin:${process.env.PATH}`, [CERT_GUARD_CLOCK_ENV]: String(now), ...env } });
      const json = JSON.parse(fs.readFileSync(path.join(stateDir, CERT_GUARD_STATUS_FILE), "utf8"));
      return { code: result.status, stdout: result.stdout, stderr: result.stderr, json, calls: calls() };
    },
  };
}

const now = () => Math.floor(Date.now() / 1000);

suite("openclaw-cert-guard against openssl s_server", () => {
  test("a CA-issued 90-day certificate is OK: no restart, exit 0, status JSON with issuer and days left", () => {
    const r = guard({ port: ports.ninety }).run(now());
    expect(r.code).toBe(CERT_GUARD_EXIT.ok);
    expect(r.json).toMatchObject({ state: "OK", cert: "OK", action: "none", domain: DOMAIN, issuer: "CN=Test CA,O=Test", subject: `CN=${DOMAIN}`, restartsToday: 0, lastRestart: null });
    expect(r.json.daysLeft).toBeGreaterThan(89.9);
    expect(r.json.notAfter).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.stdout).toMatch(/^openclaw-cert-guard: OK cert=OK action=none domain=localhost /);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toBe("");
  });

  test("Traefik's default certificate with DNS right: one restart, then the interval holds the second, then it is allowed", () => {
    const g = guard({ port: ports.default });
    const t0 = now();
    const first = g.run(t0);
    expect(first).toMatchObject({ json: expect.objectContaining({ state: "DEFAULT_CERT", cert: "DEFAULT_CERT", action: "restarted", restartsToday: 1, issuer: `CN=${TRAEFIK_DEFAULT_CERT_CN}` }), calls: ["restart traefik.service"] });
    expect(first.json.lastRestart).toBe(new Date(t0 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"));
    const tooSoon = g.run(t0 + 59 * 60);
    expect(tooSoon).toMatchObject({ json: expect.objectContaining({ state: "DEFAULT_CERT", action: "deferred", restartsToday: 1 }), calls: [] });
    expect(tooSoon.stdout).toContain("next_restart_after=");
    const later = g.run(t0 + 61 * 60);
    expect(later).toMatchObject({ json: expect.objectContaining({ action: "restarted", restartsToday: 2 }), calls: ["restart traefik.service"] });
    expect([first.code, tooSoon.code, later.code]).toEqual([0, 0, 0]);
    expect(tooSoon.json.lastRestart).toBe(first.json.lastRestart);
    expect(later.json.lastRestart).not.toBe(first.json.lastRestart);
  });

  test("with an alert (the host's CertificateProblem data point): run on every verdict but OK, before the exit", () => {
    const alert = { functions: `alert() { echo "$CERT" >>${dir}/alerts.log; }`, command: "alert" };
    const alerts = () => (fs.existsSync(path.join(dir, "alerts.log")) ? fs.readFileSync(path.join(dir, "alerts.log"), "utf8").split("\n").filter(Boolean) : []);
    expect(guard({ port: ports.ninety, alert }).run(now()).code).toBe(CERT_GUARD_EXIT.ok);
    expect(alerts()).toEqual([]);
    const fallback = guard({ port: ports.default, alert }).run(now());
    expect(fallback.json.cert).toBe("DEFAULT_CERT");
    expect(alerts()).toEqual(["DEFAULT_CERT"]);
  });

  test("the daily cap: the 5th restart inside 24 h is refused with RATE_LIMITED (exit 5); a day later it is allowed again", () => {
    const g = guard({ port: ports.default });
    const t0 = now();
    for (let hour = 0; hour < 4; hour++) expect(g.run(t0 + hour * 3600).calls).toEqual(["restart traefik.service"]);
    const capped = g.run(t0 + 4 * 3600);
    expect(capped).toMatchObject({ json: expect.objectContaining({ state: "RATE_LIMITED", restartsToday: 4 }), calls: [] });
    expect(capped.code).toBe(CERT_GUARD_EXIT.rateLimited);
    expect(capped.stdout).toMatch(/^openclaw-cert-guard: RATE_LIMITED /);
    const nextDay = g.run(t0 + 3 * 3600 + DAY + 60);
    expect(nextDay).toMatchObject({ json: expect.objectContaining({ action: "restarted", restartsToday: 1 }), calls: ["restart traefik.service"] });
  });

  test("exit codes: DNS_NOT_READY 4, UNREACHABLE 3, RESTART_FAILED 6 (the attempt still counts)", async () => {
    const t0 = now();
    expect(guard({ port: ports.default, publicAddressCommand: ELSEWHERE }).run(t0).code).toBe(CERT_GUARD_EXIT.dnsNotReady);
    expect(guard({ port: await freePort() }).run(t0).code).toBe(CERT_GUARD_EXIT.unreachable);
    const failing = guard({ port: ports.default }).run(t0, { FAKE_SYSTEMCTL_STATUS: "1" });
    expect(failing).toMatchObject({ code: CERT_GUARD_EXIT.restartFailed, json: expect.objectContaining({ state: "RESTART_FAILED", action: "restart_failed", restartsToday: 1 }), calls: ["restart traefik.service"] });
  });

  test("DNS not pointing here: DNS_NOT_READY, never a restart, however often it runs", () => {
    const g = guard({ port: ports.default, publicAddressCommand: ELSEWHERE });
    const t0 = now();
    for (let hour = 0; hour < 3; hour++) {
      const r = g.run(t0 + hour * 3600);
      expect(r).toMatchObject({ json: expect.objectContaining({ state: "DNS_NOT_READY", cert: "DEFAULT_CERT", action: "none", restartsToday: 0 }), calls: [] });
      expect(r.stdout).toContain("resolved=127.0.0.1 expected=203.0.113.7");
    }
    const unknown = guard({ port: ports.default, publicAddressCommand: "false" }).run(t0);
    expect(unknown).toMatchObject({ json: expect.objectContaining({ state: "DNS_NOT_READY" }), calls: [] });
    expect(unknown.stdout).toContain("expected=unknown");
  });

  test.each([
    // [certificate, lifetime days, still OK at day, EXPIRING at day]: half of Traefik's renewal window
    ["ninety", 90, 74, 76], // Traefik renews from 30 days left; the guard acts below 15
    ["sixtyfour", 64, 58, 60], // Traefik (certificatesDuration 1536) renews from 10 days left; the guard below 5
    ["fortyfive", 45, 39, 41], // as 64 days
    ["six", 6, 1, 5.05], // Traefik (certificatesDuration 144) renews from 2 days left; the guard below 1
  ])("expiry (certificate %s, %i days): OK at day %d, EXPIRING (restart) at day %d", (name, _days, okDay, expiringDay) => {
    const t0 = now();
    expect(guard({ port: ports[name] }).run(t0 + okDay * DAY)).toMatchObject({ code: 0, json: expect.objectContaining({ state: "OK" }), calls: [] });
    expect(guard({ port: ports[name] }).run(t0 + Math.round(expiringDay * DAY))).toMatchObject({
      code: 0, json: expect.objectContaining({ state: "EXPIRING", cert: "EXPIRING", action: "restarted" }), calls: ["restart traefik.service"] });
  });

  test("renewal_window in the script follows Traefik's table at every boundary", () => {
    const script = renderCertGuard({ domain: DOMAIN, publicAddressCommand: HERE, stateDir: dir, traefikUnit: "t" });
    const fn = script.slice(script.indexOf("renewal_window() {"), script.indexOf("\n}\n", script.indexOf("renewal_window() {")) + 3);
    const probes = TRAEFIK_RENEWAL_WINDOWS.flatMap((w, i) => [[w.minLifetimeHours, w.windowSeconds], ...(i > 0 ? [[TRAEFIK_RENEWAL_WINDOWS[i - 1].minLifetimeHours - 1, w.windowSeconds]] : [])]);
    const out = run("bash", ["-c", `${fn}\nfor h in ${probes.map((p) => p[0]).join(" ")}; do renewal_window "$h"; done`]);
    expect(out.stdout.trim().split("\n").map(Number)).toEqual(probes.map((p) => p[1]));
  });

  test("a 90-day certificate with 1 day left, and one already expired, are EXPIRING", () => {
    const t0 = now();
    const oneDayLeft = guard({ port: ports.ninety }).run(t0 + 89 * DAY);
    expect(oneDayLeft).toMatchObject({ json: expect.objectContaining({ state: "EXPIRING" }), calls: ["restart traefik.service"] });
    expect(oneDayLeft.json.daysLeft).toBeLessThanOrEqual(1);
    expect(guard({ port: ports.ninety }).run(t0 + 91 * DAY).json).toMatchObject({ state: "EXPIRING", action: "restarted" });
  });

  test("nothing on the port: UNREACHABLE, no restart, status without certificate fields", async () => {
    const r = guard({ port: await freePort() }).run(now());
    expect(r).toMatchObject({ json: expect.objectContaining({ state: "UNREACHABLE", cert: "UNREACHABLE", issuer: null, notAfter: null, daysLeft: null }), calls: [] });
  });

  test("the public address from IMDSv2 (a fake IMDS over real HTTP, token first): DNS right, so it restarts", async () => {
    const seen: string[] = [];
    const imds = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers["x-aws-ec2-metadata-token"] ?? ""}`);
      if (req.method === "PUT" && req.url === "/latest/api/token") res.end("tok");
      else if (req.url === "/latest/meta-data/public-ipv4" && req.headers["x-aws-ec2-metadata-token"] === "tok") res.end("127.0.0.1");
      else { res.statusCode = 401; res.end(); }
    });
    await new Promise<void>((resolve) => imds.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = imds.address() as net.AddressInfo;
      const g = guard({ port: ports.default, publicAddressCommand: imdsPublicAddressCommand(`http://127.0.0.1:${port}/latest/`) });
      const stdout = await new Promise<string>((resolve, reject) => execFile("bash", [g.script], { env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` } },
        (error, out) => (error ? reject(error) : resolve(out))));
      expect(stdout).toMatch(/^openclaw-cert-guard: DEFAULT_CERT cert=DEFAULT_CERT action=restarted /);
      expect(seen).toEqual(["PUT /latest/api/token ", "GET /latest/meta-data/public-ipv4 tok"]);
    } finally {
      imds.close();
    }
  });

  test("bash -n and shellcheck pass on the guard and the DNS wait", () => {
    const files = {
      "guard.sh": renderCertGuard({ domain: "gw.example.com", publicAddressCommand: imdsPublicAddressCommand("http://169.254.169.254/latest"), stateDir: "/var/lib/openclaw-cert-guard", traefikUnit: "traefik.service" }),
      "dns-wait.sh": `#!/bin/bash\nset -euo pipefail\n${renderDnsWait({ domain: "gw.example.com", publicAddressCommand: 'echo "$PUBLIC_IP"' }).replace(/^/, 'PUBLIC_IP=198.51.100.1\n')}`,
    };
    for (const [name, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), content);
      expect(run("bash", ["-n", name])).toMatchObject({ status: 0, stderr: "" });
      expect(run("shellcheck", ["--shell=bash", "--severity=style", name])).toMatchObject({ status: 0, stdout: "" });
    }
  });
});

suite("wait_for_dns (boot step)", () => {
  /** A resolver that answers 127.0.0.1 from its K-th call on (before: nothing), counting calls in a file. */
  function resolverAfter(k: number): string[] {
    const counter = path.join(dir, `resolver-${k}-${Date.now()}`);
    const script = `${counter}.sh`;
    fs.writeFileSync(script, `#!/bin/sh\nn=$(( $(cat "${counter}" 2>/dev/null || echo 0) + 1 ))\necho "$n" >"${counter}"\n[ "$n" -ge ${k} ] && echo "127.0.0.1       STREAM $1"\nexit 0\n`, { mode: 0o755 });
    return [script];
  }
  function waitFor(params: Partial<DnsWaitParams>) {
    const text = `#!/bin/bash\nset -euo pipefail\n${renderDnsWait({ domain: "gw.example.com", publicAddressCommand: HERE, logTag: "boot", ...params })}echo "boot continues"\n`;
    const started = Date.now();
    const result = run("bash", ["-c", text]);
    return { ...result, seconds: (Date.now() - started) / 1000 };
  }

  test("resolves after 3 polls: logs progress, then continues", () => {
    const r = waitFor({ resolveCommand: resolverAfter(3), pollSeconds: 0.1, timeoutSeconds: 30 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("boot continues\n");
    expect(r.stderr.split("\n").filter(Boolean)).toEqual([
      "boot: waiting for DNS: gw.example.com resolves to nothing, want 127.0.0.1 (poll 1)",
      "boot: waiting for DNS: gw.example.com resolves to nothing, want 127.0.0.1 (poll 2)",
      "boot: DNS ready: gw.example.com resolves to 127.0.0.1 (poll 3)",
    ]);
  });

  test("never resolves: gives up within the bound, logs DNS NOT READY loudly, exits 0 and the boot continues", () => {
    const r = waitFor({ resolveCommand: resolverAfter(1_000_000), pollSeconds: 0.2, timeoutSeconds: 2 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("boot continues\n");
    expect(r.stderr).toMatch(/boot: DNS NOT READY after 2 s: gw\.example\.com resolves to nothing, this instance is 127\.0\.0\.1; continuing/);
    expect(r.seconds).toBeGreaterThanOrEqual(1);
    expect(r.seconds).toBeLessThan(4);
  });

  test("the real system resolver: localhost resolves to 127.0.0.1 at the first poll", () => {
    const r = waitFor({ domain: "localhost", pollSeconds: 0.1, timeoutSeconds: 5 });
    expect(r.stderr).toBe("boot: DNS ready: localhost resolves to 127.0.0.1 (poll 1)\n");
  });
});
