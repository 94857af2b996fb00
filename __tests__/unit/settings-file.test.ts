import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SettingsError } from "../../modules/settings/settings";
import * as rules from "../../modules/settings/rules";
import {
  displayPath, jsonErrorOffset, lineColumn, loadSettings, placeholderWarningText, readSettingsJson, reportSettingsError, settingsErrorText,
  settingsFilePath,
} from "../../modules/settings/file";

const VALID = { environments: [{ environment: "prod", domainName: "gateway.example.org", acmeEmail: "ops@example.org" }] };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "settings-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The SettingsError reading `file` throws (fails the test when it reads). */
function readError(file: string): SettingsError {
  try {
    readSettingsJson(file);
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error(`${file} was read; expected a SettingsError`);
}

describe("reading the settings file", () => {
  test("a UTF-8 byte-order mark is accepted", () => {
    const file = path.join(dir, "settings.json");
    writeFileSync(file, `\uFEFF${JSON.stringify(VALID, null, 2)}`);
    expect(readSettingsJson(file)).toEqual(VALID);
    expect(loadSettings(file, dir).map((s) => s.environment)).toEqual(["prod"]);
  });

  test("a missing file is one problem naming the file", () => {
    const e = readError(path.join(dir, "nope.json"));
    expect(e.message).toBe(`Invalid settings in ${path.join(dir, "nope.json")}:\n`
      + "  file: got no such file; create it (see README \"Settings\"), or point OPENCLAW_AWS_SETTINGS at an existing JSON file");
  });

  test("a directory is one problem naming the path (not a bare EISDIR)", () => {
    const e = readError(dir);
    expect(e.message).toBe(`Invalid settings in ${dir}:\n  file: got a directory; must be a JSON file; point OPENCLAW_AWS_SETTINGS at the file inside it`);
    expect(e.message).not.toContain("EISDIR");
  });

  test("a JSON syntax error names the file and line:column", () => {
    const file = path.join(dir, "bad.json");
    writeFileSync(file, '{\n  "environments": [\n    { "environment": "prod", }\n  ]\n}\n');
    const e = readError(file);
    expect(e.problems).toHaveLength(1);
    const [first, second, ...rest] = e.message.split("\n");
    expect(first).toBe(`Invalid settings in ${file}:`);
    // The stray "}" after the trailing comma: line 3, column 30.
    expect(second).toMatch(/^  line 3:30: got "}"; must be valid JSON \(.+\)$/);
    expect(second).not.toMatch(/position \d+/);
    expect(rest).toEqual([]);
  });

  test("a truncated file points at its end", () => {
    const file = path.join(dir, "cut.json");
    writeFileSync(file, '{\n  "environments": [');
    expect(readError(file).message).toMatch(/\n  line 2:20: got the end of the file; must be valid JSON \(Unexpected end of JSON input\)$/);
  });

  test("an empty file", () => {
    const file = path.join(dir, "empty.json");
    writeFileSync(file, "");
    expect(readError(file).message).toMatch(/\n  line 1:1: got the end of the file; must be valid JSON/);
  });

  test("line and column count from 1", () => {
    expect(lineColumn("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });

  test("the path: $OPENCLAW_AWS_SETTINGS or settings.json, from the working directory; shown relative when inside it", () => {
    expect(settingsFilePath({}, "/p")).toBe("/p/settings.json");
    expect(settingsFilePath({ OPENCLAW_AWS_SETTINGS: "conf/x.json" }, "/p")).toBe("/p/conf/x.json");
    expect(settingsFilePath({ OPENCLAW_AWS_SETTINGS: "/etc/x.json" }, "/p")).toBe("/etc/x.json");
    expect(displayPath("/p/conf/x.json", "/p")).toBe("conf/x.json");
    expect(displayPath("/etc/x.json", "/p")).toBe("/etc/x.json");
  });
});

describe("printing a settings error", () => {
  const error = new SettingsError([
    { environment: "prod", setting: "domainName", value: "bad", allowed: "must be a domain" },
    { setting: "defaults", value: [], allowed: "must be an object" },
  ], "settings.json");

  test("the block: the file, then one line per problem; no stack, no problems dump", () => {
    expect(settingsErrorText(error, {})).toBe([
      "Invalid settings in settings.json:",
      "  prod › domainName: got \"bad\"; must be a domain",
      "  defaults: got []; must be an object",
      "",
    ].join("\n"));
  });

  test("OPENCLAW_AWS_DEBUG=1 adds the stack trace", () => {
    const text = settingsErrorText(error, { OPENCLAW_AWS_DEBUG: "1" });
    expect(text.startsWith(error.message)).toBe(true);
    expect(text).toMatch(/^\s+at /m);
  });

  test("reportSettingsError prints the block and returns exit code 1; other errors are thrown on", () => {
    const written: string[] = [];
    expect(reportSettingsError(error, (t) => written.push(t))).toBe(1);
    expect(written.join("")).toBe(settingsErrorText(error, {}));
    const bug = new TypeError("a bug");
    expect(() => reportSettingsError(bug, (t) => written.push(t))).toThrow(bug);
  });

  test("a long value is cut short", () => {
    const long = new SettingsError([{ setting: "tags", value: "x".repeat(500), allowed: "shorter" }], "s.json");
    expect(long.message.split("\n")[1].length).toBeLessThan(240);
  });
});

describe("placeholder warnings", () => {
  afterEach(() => jest.restoreAllMocks());

  test("none: no block", () => {
    jest.spyOn(rules, "placeholderWarnings").mockReturnValue([]);
    expect(placeholderWarningText(loadSettings(writeValid(), dir), "settings.json")).toBeUndefined();
  });

  test("one line per environment › setting, with why", () => {
    jest.spyOn(rules, "placeholderWarnings").mockImplementation((s) =>
      [{ setting: "acmeEmail", value: s.acmeEmail, why: "Let's Encrypt refuses example.org addresses" }]);
    expect(placeholderWarningText(loadSettings(writeValid(), dir), "settings.json")).toBe(
      "Warning: placeholder values in settings.json (synth goes on; plan and deploy refuse them until they are changed):\n"
      + "  prod › acmeEmail: \"ops@example.org\"; Let's Encrypt refuses example.org addresses\n");
  });
});

function writeValid(): string {
  const file = path.join(dir, "settings.json");
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(VALID));
  return file;
}

describe("where JSON stops being JSON", () => {
  // Each case: text, and the offset of the first bad character (undefined: valid JSON).
  const cases: Array<[string, number | undefined]> = [
    ['{"a": [1, 2], "b": {"c": null, "d": true, "e": -1.5e3}}', undefined],
    ['  "x\\u00e9\\n"  ', undefined],
    ["[]", undefined],
    ['{"a": [1,}', 9],
    ['{"a": 1,}', 8],
    ['{"a" 1}', 5],
    ["{'a': 1}", 1],
    ['{"a": 01}', 7],
    ['{"a": tru}', 6],
    ['{"a": "x', 8],
    ['{"a": "\\q"}', 8],
    ['{"a": 1} x', 9],
    ["", 0],
  ];
  test.each(cases)("%j", (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
    // It agrees with JSON.parse on what is JSON.
    if (offset === undefined) expect(() => JSON.parse(text)).not.toThrow();
    else expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  test("an Unexpected token message without a position still gets line:column", () => {
    const file = path.join(dir, "token.json");
    writeFileSync(file, '{\n  "environments": [1,}\n');
    expect(readError(file).message).toMatch(/\n  line 2:22: got "}"; must be valid JSON \(Unexpected token '}'\)$/);
  });
});

describe("the ops CLIs print the same block", () => {
  test("a bad settings file: the block on stderr (no 'error:' prefix), exit 1, no AWS call", async () => {
    const { runOps } = await import("../../modules/ops/cli");
    const file = path.join(dir, "settings.json");
    writeFileSync(file, JSON.stringify({ environments: [{ environment: "prod", domainName: "gateway", acmeEmail: "ops@example.org" }] }));
    const err: string[] = [];
    const aws = jest.fn();
    const code = await runOps("devices", ["list"], {
      out: () => undefined,
      err: (t) => err.push(t),
      readSettings: () => readSettingsJson(file),
      settingsSource: "settings.json",
      aws,
      progress: () => ({ update: () => undefined, done: () => undefined }),
      readSecret: async () => "",
    });
    expect(code).toBe(1);
    expect(aws).not.toHaveBeenCalled();
    expect(err.join("")).toBe(
      "Invalid settings in settings.json:\n  prod › domainName: got \"gateway\"; must be a lowercase fully qualified domain name such as \"gateway.example.org\"\n");
  });
});
