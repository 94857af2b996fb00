import { resolveSettingsFile, SettingsError } from "../../modules/settings/settings";
import * as rules from "../../modules/settings/rules";

/**
 * How settings.ts calls settings-rules.ts (whatever the rules are): per-environment rule problems
 * carry their environment; cross-environment rules see only the environments that resolved cleanly.
 */

const env = (name: string, overrides: Record<string, unknown> = {}) =>
  ({ environment: name, domainName: `${name}.example.org`, acmeEmail: "ops@example.org", ...overrides });

function fileError(file: unknown): SettingsError {
  try {
    resolveSettingsFile(file, "settings.json", "/project");
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error("resolved; expected a SettingsError");
}

afterEach(() => jest.restoreAllMocks());

test("a per-environment rule problem is reported with its environment, after our own checks", () => {
  jest.spyOn(rules, "environmentRuleProblems").mockImplementation((s) =>
    s.environment === "staging" ? [{ setting: "tags", value: s.tags, allowed: "at most 50 tags (AWS)" }] : []);
  jest.spyOn(rules, "crossEnvironmentProblems").mockReturnValue([]);
  const e = fileError({ environments: [env("prod"), env("staging", { hostOs: "ubuntu", tags: { a: "1" } })] });
  expect(e.message.split("\n").slice(1)).toEqual([
    "  staging › hostOs: got \"ubuntu\"; allowed values: al2023, debian12",
    "  staging › tags: got {\"a\":\"1\"}; at most 50 tags (AWS)",
  ]);
});

test("a rule problem on a setting our own checks already refused is left out (one line per setting)", () => {
  jest.spyOn(rules, "environmentRuleProblems").mockImplementation((s) => [{ setting: "hostOs", value: s.hostOs, allowed: "again" }]);
  jest.spyOn(rules, "crossEnvironmentProblems").mockReturnValue([]);
  const e = fileError({ environments: [env("prod", { hostOs: "ubuntu" })] });
  expect(e.problems.map((p) => p.allowed)).toEqual(["allowed values: al2023, debian12"]);
});

test("cross-environment rules run over the environments that resolved cleanly, and name theirs", () => {
  jest.spyOn(rules, "environmentRuleProblems").mockReturnValue([]);
  const cross = jest.spyOn(rules, "crossEnvironmentProblems").mockImplementation((all) =>
    all.length > 1 ? [{ environment: all[1].environment, setting: "domainName", value: all[1].domainName, allowed: `also ${all[0].environment}'s domain` }] : []);
  const e = fileError({ environments: [env("prod"), env("broken", { hostOs: "ubuntu" }), env("staging")] });
  expect(cross).toHaveBeenCalledTimes(1);
  expect(cross.mock.calls[0][0].map((s) => s.environment)).toEqual(["prod", "staging"]);
  expect(e.message.split("\n").slice(1)).toEqual([
    "  broken › hostOs: got \"ubuntu\"; allowed values: al2023, debian12",
    "  staging › domainName: got \"staging.example.org\"; also prod's domain",
  ]);
});

test("a file whose environments are all fine and whose rules find nothing resolves", () => {
  jest.spyOn(rules, "environmentRuleProblems").mockReturnValue([]);
  jest.spyOn(rules, "crossEnvironmentProblems").mockReturnValue([]);
  expect(resolveSettingsFile({ environments: [env("prod"), env("staging")] }, "settings.json", "/project")).toHaveLength(2);
});
