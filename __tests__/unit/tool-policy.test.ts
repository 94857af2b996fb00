import { openclawConfig } from "../../modules/host/layout";
import { OpenclawConfigObject } from "../../modules/openclaw/merge";
import { configSchemaProblems } from "../../modules/openclaw/schema";
import { DEFAULT_TOOL_POLICY, TOOL_POLICIES, withToolPolicy } from "../../modules/openclaw/tool-policy";
import { resolveSettingsFile } from "../../modules/settings/settings";
import { environmentProblems, TEST_DOMAIN, TEST_EMAIL, testSettings } from "../helpers/settings";

/** The `toolPolicy` setting: what each value renders into openclaw.json, how it meets the overlay, bad values. */

const toolsOf = (settings: Parameters<typeof testSettings>[0]) => (openclawConfig(testSettings(settings)) as { tools: unknown }).tools;

/** The problems of one environment with these settings (none: []). */
const problems = environmentProblems;

describe("toolPolicy: what the agent may do on the host", () => {
  test("the default is approvals: shell commands need an approval, file tools stay in the workspace (openclaw alone: Full Access)", () => {
    expect(DEFAULT_TOOL_POLICY).toBe("approvals");
    expect(testSettings().toolPolicy).toBe("approvals");
    expect(toolsOf({})).toEqual({ exec: { mode: "ask" }, fs: { workspaceOnly: true } });
    // The config every test renders without settings gets the default too.
    expect((openclawConfig({ domainName: TEST_DOMAIN }) as { tools: unknown }).tools).toEqual({ exec: { mode: "ask" }, fs: { workspaceOnly: true } });
  });

  test.each([
    ["approvals", { exec: { mode: "ask" }, fs: { workspaceOnly: true } }],
    ["no-shell", { exec: { mode: "deny" }, fs: { workspaceOnly: true }, deny: ["exec", "process"] }],
    ["full", { exec: { mode: "full" } }],
  ])("%s renders exactly openclaw's knobs", (toolPolicy, tools) => {
    expect(toolsOf({ toolPolicy: toolPolicy as never })).toEqual(tools);
  });

  test.each(TOOL_POLICIES)("%s: the rendered openclaw.json satisfies the pinned openclaw's config schema", (toolPolicy) => {
    expect(configSchemaProblems(openclawConfig(testSettings({ toolPolicy })) as OpenclawConfigObject)).toEqual([]);
  });

  test("the overlay refines the other tool settings; no-shell's denied tools are added to the overlay's tools.deny", () => {
    const openclaw = { tools: { profile: "coding", deny: ["browser", "exec"], exec: { safeBins: ["jq"] }, fs: {} } };
    expect(toolsOf({ toolPolicy: "no-shell", openclaw })).toEqual({
      profile: "coding", deny: ["browser", "exec", "process"], exec: { safeBins: ["jq"], mode: "deny" }, fs: { workspaceOnly: true },
    });
    expect(toolsOf({ toolPolicy: "approvals", openclaw })).toEqual({
      profile: "coding", deny: ["browser", "exec"], exec: { safeBins: ["jq"], mode: "ask" }, fs: { workspaceOnly: true },
    });
  });

  test("withToolPolicy changes nothing it is given", () => {
    const config = { tools: { deny: ["browser"], exec: { safeBins: ["jq"] } } };
    withToolPolicy(config, "no-shell");
    expect(config).toEqual({ tools: { deny: ["browser"], exec: { safeBins: ["jq"] } } });
  });

  test.each([
    ["tools.exec.mode", { tools: { exec: { mode: "full" } } }],
    ["tools.exec.security", { tools: { exec: { security: "full" } } }],
    ["tools.exec.ask", { tools: { exec: { ask: "off" } } }],
    ["tools.fs.workspaceOnly", { tools: { fs: { workspaceOnly: false } } }],
  ])("the overlay may not set %s: set toolPolicy instead", (path, openclaw) => {
    expect(problems({ openclaw })).toEqual([
      `prod › openclaw.${path}: got ${JSON.stringify(path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], openclaw))}; `
        + "is owned by the deployment and cannot be set: what the agent may do on the host is the toolPolicy setting: set toolPolicy instead (docs/settings.md \"What the agent may do\")",
    ]);
  });

  test("a bad value: one line naming the setting, the value, the values allowed and what each means", () => {
    const [line, ...rest] = problems({ toolPolicy: "aprovals" });
    expect(rest).toEqual([]);
    expect(line).toMatch(/^prod › toolPolicy: got "aprovals"; must be one of "approvals", "no-shell", "full" \(did you mean "approvals"\?\): "approvals" \(/);
    expect(line).toContain("\"no-shell\" (no shell commands");
    expect(problems({ toolPolicy: true })).toEqual([expect.stringMatching(/^prod › toolPolicy: got true; must be one of "approvals", "no-shell", "full": /)]);
  });

  test("defaults.toolPolicy applies to every environment that sets none", () => {
    const [a, b] = resolveSettingsFile({
      defaults: { toolPolicy: "no-shell" },
      environments: [
        { environment: "a", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL },
        { environment: "b", domainName: `b.${TEST_DOMAIN}`, acmeEmail: TEST_EMAIL, toolPolicy: "full", backend: { type: "local", path: "b.tfstate" } },
      ],
    });
    expect([a.toolPolicy, b.toolPolicy]).toEqual(["no-shell", "full"]);
  });
});
