import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { applyConfigTool, channelPluginPins, CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS, CONFIG_REFUSED_STATUS, expectedLockedValues, lockedConfigPaths, RELOAD_RULES } from "../../modules/host/config-apply";
import { CHANNEL_PLUGIN_PACKAGES } from "../../modules/openclaw/channels";
import { existsSync } from "node:fs";
import { hostContract, HostContract } from "../../modules/host/contract";
import { renderBootPrograms } from "../../modules/host";
import { applyConfigService } from "../../modules/host/units";
import { openclawConfig, openclawConfigFile } from "../../modules/host/layout";
import { configApplyFakes, ConfigApplyFakes } from "../helpers/config-apply-fakes";
import { testSettings } from "../helpers/settings";

/**
 * The rendered `openclaw-apply-config` run by bash against fakes (aws, systemd-run, systemctl; real jq,
 * cmp, mktemp, mv): what it writes, what it refuses and when it restarts the gateway.
 */
const A = testSettings();
type Json = Record<string, any>;

describe("openclaw-apply-config", () => {
  let dir: string;
  let layout: HostContract;
  let tool: string;
  let fakes: ConfigApplyFakes;
  const serve = (config: Json | string) => writeFileSync(fakes.objectFile, typeof config === "string" ? config : `${JSON.stringify(config, null, 2)}\n`);
  const configA = () => JSON.parse(openclawConfigFile(A)) as Json;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "config-apply-"));
    const real = hostContract(A);
    layout = { ...real, stateDir: path.join(dir, "state"), configPath: path.join(dir, "state", "openclaw.json"), runDir: path.join(dir, "run"), serviceUser: userInfo().username };
    mkdirSync(layout.stateDir, { mode: 0o700 });
    tool = path.join(dir, "openclaw-apply-config");
    writeFileSync(tool, applyConfigTool(A, layout));
    fakes = configApplyFakes(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("first run (--boot): writes the object 0600 through systemd-run as the service user, restarts nothing", () => {
    serve(openclawConfigFile(A));
    const r = fakes.run(tool, ["--boot"]);
    expect(r.stderr).toMatch(/^openclaw-apply-config: applied \(boot\): wrote /m);
    expect(r.status).toBe(0);
    expect(readFileSync(layout.configPath, "utf8")).toBe(openclawConfigFile(A));
    expect((statSync(layout.configPath).mode & 0o777).toString(8)).toBe("600");
    expect(fakes.systemdRunCalls()).toEqual([expect.stringContaining(`--uid=${layout.serviceUser} --gid=${layout.serviceUser} --property=UMask=0077`)]);
    expect(fakes.systemctlCalls()).toEqual([]);
  });

  test("unchanged: nothing written, nothing restarted", () => {
    serve(openclawConfigFile(A));
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    const r = fakes.run(tool);
    expect(r.stderr.trim()).toBe(`openclaw-apply-config: unchanged: ${layout.configPath} is s3://${/BUCKET='([^']+)'/.exec(applyConfigTool(A, layout))![1]}/config/${A.environment}/openclaw.json`);
    expect(r.status).toBe(0);
    expect(fakes.systemdRunCalls()).toEqual([]);
  });

  test("a hot change (overlay, model, tool policy): written, the running gateway is not restarted", () => {
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    for (const input of [{ openclaw: { agents: { defaults: { thinkingDefault: "low" } } } }, { model: "openai/gpt-5" }, { toolPolicy: "full" as const }]) {
      const next = openclawConfigFile(testSettings(input));
      serve(next);
      const r = fakes.run(tool);
      expect(r.stderr).toMatch(/^openclaw-apply-config: applied \(hot\): /m);
      expect(r.status).toBe(0);
      expect(readFileSync(layout.configPath, "utf8")).toBe(next);
    }
    expect(fakes.systemctlCalls().filter((c) => c.startsWith("restart"))).toEqual([]);
  });

  test("a change only a restart applies: written, the gateway unit restarted, the paths named", () => {
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    serve({ ...configA(), discovery: { wideArea: { enabled: true }, mdns: { mode: "off" } }, agents: { defaults: { thinkingDefault: "low" } } });
    const r = fakes.run(tool);
    expect(r.stderr).toMatch(new RegExp(`^openclaw-apply-config: applied \\(restart\\): .* restarted ${layout.gatewayUnit}: openclaw applies discovery\\.wideArea\\.enabled only on a restart$`, "m"));
    expect(r.status).toBe(0);
    expect(fakes.systemctlCalls()).toEqual([`is-active --quiet ${layout.gatewayUnit}`, `restart ${layout.gatewayUnit}`]);
  });

  test("the gateway not running: written, not started (its start reads it)", () => {
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    fakes.setGatewayActive(false);
    serve({ ...configA(), discovery: { wideArea: { enabled: true } } });
    const r = fakes.run(tool);
    expect(r.stderr).toMatch(/^openclaw-apply-config: applied \(gateway not running\): /m);
    expect(fakes.systemctlCalls()).toEqual([`is-active --quiet ${layout.gatewayUnit}`]);
  });

  const refusals: Array<[string, (c: Json) => Json | string, string]> = [
    ["gateway.bind opened to the LAN", (c) => ({ ...c, gateway: { ...c.gateway, bind: "lan" } }), "gateway.bind"],
    ["another port", (c) => ({ ...c, gateway: { ...c.gateway, port: 18790 } }), "gateway.port"],
    ["auth off", (c) => ({ ...c, gateway: { ...c.gateway, auth: { mode: "none" } } }), "gateway.auth.mode, gateway.auth.token"],
    ["any proxy trusted", (c) => ({ ...c, gateway: { ...c.gateway, trustedProxies: ["0.0.0.0/0"] } }), "gateway.trustedProxies"],
    ["another domain's config", () => JSON.parse(openclawConfigFile(testSettings({ domainName: "other.clawops.dev" }))), "gateway.publicOrigin, gateway.controlUi.allowedOrigins"],
    ["device auth disabled", (c) => ({ ...c, gateway: { ...c.gateway, controlUi: { ...c.gateway.controlUi, dangerouslyDisableDeviceAuth: true } } }), "gateway.controlUi.dangerouslyDisableDeviceAuth"],
    ["the secrets provider moved", (c) => ({ ...c, secrets: { providers: { "gateway-credentials": { source: "env" } } } }), "secrets.providers.gateway-credentials"],
  ];
  test.each(refusals)("refused: %s; the file kept, nothing run", (_what, edit, fields) => {
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    serve(edit(configA()));
    const r = fakes.run(tool);
    expect(r.status).toBe(CONFIG_REFUSED_STATUS);
    expect(r.stderr.trim()).toMatch(new RegExp(`^openclaw-apply-config: refused: s3://\\S+ sets locked gateway fields to other values than this host's \\(${fields.replace(/\./g, "\\.")}\\); \\S+ is left as it is$`));
    expect(readFileSync(layout.configPath, "utf8")).toBe(openclawConfigFile(A));
    expect(fakes.systemdRunCalls()).toEqual([]);
    expect(fakes.systemctlCalls()).toEqual([]);
  });

  test.each([["not JSON", "{ gateway: "], ["a JSON array", "[1]\n"]])("refused: %s", (_what, text) => {
    serve(text);
    const r = fakes.run(tool);
    expect(r.status).toBe(CONFIG_REFUSED_STATUS);
    expect(r.stderr).toMatch(/refused: s3:\/\/\S+ is not a JSON object; /);
    expect(fakes.systemdRunCalls()).toEqual([]);
  });

  test("the object missing: bounded retries, then a loud failure (exit 1), the file kept", () => {
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    const r = fakes.run(tool);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FAILED: fetching s3:\/\/\S+ did not succeed after 5 attempts/);
    expect(readFileSync(layout.configPath, "utf8")).toBe(openclawConfigFile(A));
  });
});

/**
 * External channel plugins (Slack, Discord): the tool has openclaw install each one the fetched object enables, with
 * the CLI reading that object, and refuses the object unless the install is loaded, trusted-official from npm, at
 * openclaw's version with the pinned tarball. Here the CLI is a fake `node` that acts as openclaw's auto-install does
 * (a project under <state>/npm/projects with its package-lock.json) and reports as `plugins inspect --json` does;
 * the real openclaw and npm registry: __tests__/integration/openclaw-channel-plugins.test.ts.
 */
describe("openclaw-apply-config: external channel plugins", () => {
  const SLACK = testSettings({ openclaw: { channels: { slack: { mode: "socket", dmPolicy: "pairing" } } } });
  const pin = channelPluginPins(A).slack;
  let dir: string;
  let layout: HostContract;
  let tool: string;
  let fakes: ConfigApplyFakes;
  /** What the fake CLI does: its inspect report's fields and the tarball integrity its install records. */
  const behave = (b: { status?: string; trust?: string; source?: string; integrity?: string; version?: string; fail?: boolean }) =>
    writeFileSync(path.join(dir, "cli-behaviour.json"), JSON.stringify(b));
  const calls = () => (existsSync(path.join(dir, "cli-calls")) ? readFileSync(path.join(dir, "cli-calls"), "utf8").trim().split("\n") : []);
  const project = () => path.join(layout.stateDir, "npm", "projects", "openclaw-slack-0123456789");
  const serve = (config: string) => writeFileSync(fakes.objectFile, config);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "config-apply-plugins-"));
    const real = hostContract(A);
    layout = {
      ...real, stateDir: path.join(dir, "state"), configPath: path.join(dir, "state", "openclaw.json"), runDir: path.join(dir, "run"),
      serviceUser: userInfo().username, nodeBin: path.join(dir, "node"), secretsFile: path.join(dir, "secrets.json"),
    };
    mkdirSync(layout.stateDir, { mode: 0o700 });
    writeFileSync(layout.secretsFile, "{}\n");
    // The fake CLI: records what it was asked and which config it read, "installs" the plugin, prints the report.
    writeFileSync(layout.nodeBin, `#!/bin/bash
b=${JSON.stringify(path.join(dir, "cli-behaviour.json"))}
echo "$* config=$OPENCLAW_CONFIG_PATH enables=$(jq -r '.channels | keys | join(",")' "$OPENCLAW_CONFIG_PATH")" >>${JSON.stringify(path.join(dir, "cli-calls"))}
[ "$(jq -r '.fail // false' "$b")" = true ] && { echo "npm error network" >&2; exit 1; }
p="$OPENCLAW_STATE_DIR/npm/projects/openclaw-$4-0123456789"
mkdir -p "$p/node_modules/@openclaw/$4"
jq -n --arg pkg "@openclaw/$4" --slurpfile b "$b" '{packages: {("node_modules/" + $pkg): {version: ($b[0].version // "${pin.version}"), integrity: ($b[0].integrity // "${pin.integrity}")}}}' >"$p/package-lock.json"
jq -n --arg pkg "@openclaw/$4" --arg root "$p/node_modules/@openclaw/$4" --slurpfile b "$b" \
  '{plugin: {status: ($b[0].status // "loaded"), packageName: $pkg, rootDir: $root, trust: {reason: ($b[0].trust // "trusted-official"), installSource: ($b[0].source // "npm")}}}'
`, { mode: 0o755 });
    tool = path.join(dir, "openclaw-apply-config");
    writeFileSync(tool, applyConfigTool(A, layout));
    fakes = configApplyFakes(dir);
    behave({});
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("every external channel's package has a pin for the locked openclaw version", () => {
    expect(Object.keys(channelPluginPins(A)).sort()).toEqual(Object.keys(CHANNEL_PLUGIN_PACKAGES).sort());
    for (const p of Object.values(channelPluginPins(A))) expect(p.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  test("a config that enables Slack: openclaw installs the plugin reading the fetched object, the install is checked, then the object is written", () => {
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    serve(openclawConfigFile(SLACK));
    const r = fakes.run(tool);
    expect(r.stderr).toContain(`openclaw-apply-config: channel plugin slack: @openclaw/slack@${pin.version} from npm, trusted-official, tarball sha512 as pinned`);
    // channels.* and plugins.* are hot paths (RELOAD_RULES): the running gateway's watcher applies them.
    expect(r.stderr).toMatch(/^openclaw-apply-config: applied \(hot\): /m);
    expect(r.status).toBe(0);
    expect(calls()).toEqual([`${layout.openclawEntry} plugins inspect slack --json config=${layout.configPath}.candidate enables=slack`]);
    expect(readFileSync(layout.configPath, "utf8")).toBe(openclawConfigFile(SLACK));
    expect(existsSync(`${layout.configPath}.candidate`)).toBe(false);
    // The CLI ran as the gateway does, bounded in time.
    expect(fakes.systemdRunCalls().find((c) => c.includes("plugins inspect"))).toMatch(/--uid=\S+ .*--property=RuntimeMaxSec=600 .*--setenv=OPENCLAW_CONFIG_PATH=\S+\.candidate /);
    // Unchanged afterwards: not inspected again by the timer's runs…
    expect(fakes.run(tool).stderr).toMatch(/unchanged: /);
    expect(calls()).toHaveLength(1);
    // …but at every boot (a new openclaw version comes with one).
    const boot = fakes.run(tool, ["--boot"]);
    expect(boot.status).toBe(0);
    expect(calls()).toHaveLength(2);
  });

  test.each([
    ["another tarball", { integrity: "sha512-" + "A".repeat(86) + "==" }, /tarball 2026\.9\.6 sha512-AAAA/],
    ["another version", { version: "2026.11.1" }, /tarball 2026\.11\.1 /],
    ["not trusted (a local path or an archive)", { trust: "origin-path" }, /\(loaded, origin-path from npm\)/],
    ["not loaded", { status: "error" }, /\(error, trusted-official from npm\)/],
  ])("refused: the install has %s; the object is not written and the unverified plugin removed", (_what, b, said) => {
    writeFileSync(layout.configPath, openclawConfigFile(A), { mode: 0o600 });
    serve(openclawConfigFile(SLACK));
    behave(b);
    const r = fakes.run(tool);
    expect(r.status).toBe(CONFIG_REFUSED_STATUS);
    expect(r.stderr).toMatch(said);
    expect(r.stderr).toMatch(/refused: the slack channel's plugin is @openclaw\/slack .*this host wants @openclaw\/slack 2026\.9\.6 sha512-.*; \S+ is left as it is$/m);
    expect(readFileSync(layout.configPath, "utf8")).toBe(openclawConfigFile(A));
    expect(existsSync(project())).toBe(false);
    expect(existsSync(`${layout.configPath}.candidate`)).toBe(false);
    expect(fakes.systemctlCalls()).toEqual([]);
  });

  test("refused at boot when openclaw cannot install it (e.g. the registry unreachable): the boot's step fails, loudly", () => {
    serve(openclawConfigFile(SLACK));
    behave({ fail: true });
    const r = fakes.run(tool, ["--boot"]);
    expect(r.status).toBe(CONFIG_REFUSED_STATUS);
    expect(r.stderr).toContain("npm error network");
    expect(r.stderr).toMatch(/refused: openclaw could not install or load the slack channel's plugin @openclaw\/slack \(above\)/);
    expect(existsSync(layout.configPath)).toBe(false);
  });

  test("no external channel (Telegram's plugin is bundled, a disabled Slack): no install, no inspection", () => {
    for (const input of [{ channels: { telegram: { dmPolicy: "pairing" } } }, { channels: { slack: { enabled: false, mode: "socket" } } }]) {
      serve(openclawConfigFile(testSettings({ openclaw: input })));
      expect(fakes.run(tool, ["--boot"]).status).toBe(0);
    }
    expect(calls()).toEqual([]);
  });
});

describe("what the tool depends on", () => {
  test("the locked fields are the gateway's locked paths and the secrets provider; their expected values are the rendered config's", () => {
    expect(lockedConfigPaths().map((p) => p.join("."))).toEqual(expect.arrayContaining([
      "gateway.mode", "gateway.bind", "gateway.port", "gateway.auth.mode", "gateway.auth.token", "gateway.trustedProxies", "gateway.publicOrigin",
      "gateway.controlUi.allowedOrigins", "gateway.tls", "secrets.providers.gateway-credentials"]));
    const config = openclawConfig(A) as Json;
    expect(expectedLockedValues(A, 18789)[lockedConfigPaths().findIndex((p) => p.join(".") === "gateway.bind")]).toBe(config.gateway.bind);
  });

  test("the host script does not change with the overlay, the model or the tool policy (so neither does the launch template)", () => {
    const base = renderBootPrograms(A);
    for (const input of [{ openclaw: { agents: { defaults: { thinkingDefault: "low" } } } }, { model: "openai/gpt-5" }, { toolPolicy: "full" as const }]) {
      const changed = renderBootPrograms(testSettings(input));
      expect(changed.hostScriptSha256).toBe(base.hostScriptSha256);
      expect(changed.loader).toBe(base.loader);
    }
    // …and no openclaw.json in it: the tool fetches it.
    expect(base.hostScript).not.toContain(openclawConfigFile(A).split("\n").slice(0, 4).join("\n"));
  });

  test("its unit may read the service user's files (CAP_DAC_READ_SEARCH, nothing else): it compares openclaw.json inside a 0700 directory", () => {
    // Without the capability, root in this unit could not even stat the file: every run rewrote it and failed (VM proof,
    // 2026-12-02). The tool runs as the file's owner in the tests above, which is why they could not see it.
    const unit = applyConfigService(hostContract(A));
    expect(unit.Service.CapabilityBoundingSet).toBe("CAP_DAC_READ_SEARCH");
    // Its bound: the S3 fetch's retries (240 s) and, when a changed config enables Slack and Discord, both installs.
    expect(CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS).toBe(2 * 600);
    expect(unit.Service.TimeoutStartSec).toBe(240 + 2 * 600);
    expect(unit.Service).not.toHaveProperty("AmbientCapabilities");
    expect(unit.Service.User).toBeUndefined();
  });

  test("every rule names a hot or restart path once", () => {
    const paths = RELOAD_RULES.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
