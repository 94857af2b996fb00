/**
 * The layers point one way: `scripts/` (entry points) → `modules/` (the library). Nothing under
 * `modules/` may import from `scripts/` or `__tests__/`, and `scripts/` holds entry points only
 * (every file there is run by an npm script or a test, none is imported by the library).
 * Within the library, what is rendered onto the host (`modules/host/`) is pure: it never imports
 * the CDKTF constructs or the review tools.
 * Tests sit on top: neither `modules/` nor `scripts/` imports `__tests__/`. The test infrastructure
 * (`__tests__/helpers/`, `__tests__/vm/harness/`, `__tests__/browser/harness/`) imports the library's files
 * and other infrastructure, never a test file (tests are leaves: nothing imports a `*.test.ts`) nor an entry
 * point in `scripts/`; the shared helpers sit below the VM and browser harnesses (helpers never import
 * `__tests__/vm/` or `__tests__/browser/`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : /\.(ts|js)$/.test(name) ? [full] : [];
  });
}

/** Every relative import/require/dynamic import in a source text, resolved to a repo-relative path. */
export function relativeImports(file: string, source: string): string[] {
  const specs = [...source.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)].map((m) => m[1]);
  return specs.map((spec) => path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep).join("/"));
}

/** The layer violations of one file: "<file> imports <target>" for each import the rules forbid. */
export function layerViolations(file: string, source: string): string[] {
  const from = path.relative(ROOT, file).split(path.sep).join("/");
  const forbidden: RegExp[] = [];
  if (from.startsWith("modules/")) forbidden.push(/^scripts(\/|$)/, /^__tests__(\/|$)/, /^main(\.ts)?$/);
  if (from.startsWith("modules/host/")) forbidden.push(/^modules\/(constructs|review|ops)(\/|$)/, /^modules\/stack$/);
  if (from.startsWith("scripts/")) forbidden.push(/^__tests__(\/|$)/);
  if (/^__tests__\/(helpers|vm\/harness|browser\/harness)\//.test(from)) forbidden.push(/^scripts(\/|$)/, /^__tests__\/(unit|integration)(\/|$)/);
  if (from.startsWith("__tests__/helpers/")) forbidden.push(/^__tests__\/(vm|browser)(\/|$)/);
  forbidden.push(/\.test(\.[jt]s)?$/);
  return relativeImports(file, source)
    .filter((target) => forbidden.some((re) => re.test(target)))
    .map((target) => `${from} imports ${target}`);
}

describe("layers: scripts → modules, never the reverse", () => {
  test("no file under modules/ imports scripts/, __tests__/ or main.ts; modules/host/ imports no constructs", () => {
    const violations = filesUnder(path.join(ROOT, "modules")).flatMap((f) => layerViolations(f, readFileSync(f, "utf8")));
    expect(violations).toEqual([]);
  });

  test("the check sees a forbidden import (it can fail)", () => {
    const fake = path.join(ROOT, "modules", "host", "example.ts");
    expect(layerViolations(fake, 'import { x } from "../../scripts/devices";')).toEqual(["modules/host/example.ts imports scripts/devices"]);
    expect(layerViolations(fake, 'const y = require("../constructs/host");')).toEqual(["modules/host/example.ts imports modules/constructs/host"]);
    expect(layerViolations(fake, 'await import("../../__tests__/helpers/settings")')).toEqual(["modules/host/example.ts imports __tests__/helpers/settings"]);
    expect(layerViolations(path.join(ROOT, "scripts", "devices.ts"), 'import { x } from "../modules/ops/run";')).toEqual([]);
  });

  test("scripts/ imports no test code; test infrastructure imports no test file or entry point; helpers sit below the VM and browser harnesses", () => {
    // This file is left out: its examples below are forbidden imports on purpose.
    const files = ["scripts", "__tests__"].flatMap((dir) => filesUnder(path.join(ROOT, dir))).filter((f) => f !== __filename);
    const violations = files.flatMap((f) => layerViolations(f, readFileSync(f, "utf8")));
    expect(violations).toEqual([]);
  });

  test("the test-side rules see a forbidden import (they can fail)", () => {
    const at = (file: string) => path.join(ROOT, file);
    expect(layerViolations(at("scripts/devices.ts"), 'import { s } from "../__tests__/helpers/settings";')).toEqual(["scripts/devices.ts imports __tests__/helpers/settings"]);
    expect(layerViolations(at("__tests__/helpers/sandbox.ts"), 'import { x } from "../vm/harness/fake-aws";')).toEqual(["__tests__/helpers/sandbox.ts imports __tests__/vm/harness/fake-aws"]);
    expect(layerViolations(at("__tests__/helpers/sandbox.ts"), 'import { x } from "../../scripts/secrets";')).toEqual(["__tests__/helpers/sandbox.ts imports scripts/secrets"]);
    expect(layerViolations(at("__tests__/vm/harness/probe.ts"), 'import { x } from "../../unit/layers.test";')).toEqual(["__tests__/vm/harness/probe.ts imports __tests__/unit/layers.test"]);
    expect(layerViolations(at("__tests__/helpers/sandbox.ts"), 'import { x } from "../browser/harness/ca";')).toEqual(["__tests__/helpers/sandbox.ts imports __tests__/browser/harness/ca"]);
    expect(layerViolations(at("__tests__/browser/harness/ca.ts"), 'import { x } from "../../integration/ops-openclaw.test";')).toEqual(["__tests__/browser/harness/ca.ts imports __tests__/integration/ops-openclaw.test"]);
    expect(layerViolations(at("__tests__/unit/a.test.ts"), 'import { x } from "./b.test";')).toEqual(["__tests__/unit/a.test.ts imports __tests__/unit/b.test"]);
    // Allowed: the harness builds on the helpers and the library; tests import entry points to test them.
    expect(layerViolations(at("__tests__/vm/harness/harness.ts"), 'import { x } from "../../helpers/fake-cloud";\nimport { y } from "../../../modules/names";')).toEqual([]);
    expect(layerViolations(at("__tests__/unit/ops-cli.test.ts"), 'import { devicesMain } from "../../scripts/devices";')).toEqual([]);
  });

  test("scripts/ holds entry points only: no script is imported by another script", () => {
    const scripts = filesUnder(path.join(ROOT, "scripts"));
    const imported = scripts.flatMap((f) => relativeImports(f, readFileSync(f, "utf8"))).filter((t) => t.startsWith("scripts/"));
    expect(imported).toEqual([]);
  });
});
