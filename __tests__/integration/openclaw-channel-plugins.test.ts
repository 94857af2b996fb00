import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { applyConfigTool, channelPluginPins, CONFIG_REFUSED_STATUS } from "../../modules/host/config-apply";
import { HostContract } from "../../modules/host/contract";
import { openclawConfigFile } from "../../modules/host/layout";
import { configApplyFakes } from "../helpers/config-apply-fakes";
import { freePort } from "../helpers/free-port";
import {
  OpenclawFixture, openclawFixture, openclawFixtureProblem, RunningGateway, secretsFileContent, startGateway, testLayout,
} from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Issue 14 item 3, Slack and Discord, with the real pinned openclaw and the real npm registry: their plugins are not
 * bundled; openclaw installs a configured one itself from npm (the only install it trusts). The rendered
 * `openclaw-apply-config --boot` (fake `aws` serving the config, fake `systemd-run` that runs the CLI with the unit's
 * environment as the test's user) has openclaw install both before the config is written and checks each install
 * against the shipped pins; then the real gateway starts with both channels configured and loads both plugins without
 * installing anything. A pin that does not match is refused, and the unverified install removed.
 */
const REGISTRY = "https://registry.npmjs.org/";

/** Why the registry cannot be used here, or undefined (the install downloads both plugins). */
function registryProblem(): string | undefined {
  const r = spawnSync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", `${REGISTRY}@openclaw%2fslack`], { encoding: "utf8" });
  return r.stdout === "200" ? undefined : `the npm registry (${REGISTRY}) cannot be reached from here (curl: ${r.stdout || r.stderr.trim()})`;
}
const canRun = requireInCi(openclawFixtureProblem() ?? registryProblem(), "the real-openclaw channel plugin install test");
const maybe = canRun ? describe : describe.skip;

/** Slack and Discord as docs/examples/channels configures them, on one gateway. */
const BOTH = testSettings({
  openclaw: {
    channels: {
      slack: { mode: "socket", dmPolicy: "pairing", groupPolicy: "allowlist", channels: { C0123456789: { requireMention: true } } },
      discord: { dmPolicy: "pairing", groupPolicy: "allowlist" },
    },
  },
});

maybe("external channel plugins (Slack, Discord) through openclaw-apply-config, real openclaw and npm registry", () => {
  let fixture: OpenclawFixture;
  let scratch: string;
  let volume: string;
  let layout: HostContract;
  let gateway: RunningGateway | undefined;
  const notes: string[] = [];

  beforeAll(async () => {
    fixture = openclawFixture() as OpenclawFixture;
    scratch = mkdtempSync(path.join(tmpdir(), "openclaw-channel-plugins-"));
    volume = path.join(scratch, "volume");
    const port = await freePort();
    // The host's layout on this "volume", run by the test's user; the secrets file the CLI's credential comes from.
    layout = { ...testLayout(BOTH, volume, fixture), gatewayPort: port, serviceUser: userInfo().username, runDir: path.join(scratch, "run"),
      secretsFile: path.join(scratch, "gateway-secrets.json") };
    mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(layout.secretsFile, secretsFileContent("a".repeat(64)), { mode: 0o600 });
  });
  afterAll(async () => {
    await gateway?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`channel plugins (real openclaw, npm registry):\n  ${notes.join("\n  ")}`);
  }, 30_000);

  const tool = (pins = channelPluginPins(BOTH)): string => {
    const file = path.join(scratch, "openclaw-apply-config");
    let text = applyConfigTool(BOTH, layout);
    for (const [id, pin] of Object.entries(pins)) text = text.replace(channelPluginPins(BOTH)[id].integrity, pin.integrity);
    writeFileSync(file, text, { mode: 0o755 });
    return file;
  };
  const projects = () => readdirSync(path.join(layout.stateDir, "npm", "projects")).sort();

  test("at boot, openclaw installs both plugins from npm before the config is written; each is loaded, trusted-official, with the pinned tarball", () => {
    const fakes = configApplyFakes(scratch);
    writeFileSync(fakes.objectFile, openclawConfigFile(BOTH, layout.gatewayPort));
    const started = Date.now();
    const r = fakes.run(tool(), ["--boot"], 2 * 600_000);
    notes.push(`apply-config --boot with both plugins installed by openclaw: ${Date.now() - started} ms (exit ${r.status})`);
    expect(r.stderr).toContain("openclaw-apply-config: channel plugin slack: @openclaw/slack@2026.9.6 from npm, trusted-official, tarball sha512 as pinned");
    expect(r.stderr).toContain("openclaw-apply-config: channel plugin discord: @openclaw/discord@2026.9.6 from npm, trusted-official, tarball sha512 as pinned");
    expect(r.stderr).toMatch(/^openclaw-apply-config: applied \(boot\): /m);
    expect(r.status).toBe(0);
    expect(readFileSync(layout.configPath, "utf8")).toBe(openclawConfigFile(BOTH, layout.gatewayPort));
    expect(existsSync(`${layout.configPath}.candidate`)).toBe(false);
    expect(projects()).toEqual([expect.stringMatching(/^openclaw-discord-/), expect.stringMatching(/^openclaw-slack-/)]);
    // The pins are the registry's own integrity for the tarballs openclaw installed (what npm checked them against).
    for (const [id, pin] of Object.entries(channelPluginPins(BOTH))) {
      const lock = JSON.parse(readFileSync(path.join(layout.stateDir, "npm", "projects", projects().find((p) => p.startsWith(`openclaw-${id}-`))!, "package-lock.json"), "utf8"));
      expect(lock.packages[`node_modules/${pin.package}`]).toMatchObject({ version: pin.version, integrity: pin.integrity, resolved: expect.stringContaining(REGISTRY) });
    }
  }, 2 * 600_000 + 60_000);

  test("the real gateway then starts with Slack and Discord configured and loads both plugins without installing anything", async () => {
    gateway = await startGateway(BOTH, fixture, { root: volume, port: layout.gatewayPort, startTimeoutMs: 150_000, waitFor: "live" });
    notes.push(`gateway start with both plugins: /healthz after ${gateway.startupMs} ms`);
    // The gateway's own line, e.g. "http server listening (6 plugins: device-pair, discord, memory-core, slack, …; 9.1s)".
    const LISTENING = /http server listening \((\d+) plugins: ([^;)]*)/;
    for (let i = 0; i < 120 && !LISTENING.test(gateway.output()); i++) await new Promise((r) => setTimeout(r, 500));
    const listening = LISTENING.exec(gateway.output());
    expect({ plugins: listening?.[2].split(", "), output: listening ? "" : gateway.output().slice(-3000) })
      .toEqual({ plugins: expect.arrayContaining(["slack", "discord"]), output: "" });
    expect(gateway.output()).not.toMatch(/Installed missing configured plugin|Failed to install missing configured plugin|only available for trusted plugins/);
    for (const id of ["slack", "discord"]) {
      const inspect = gateway.cli(["plugins", "inspect", id, "--json"]);
      expect(inspect.status).toBe(0);
      expect(JSON.parse(inspect.stdout).plugin).toMatchObject({ status: "loaded", packageVersion: "2026.9.6", trust: { reason: "trusted-official", installSource: "npm" } });
    }
    await gateway.stop({ keepState: true });
    gateway = undefined;
  }, 400_000);

  test("an install whose tarball is not the pinned one is refused: the config is not written and the unverified plugin removed", () => {
    const fakes = configApplyFakes(scratch);
    const before = readFileSync(layout.configPath, "utf8");
    // A changed object (so the tool checks it) that enables Slack, against a pin the installed tarball does not have.
    const next = testSettings({ openclaw: { channels: { slack: { mode: "socket", dmPolicy: "allowlist", allowFrom: ["U0123456789"] } } } });
    writeFileSync(fakes.objectFile, openclawConfigFile(next, layout.gatewayPort));
    const wrong = { ...channelPluginPins(BOTH), slack: { ...channelPluginPins(BOTH).slack, integrity: `sha512-${"A".repeat(86)}==` } };
    const r = fakes.run(tool(wrong), [], 600_000);
    expect(r.status).toBe(CONFIG_REFUSED_STATUS);
    expect(r.stderr).toMatch(/refused: the slack channel's plugin is @openclaw\/slack \(loaded, trusted-official from npm\), tarball 2026\.9\.6 sha512-3\+vRR\S+; this host wants @openclaw\/slack 2026\.9\.6 sha512-AAAA/);
    expect(readFileSync(layout.configPath, "utf8")).toBe(before);
    expect(projects()).toEqual([expect.stringMatching(/^openclaw-discord-/)]);
    expect(existsSync(`${layout.configPath}.candidate`)).toBe(false);
  }, 600_000 + 60_000);
});
