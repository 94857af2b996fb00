import { spawnSync } from "node:child_process";
import { hostContract, SECRETS_CREDENTIAL } from "../../modules/host/contract";
import { gatewayEnvironment, openclawCommand, openclawConfig, SECRETS_PROVIDER, secretRef } from "../../modules/host/layout";
import { memoryBudget } from "../../modules/host/memory";
import { adminTool, refreshSecretsTool } from "../../modules/host/tools";
import { gatewayUnit, renderUnit } from "../../modules/host/units";
import { ANTHROPIC_API_KEY, GATEWAY_TOKEN, SECRETS, TELEGRAM_BOT_TOKEN } from "../../modules/secrets-catalogue";
import { testSettings } from "../helpers/settings";

/**
 * Issue 13 item 8: the secrets reach the gateway as a systemd credential (LoadCredential=) that
 * openclaw.json's `file` SecretRefs read, never as environment variables; openclaw-admin runs the
 * CLI in a transient unit that gets the same credential. The real openclaw reads this configuration
 * in __tests__/integration/openclaw-gateway.test.ts and ops-openclaw.test.ts.
 */
const settings = testSettings();
const layout = hostContract(settings);

/** The value at a dotted path of an object. */
const at = (object: unknown, field: string): unknown =>
  field.split(".").reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], object);

/** The argv openclaw-admin hands systemd-run (its exec line, word-split by bash itself). */
function adminArgv(): string[] {
  const line = adminTool(layout).split("\n").find((l) => l.startsWith("exec systemd-run "))!;
  const r = spawnSync("bash", ["-c", `${line.replace(/^exec systemd-run /, "printf '%s\\n' ")}`, "admin", "devices", "list"], { encoding: "utf8" });
  expect(r.status).toBe(0);
  return r.stdout.trimEnd().split("\n");
}

describe("the gateway's secrets are a systemd credential that openclaw.json refers to", () => {
  test("every catalogue secret the chosen model provider uses is a file SecretRef into the credential, at its configField; no env SecretRef is left", () => {
    const config = openclawConfig(settings);
    // The other providers' API keys are not referenced (modules/host/layout.ts withSecretRefs).
    // Nor the channels' tokens: no channel is enabled.
    const used = SECRETS.filter((secret) => (secret.modelProvider === undefined || secret.modelProvider === "anthropic") && secret.channel === undefined);
    expect(SECRETS.filter((secret) => !used.includes(secret) && at(config, secret.configField) !== undefined)).toEqual([]);
    expect(used.map((secret) => secret.id)).toEqual([GATEWAY_TOKEN.id, ANTHROPIC_API_KEY.id]);
    for (const secret of used) expect(at(config, secret.configField)).toEqual({ source: "file", provider: SECRETS_PROVIDER, id: `/${secret.id}` });
    expect(at(config, "gateway.auth")).toEqual({ mode: "token", token: secretRef(GATEWAY_TOKEN) });
    expect(at(config, "models.providers.anthropic.apiKey")).toEqual(secretRef(ANTHROPIC_API_KEY));
    expect(at(config, `secrets.providers.${SECRETS_PROVIDER}`)).toEqual({ source: "file", path: "${CREDENTIALS_DIRECTORY}/gateway-secrets", mode: "json" });
    expect(JSON.stringify(config)).not.toContain('"env"');
  });

  test("a channel's token is referenced only while the overlay enables the channel (enabled: false is off)", () => {
    const withTelegram = (telegram: object) => openclawConfig({ ...settings, openclaw: { channels: { telegram } } });
    expect(at(withTelegram({ dmPolicy: "pairing" }), "channels.telegram.botToken")).toEqual(secretRef(TELEGRAM_BOT_TOKEN));
    expect(at(withTelegram({ enabled: false }), "channels.telegram.botToken")).toBeUndefined();
    expect(at(withTelegram({ enabled: false }), "channels.telegram")).toEqual({ enabled: false });
    expect(at(openclawConfig({ ...settings, openclaw: { channels: { slack: {} } } }), "channels.slack"))
      .toEqual({ botToken: { source: "file", provider: SECRETS_PROVIDER, id: "/slack-bot-token" }, appToken: { source: "file", provider: SECRETS_PROVIDER, id: "/slack-app-token" } });
  });

  test("names follow openclaw's SecretRef grammar: provider ^[a-z][a-z0-9_-]{0,63}$, ids JSON pointers without escapes", () => {
    expect(SECRETS_PROVIDER).toMatch(/^[a-z][a-z0-9_-]{0,63}$/);
    for (const secret of SECRETS) expect(secret.id).toMatch(/^[a-z0-9-]+$/);
    expect(SECRETS_CREDENTIAL).toMatch(/^[a-z0-9-]+$/);
  });

  test("the gateway's unit loads the root-only secrets file as the credential and has no secret in its environment", () => {
    const unit = renderUnit(gatewayUnit(layout, memoryBudget(settings.instanceType)));
    expect(unit).toContain(`\nLoadCredential=gateway-secrets:${layout.secretsFile}\n`);
    expect(layout.secretsFile).toBe("/run/openclaw/gateway-secrets.json");
    expect(unit).not.toMatch(/EnvironmentFile=|_TOKEN=|_KEY=/);
  });

  test("openclaw-admin runs the CLI in a transient unit with the gateway's user, directory, environment, umask and credential", () => {
    const unit = gatewayUnit(layout, memoryBudget(settings.instanceType)).Service;
    const argv = adminArgv();
    const end = argv.indexOf("--");
    expect(argv.slice(0, 5)).toEqual(["--quiet", "--pipe", "--wait", "--collect", "--service-type=exec"]);
    expect(argv.slice(5, end)).toEqual([
      `--uid=${unit.User}`, `--gid=${unit.Group}`, `--working-directory=${unit.WorkingDirectory}`,
      `--property=UMask=${unit.UMask}`, `--property=LoadCredential=${unit.LoadCredential}`,
      ...Object.entries(gatewayEnvironment(layout)).map(([name, value]) => `--setenv=${name}=${value}`),
    ]);
    expect(argv.slice(end + 1)).toEqual([...openclawCommand(layout, []), "devices", "list"]);
    expect(adminTool(layout)).not.toMatch(/setpriv|export |_TOKEN|_KEY/);
  });

  test("openclaw-refresh-secrets writes one JSON object by catalogue id; values pass through jq's environment, never argv", () => {
    const tool = refreshSecretsTool(settings, layout);
    const addSecret = tool.split("\n").find((l) => l.startsWith("add_secret() {"))!;
    // Values no EnvironmentFile could hold (quotes, backslash, spaces) survive; order is the catalogue's.
    const r = spawnSync("bash", ["-c", `${addSecret}\ncontent="{}"\nadd_secret gateway-token 'a"b\\c d'\nadd_secret anthropic-api-key k2\nprintf '%s\\n' "$content"`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('{"gateway-token":"a\\"b\\\\c d","anthropic-api-key":"k2"}\n');
    expect(addSecret).toContain("SECRET_VALUE=$2 jq");
    expect(addSecret).not.toMatch(/--arg \S+ "\$2"/);
    expect(tool).toContain(`SECRETS_FILE='${layout.secretsFile}'`);
  });
});
