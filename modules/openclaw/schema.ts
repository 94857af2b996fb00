import type { ErrorObject, ValidateFunction } from "ajv";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { didYouMean } from "../settings/did-you-mean";
import { isConfigObject, OpenclawConfigObject } from "./merge";

/**
 * The JSON schema of openclaw.json for the pinned openclaw release, and validation against it.
 *
 * config-schema.json is `openclaw config schema` of the release modules/host/openclaw/package-lock.json
 * locks, made small by compactSchema (2.4 MB → 0.55 MB: titles, descriptions and defaults are for
 * editors, not validation). __tests__/integration/openclaw-schema.test.ts regenerates it from the
 * real openclaw and fails when it drifts (`OPENCLAW_SCHEMA_UPDATE=1` rewrites it);
 * __tests__/unit/openclaw-overlay.test.ts fails when its recorded version is not the locked one.
 *
 * Compiling the whole schema with ajv takes ~4 s (measured 2026-11-30), far more than a synth. So
 * validation walks the plain object levels itself (type object, properties, additionalProperties,
 * required, propertyNames: most of the tree), goes only where the overlay sets something, and
 * compiles only the subschemas of the values it reaches, each distinct one once per process.
 */

/** A JSON schema (draft-07) or a part of one. */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/** The vendored file: the schema and the openclaw release it came from. */
export interface VendoredSchema {
  /** The openclaw release whose `openclaw config schema` this is. */
  openclawVersion: string;
  /** How the file was made. */
  source: string;
  /** The compacted schema (compactSchema). */
  schema: { [keyword: string]: unknown };
}

/** How the vendored file says it was made. */
export const SCHEMA_SOURCE = "openclaw config schema, compacted by modules/openclaw/schema.ts compactSchema";

/** Keywords whose value is one schema (or, for items/additionalItems, also a list of them). */
const SCHEMA_KEYWORDS = ["items", "additionalProperties", "additionalItems", "propertyNames", "not", "if", "then", "else", "contains"];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = ["anyOf", "oneOf", "allOf"];
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = ["properties", "patternProperties"];
/** Annotations that validation ignores (draft-07 §10): dropped when vendoring. */
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$comment"]);

/**
 * The raw `openclaw config schema` output made small and compilable:
 *  - annotations (title, description, default) are dropped, also a nested `$schema` (ajv allows it at the root only);
 *  - a key with a `default` is not `required`: the schema is zod's output type, where a defaulted key is always
 *    present, but openclaw fills the default in before it validates (`openclaw config validate` accepts
 *    channels.telegram without `groupPolicy`: __tests__/integration/openclaw-schema.test.ts);
 *  - `$defs` inside a subschema (plugin config schemas carry their own, e.g. plugins.entries.imap.config) move
 *    to the root `$defs` under a name made of their path, and the `#/$defs/<name>` refs inside that subschema
 *    are rewritten to it. openclaw means them relative to the subschema, but without an `$id` a JSON pointer
 *    resolves from the document root, so ajv 8 refuses them as they are ("can't resolve reference #/$defs/account").
 * Values of `const`, `enum` and the like are kept as they are (a `title` key inside a const stays).
 */
export function compactSchema(raw: { [keyword: string]: unknown }): { [keyword: string]: unknown } {
  const hoisted: { [name: string]: JsonSchema } = {};
  const compact = (node: unknown, at: string, scope: ReadonlyMap<string, string>): JsonSchema => {
    if (!isConfigObject(node)) return node as JsonSchema;
    const local = isConfigObject(node.$defs) ? node.$defs : isConfigObject(node.definitions) ? node.definitions : undefined;
    const names = new Map(scope);
    for (const name of Object.keys(local ?? {})) names.set(name, at === "" ? name : `${at}:${name}`);
    const out: { [keyword: string]: unknown } = {};
    for (const [keyword, value] of Object.entries(node)) {
      if (ANNOTATIONS.has(keyword) || keyword === "$schema") continue;
      if (keyword === "required" && Array.isArray(value) && isConfigObject(node.properties)) {
        const properties = node.properties;
        out.required = value.filter((key) => !(isConfigObject(properties[key]) && "default" in properties[key]));
        continue;
      }
      if (keyword === "$defs" || keyword === "definitions") {
        for (const [name, sub] of Object.entries(value as object)) hoisted[names.get(name)!] = compact(sub, names.get(name)!, names);
      } else if (keyword === "$ref" && typeof value === "string") {
        const local = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(value);
        out.$ref = local && names.has(local[1]) ? `#/$defs/${names.get(local[1])!.replace(/~/g, "~0").replace(/\//g, "~1")}` : value;
      } else if (SCHEMA_MAP_KEYWORDS.includes(keyword) && isConfigObject(value)) {
        out[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, compact(sub, at === "" ? name : `${at}.${name}`, names)]));
      } else if (SCHEMA_LIST_KEYWORDS.includes(keyword) && Array.isArray(value)) {
        out[keyword] = value.map((sub) => compact(sub, at, names));
      } else if (SCHEMA_KEYWORDS.includes(keyword)) {
        out[keyword] = Array.isArray(value) ? value.map((sub) => compact(sub, `${at}[]`, names)) : compact(value, `${at}[]`, names);
      } else {
        out[keyword] = value;
      }
    }
    return out;
  };
  const { $schema, ...rest } = raw;
  const schema = compact(rest, "", new Map()) as { [keyword: string]: unknown };
  return { ...($schema === undefined ? {} : { $schema }), ...schema, ...(Object.keys(hoisted).length > 0 ? { $defs: hoisted } : {}) };
}

/** Where the vendored schema lives, relative to the project root. */
const SCHEMA_FILE = path.join("modules", "openclaw", "config-schema.json");

/**
 * The vendored schema file: beside this module, or, when this code runs from a bundle (`npm run synth`
 * runs .gen/main.js; scripts/bench.ts bundles into a temporary folder), under the first ancestor of
 * the bundle or of the working directory (the project, for every cdktf app) that holds SCHEMA_FILE.
 * Read as a file, not bundled: JSON.parse of 0.55 MB takes ~30 ms, evaluating it as an object
 * literal in the bundle ~130 ms (measured 2026-11-30), and only a synth with an overlay reads it.
 */
export function schemaFile(from = __dirname): string {
  const beside = path.join(from, path.basename(SCHEMA_FILE));
  if (existsSync(beside)) return beside;
  for (const start of [from, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, SCHEMA_FILE))) return path.join(dir, SCHEMA_FILE);
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`no ${SCHEMA_FILE} beside ${from}, above it or above the working directory ${process.cwd()}`);
}

let vendored: VendoredSchema | undefined;

/** The vendored schema, read once, on first use. */
export function vendoredSchema(): VendoredSchema {
  vendored ??= JSON.parse(readFileSync(schemaFile(), "utf8")) as VendoredSchema;
  return vendored;
}

/** One place where a config breaks the schema. */
export interface SchemaProblem {
  /** Keys and list indexes from the config's root to the value. */
  path: Array<string | number>;
  /** The value found there (undefined for a missing required key: `path` is then the object's). */
  value: unknown;
  /** What the schema allows there, in words. */
  allowed: string;
}

let compile: ((schema: JsonSchema) => ValidateFunction) | undefined;

/**
 * A compiled subschema, compiled once per process per distinct subschema (the SecretRef
 * alternatives, for one, recur under many keys). ajv (draft-07, the schema's `$schema`) is made
 * on first use: strict about the schema's keywords (a vendoring mistake fails loudly) but not about
 * its style: openclaw's schema uses union types, `required` names without `properties`, and
 * keywords without `type` (ajv's strictTypes, strictRequired, strictTuples), all valid JSON Schema.
 * The schema is not checked against the draft-07 meta-schema here (compiling that costs ~150 ms):
 * a unit test does it once. ajv's code optimizer is off: it costs more than it saves for code run once.
 */
function compiled(schema: JsonSchema): ValidateFunction {
  if (!compile) {
    // Loaded here, not at the top: a synth pays for ajv only when it validates.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = (require("ajv") as typeof import("ajv")).default;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addFormats = (require("ajv-formats") as typeof import("ajv-formats")).default;
    const ajv = new Ajv({
      allErrors: true, verbose: true, strictSchema: true, strictNumbers: true,
      strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true,
      validateSchema: false, code: { optimize: false },
    });
    addFormats(ajv);
    // zod's JSON schema output marks `.startsWith()` with `format: "starts_with"` next to the `pattern`
    // that checks it (ui.prefs.accent): the pattern decides, the format adds nothing.
    ajv.addFormat("starts_with", true);
    const { $defs } = vendoredSchema().schema;
    const cache = new Map<string, ValidateFunction>();
    compile = (sub) => {
      const key = JSON.stringify(sub);
      let validate = cache.get(key);
      // The root's $defs travel with the subschema: its `#/$defs/…` refs resolve against them.
      if (!validate) cache.set(key, validate = ajv.compile(typeof sub === "boolean" ? sub : { ...sub, ...($defs ? { $defs } : {}) }));
      return validate;
    };
  }
  return compile(schema);
}

/** Keywords of an object level that validation walks itself instead of compiling it (`$schema` and `$defs` only at the root). */
const WALKED_KEYWORDS = new Set(["type", "properties", "additionalProperties", "required", "propertyNames", "$schema", "$defs"]);

/** A plain object level: `type: "object"` with properties, additionalProperties, required and propertyNames only. */
const isWalked = (schema: JsonSchema): schema is {
  type: "object"; properties?: { [key: string]: JsonSchema }; additionalProperties?: JsonSchema; required?: string[]; propertyNames?: JsonSchema;
} =>
  isConfigObject(schema) && schema.type === "object" && Object.keys(schema).every((keyword) => WALKED_KEYWORDS.has(keyword));

/**
 * The problems of `config` (a whole openclaw.json) against the vendored schema; [] when it is valid.
 * With `only` (the overlay merged into `config`), only what it reaches is checked: on the plain
 * object levels, the keys it sets (the rest of the config is the rendered one, valid on its own:
 * a test checks it); below them, the merged values in full.
 */
export function configSchemaProblems(config: OpenclawConfigObject, only?: OpenclawConfigObject): SchemaProblem[] {
  return problemsAt(vendoredSchema().schema, config, only, []);
}

function problemsAt(schema: JsonSchema, value: unknown, only: unknown, path: Array<string | number>): SchemaProblem[] {
  if (!isWalked(schema) || !isConfigObject(value)) return compiledProblems(schema, value, path);
  const properties = schema.properties ?? {};
  const problems: SchemaProblem[] = (schema.required ?? [])
    .filter((key) => !Object.hasOwn(value, key))
    .map((key) => ({ path, value: undefined, allowed: `must have "${key}"` }));
  const reached = isConfigObject(only) ? Object.keys(only).filter((key) => Object.hasOwn(value, key)) : Object.keys(value);
  for (const key of reached) {
    const [sub, below] = [value[key], isConfigObject(only) ? only[key] : undefined];
    const nameProblems = schema.propertyNames === undefined ? [] : compiledProblems(schema.propertyNames, key, [...path, key]);
    if (nameProblems.length > 0) {
      problems.push(...nameProblems.map((p) => ({ ...p, value: sub, allowed: `the key ${p.allowed}` })));
    } else if (Object.hasOwn(properties, key)) {
      problems.push(...problemsAt(properties[key], sub, below, [...path, key]));
    } else if (schema.additionalProperties === false) {
      problems.push(unknownKey([...path, key], sub, Object.keys(properties)));
    } else if (schema.additionalProperties !== undefined && schema.additionalProperties !== true) {
      problems.push(...problemsAt(schema.additionalProperties, sub, below, [...path, key]));
    }
  }
  return problems;
}

/** How an unknown key is refused: the key it likely meant, the keys allowed there (a long list cut short). */
function unknownKey(path: Array<string | number>, value: unknown, allowed: string[]): SchemaProblem {
  const key = path[path.length - 1];
  const guess = typeof key === "string" ? didYouMean(key, allowed) : undefined;
  const keys = allowed.length > 40 ? `${allowed.slice(0, 40).join(", ")}, … (${allowed.length} in all)` : allowed.join(", ");
  return {
    path, value,
    allowed: allowed.length === 0 ? "unknown key: no keys are allowed here" : `unknown key${guess ? `; did you mean "${guess}"?` : ""}; allowed keys: ${keys}`,
  };
}

function compiledProblems(schema: JsonSchema, value: unknown, path: Array<string | number>): SchemaProblem[] {
  const validate = compiled(schema);
  if (validate(value)) return [];
  return summarize(validate.errors ?? [], value, path);
}

/** The keys and indexes of an ajv instancePath (JSON pointer), indexes as numbers where the value is a list. */
function pathOf(instancePath: string, value: unknown): Array<string | number> {
  const path: Array<string | number> = [];
  let here = value;
  for (const segment of instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))) {
    const key = Array.isArray(here) ? Number(segment) : segment;
    path.push(key);
    here = isConfigObject(here) || Array.isArray(here) ? (here as Record<string | number, unknown>)[key] : undefined;
  }
  return path;
}

const valueAt = (root: unknown, path: Array<string | number>): unknown =>
  path.reduce<unknown>((here, key) => (isConfigObject(here) || Array.isArray(here) ? (here as Record<string | number, unknown>)[key] : undefined), root);

/** Combinator errors only say "a branch failed"; the branches' own errors say how. */
const SUMMARY_KEYWORDS = new Set(["anyOf", "oneOf", "allOf", "if"]);
/** Keywords that tell which alternative a value meant: failing one means "not this branch". */
const SHAPE_KEYWORDS = new Set(["const", "enum", "type"]);

/**
 * ajv's errors of the alternatives a value did not mean dropped: a branch of an anyOf/oneOf whose
 * value has another type or kind than the branch's (a type, const or enum error at the value), or
 * whose discriminator differs (a const error below it, e.g. a SecretRef's `source`), is dropped when
 * another branch has no such error. Innermost alternatives first.
 */
function meantBranches(errors: ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  let kept = errors;
  for (const combinator of combinators) {
    const prefix = `${combinator.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of kept.filter((e) => e.schemaPath.startsWith(prefix))) {
      const branch = e.schemaPath.slice(prefix.length).split("/")[0];
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const mismatched = (branch: ErrorObject[]) => branch.some((e) => SHAPE_KEYWORDS.has(e.keyword)
      && (e.instancePath === combinator.instancePath || (e.keyword === "const" && e.instancePath.startsWith(`${combinator.instancePath}/`))));
    const wrong = [...branches.values()].filter(mismatched);
    if (wrong.length === 0 || wrong.length === branches.size) continue;
    const dropped = new Set(wrong.flat());
    kept = kept.filter((e) => !dropped.has(e));
  }
  return kept;
}

/**
 * ajv's errors (allErrors) as one problem per place: the alternatives the value did not mean are
 * dropped (meantBranches); where errors remain at several depths, the deepest places win; the
 * errors of one place are joined ("must be one of …", "must be string or object").
 */
function summarize(errors: ErrorObject[], value: unknown, base: Array<string | number>): SchemaProblem[] {
  const meant = meantBranches(errors);
  const specific = meant.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword));
  const located = (specific.length > 0 ? specific : meant).map((error) => {
    const at = pathOf(error.instancePath, value);
    return { error, at: error.keyword === "additionalProperties" ? [...at, String(error.params.additionalProperty)] : at };
  });
  const key = (at: Array<string | number>) => JSON.stringify(at);
  const under = (inner: Array<string | number>, outer: Array<string | number>) =>
    inner.length > outer.length && outer.every((segment, i) => inner[i] === segment);
  const deepest = located.filter(({ at }) => !located.some((other) => under(other.at, at)));
  const places = new Map<string, { at: Array<string | number>; errors: ErrorObject[] }>();
  for (const { at, error } of deepest) {
    const place = places.get(key(at)) ?? { at, errors: [] };
    place.errors.push(error);
    places.set(key(at), place);
  }
  return [...places.values()].map(({ at, errors: here }) => ({
    path: [...base, ...at],
    value: here.every((e) => e.keyword === "required") ? undefined : valueAt(value, at),
    allowed: describe(here),
  }));
}

/** The errors of one place in words. */
function describe(errors: ErrorObject[]): string {
  const parts: string[] = [];
  const values = errors.flatMap((e) => (e.keyword === "const" ? [e.params.allowedValue] : e.keyword === "enum" ? e.params.allowedValues as unknown[] : []));
  if (values.length > 0) parts.push(values.length === 1 ? `must be ${JSON.stringify(values[0])}` : `must be one of ${[...new Set(values.map((v) => JSON.stringify(v)))].join(", ")}`);
  const types = [...new Set(errors.filter((e) => e.keyword === "type").flatMap((e) => String(e.params.type).split(",")))];
  if (types.length > 0) parts.push(`must be ${types.join(" or ")}`);
  for (const e of errors) {
    if (e.keyword === "additionalProperties") {
      const key = String(e.params.additionalProperty);
      parts.push(unknownKey([key], undefined, Object.keys((e.parentSchema as { properties?: object }).properties ?? {})).allowed);
    } else if (e.keyword === "required") {
      parts.push(`must have "${String(e.params.missingProperty)}"`);
    } else if (!["const", "enum", "type"].includes(e.keyword)) {
      parts.push(e.message ?? `fails "${e.keyword}"`);
    }
  }
  return [...new Set(parts)].join("; or ");
}
