/**
 * The layers point one way: `scripts/` (entry points) → `modules/` (the library). Nothing under
 * `modules/` may import from `scripts/` or `__tests__/`, and `scripts/` holds entry points only
 * (every file there is run by an npm script or a test, none is imported by the library).
 * Within the library, what is rendered onto the host (`modules/host/`) is pure: it never imports
 * the CDKTF constructs or the review tools.
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

  test("scripts/ holds entry points only: no script is imported by another script", () => {
    const scripts = filesUnder(path.join(ROOT, "scripts"));
    const imported = scripts.flatMap((f) => relativeImports(f, readFileSync(f, "utf8"))).filter((t) => t.startsWith("scripts/"));
    expect(imported).toEqual([]);
  });
});
