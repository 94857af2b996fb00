import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { applyConfigTool, CONFIG_REFUSED_STATUS, expectedLockedValues, lockedConfigPaths, RELOAD_RULES } from "../../modules/host/config-apply";
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
    expect(unit.Service).not.toHaveProperty("AmbientCapabilities");
    expect(unit.Service.User).toBeUndefined();
  });

  test("every rule names a hot or restart path once", () => {
    const paths = RELOAD_RULES.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
