import { openclawConfig } from "../../modules/host/layout";
import { TELEGRAM_BOT_TOKEN } from "../../modules/secrets-catalogue";
import { FAKE_ANTHROPIC_API_KEY, httpRequest, OpenclawFixture, openclawFixture, openclawFixtureProblem, RunningGateway, startGateway } from "../helpers/openclaw-harness";
import { FakeTelegram, startFakeTelegram, TelegramUser } from "../helpers/fake-telegram";
import { mockProviderOverlay, ModelMock, startModelMock, userTexts } from "../browser/harness/model-mock";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Telegram end to end against the real openclaw (the pinned release, its bundled telegram plugin):
 * the gateway started as its unit starts it, with the deployment's rendered openclaw.json (the channel
 * enabled by the `openclaw` setting, its token a SecretRef into the gateway's systemd credential, which
 * holds it under the catalogue's id as the refresh tool writes it), Telegram's Bot API played by a
 * local fake (channels.telegram.apiRoot: openclaw's documented custom Bot API root, docs/channels/telegram.md
 * "custom API root") and the Anthropic API by the model mock. A user on the allowlist writes; the model
 * mock must get their words with the deployment's key and the fake must get the model's reply in their
 * chat. A stranger who writes first must get nothing and reach no model.
 */
const canRun = requireInCi(openclawFixtureProblem(), "the real-openclaw Telegram test");
const maybe = canRun ? describe : describe.skip;

/** Telegram's token shape (digits, a colon, 35 characters); the fake accepts only this one. */
const BOT_TOKEN = `${7_000_000_001}:AAtest-openclaw-aws-fake-bot-token000`;
const OWNER: TelegramUser = { id: 424_242_001, firstName: "Owner" };
const STRANGER: TelegramUser = { id: 999_999_777, firstName: "Stranger" };
const REPLY = "Hello from the model mock via Telegram";
const OWNER_TEXT = "owner asks: what is the weather on the moon?";
const STRANGER_TEXT = "stranger asks: run rm -rf for me";

maybe("Telegram end to end: a message in, the model's reply out (real openclaw, fake Bot API)", () => {
  let mock: ModelMock;
  let telegram: FakeTelegram;
  let gateway: RunningGateway;
  let settings: ReturnType<typeof testSettings>;
  const timings: Array<[string, number]> = [];

  beforeAll(async () => {
    const start = Date.now();
    mock = await startModelMock(REPLY);
    telegram = await startFakeTelegram(BOT_TOKEN);
    // resolveSettings runs every synth check on this overlay (rules, locked paths, the pinned schema).
    settings = testSettings({
      openclaw: {
        ...mockProviderOverlay(mock.baseUrl),
        channels: { telegram: { apiRoot: telegram.apiRoot, dmPolicy: "allowlist", allowFrom: [String(OWNER.id)] } },
        plugins: { allow: ["telegram"] },
      },
    });
    gateway = await startGateway(settings, openclawFixture() as OpenclawFixture, {
      extraSecrets: { [TELEGRAM_BOT_TOKEN.id]: BOT_TOKEN }, startTimeoutMs: 150_000,
    });
    timings.push(["gateway start to /readyz", gateway.readyMs]);
    timings.push(["setup total", Date.now() - start]);
  }, 330_000);

  afterAll(async () => {
    await gateway?.stop();
    await telegram?.stop();
    await mock?.stop();
    // eslint-disable-next-line no-console
    console.log(`openclaw-telegram (loaded machine): ${timings.map(([what, ms]) => `${what} ${(ms / 1000).toFixed(1)} s`).join("; ")}`);
  }, 30_000);

  test("the rendered config refers to the token through the credential, never inline", () => {
    const config = openclawConfig(settings) as { channels: { telegram: Record<string, unknown> } };
    expect(config.channels.telegram.botToken).toEqual({ source: "file", provider: "gateway-credentials", id: `/${TELEGRAM_BOT_TOKEN.id}` });
    expect(JSON.stringify(config)).not.toContain(BOT_TOKEN);
  });

  test("the bot polls with the credential's token; the owner gets the model's reply, the stranger nothing", async () => {
    const polling = Date.now();
    await telegram.waitFor((calls) => calls.some((c) => c.method === "getUpdates" && c.tokenOk), 60_000, "a getUpdates with the bot token");
    timings.push(["gateway ready to the first getUpdates", Date.now() - polling]);
    expect(telegram.calls.filter((c) => !c.tokenOk)).toEqual([]);

    const exchange = Date.now();
    telegram.sendUserMessage(STRANGER, STRANGER_TEXT);
    telegram.sendUserMessage(OWNER, OWNER_TEXT);
    await telegram.waitFor(() => telegram.textsTo(OWNER.id).some((t) => t.includes(REPLY)), 120_000, "a message to the owner's chat with the model's reply");
    timings.push(["owner's message to the reply in the fake Telegram", Date.now() - exchange]);

    // The model got the owner's words, with the deployment's key, and never the stranger's.
    const turns = mock.requests.filter((r) => userTexts(r.body).some((t) => t.includes(OWNER_TEXT)));
    expect(turns.length).toBeGreaterThan(0);
    expect(turns.map((r) => r.apiKey)).toEqual(turns.map(() => FAKE_ANTHROPIC_API_KEY));
    expect(mock.requests.filter((r) => JSON.stringify(r.body ?? "").includes(STRANGER_TEXT))).toEqual([]);
    // The stranger (handed out before the owner, so already handled) got no message at all: no reply, no pairing code.
    expect(telegram.textsTo(STRANGER.id)).toEqual([]);
    expect(telegram.calls.filter((c) => Number(c.body.chat_id) === STRANGER.id).map((c) => c.method)).toEqual([]);
    // The token never reached the gateway's output.
    expect(gateway.output()).not.toContain(BOT_TOKEN);
  }, 180_000);
});

maybe("Telegram enabled before its token is stored: the gateway stays live, the channel waits", () => {
  let telegram: FakeTelegram;
  let gateway: RunningGateway;

  beforeAll(async () => {
    telegram = await startFakeTelegram(BOT_TOKEN);
    const settings = testSettings({
      openclaw: { channels: { telegram: { apiRoot: telegram.apiRoot, dmPolicy: "allowlist", allowFrom: [String(OWNER.id)] } }, plugins: { allow: ["telegram"] } },
    });
    // The parameter still holds its placeholder: the refresh tool leaves the token out of the credential.
    gateway = await startGateway(settings, openclawFixture() as OpenclawFixture, { startTimeoutMs: 150_000, waitFor: "live" });
  }, 330_000);

  afterAll(async () => {
    await gateway?.stop();
    await telegram?.stop();
  }, 30_000);

  test("/healthz (what the boot script and the watchdog check) answers 200; openclaw says the token's SecretRef is not found; Telegram is never called", async () => {
    const deadline = Date.now() + 120_000;
    while (!/telegram\] channel startup failed/.test(gateway.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect(gateway.output()).toMatch(/\[telegram\] channel startup failed: .*secret reference was not found/);
    expect((await httpRequest(`http://127.0.0.1:${gateway.port}/healthz`)).status).toBe(200);
    // Not ready (a configured channel is down): nothing on the host waits for /readyz (modules/host/posix.ts).
    expect((await httpRequest(`http://127.0.0.1:${gateway.port}/readyz`)).status).not.toBe(200);
    expect(telegram.calls).toEqual([]);
  }, 150_000);
});
