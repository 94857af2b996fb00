import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { hostContract } from "../../modules/host/contract";
import { localSsmAgent, LocalSsmAgent, openclawAdminStub, OpsRun, runDevices } from "../helpers/local-ssm-agent";
import {
  FAKE_ANTHROPIC_API_KEY,
  OpenclawFixture,
  openclawFixture,
  openclawFixtureProblem,
  REPO_ROOT,
  RunningGateway,
  startGateway,
} from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";
import { browserProblem, launchBrowser } from "./harness/browser";
import { createTestCa, TestCa } from "./harness/ca";
import { ModelMock, startModelMock, userTexts } from "./harness/model-mock";
import { clientFacingAddress, RunningTlsProxy, startTlsProxy } from "./harness/tls-proxy";

/**
 * Issue 17, steps 2–5, natively: a person's browser (Debian's Chromium, headless) opens
 * https://<domain>/ through a real TLS proxy (caddy with a test CA the browser trusts) in front of the
 * real pinned openclaw gateway, is paired as the owner with the one-time link `npm run devices --
 * dashboard` prints (its SSM document run by the local agent), chats with a mock of Anthropic's
 * Messages API reached through the deployment's own provider settings, and a second device is refused
 * with "pairing required" until `npm run devices -- approve <requestId>`. Screenshots: reports/browser/.
 */

/** What a missing tool or address keeps this test from running, or undefined. */
function problem(): string | undefined {
  const missing = ["caddy", "certutil", "openssl"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  const address = clientFacingAddress();
  return openclawFixtureProblem() ?? browserProblem()
    ?? (missing.length > 0 ? `missing ${missing.join(", ")} (Debian: apt-get install caddy libnss3-tools openssl)` : undefined)
    ?? (typeof address === "string" ? undefined : address.problem);
}
const canRun = requireInCi(problem(), "the browser chat test");
const maybe = canRun ? describe : describe.skip;

/** Where the screenshots go (reports/ is gitignored; CI keeps it as an artifact). */
export const SCREENSHOTS = path.join(REPO_ROOT, "reports/browser");
/** The mock model's one answer. */
const REPLY = "Hello from the mock model: the deployment reached me.";
/** Request ids as the Control UI shows them (crypto.randomUUID). */
const REQUEST_ID = /openclaw devices approve ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;

maybe("a person's browser against the real openclaw behind a TLS proxy", () => {
  let mock: ModelMock;
  let ca: TestCa;
  let fixture: OpenclawFixture;
  let gateway: RunningGateway;
  let proxy: RunningTlsProxy;
  let work: string;
  let aws: LocalSsmAgent;
  let browser: Browser;
  let owner: Page;
  let secondContext: BrowserContext;
  let settings: ReturnType<typeof testSettings>;
  const timings: Array<[string, number]> = [];

  /** Runs `step`, recording its wall time under `name`. */
  async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      return await step();
    } finally {
      timings.push([name, Date.now() - start]);
    }
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
  const devices = async (argv: string[]): Promise<OpsRun> => {
    const result = await runDevices(settings, aws, argv);
    expect(`${result.out}${result.err}`).not.toContain(gateway.token);
    return result;
  };
  const origin = () => `https://${settings.domainName}`;

  /** Types `text` into the chat composer, sends it, and waits for the mock's answer after it. */
  async function chat(page: Page, text: string): Promise<void> {
    const composer = page.getByRole("textbox", { name: "Chat composer" });
    await composer.fill(text);
    await composer.press("Enter");
    const log = page.getByRole("region", { name: "Chat" }).getByRole("log");
    await log.getByText(text).waitFor({ timeout: 30_000 });
    await log.getByText(REPLY).last().waitFor({ timeout: 90_000 });
  }

  /** The Messages API requests that carried `text` as the person's own words. */
  const requestsWith = (text: string) =>
    mock.requests.filter((r) => r.method === "POST" && r.path === "/v1/messages" && userTexts(r.body).some((t) => t.includes(text)));

  /**
   * Everything the gateway sent to the provider's URL (the chat turns and openclaw's own utility-model
   * calls, e.g. the activity recap on claude-haiku-4-5) was a Messages API call with the deployment's
   * key and no other credential. Without `api: "anthropic-messages"` in the overlay the recap went to
   * <baseUrl>/chat/completions (OpenAI-style) with no key at all: this catches that.
   */
  const expectOnlyMessagesCalls = () => {
    expect(mock.requests.map((r) => ({ method: r.method, path: r.path, apiKey: r.apiKey, authorization: r.authorization })))
      .toEqual(mock.requests.map(() => ({ method: "POST", path: "/v1/messages", apiKey: FAKE_ANTHROPIC_API_KEY, authorization: undefined })));
  };

  beforeAll(async () => {
    const start = Date.now();
    mkdirSync(SCREENSHOTS, { recursive: true });
    mock = await startModelMock(REPLY);
    // The deployment's own provider settings: the `openclaw` overlay may set
    // models.providers.anthropic.baseUrl and .api (only its apiKey is locked: modules/openclaw/overlay.ts);
    // resolveSettings refuses the overlay if it broke a rule or the pinned openclaw's config schema.
    // `api` is needed too: with a baseUrl alone, openclaw 2026.9.6 sent its utility-model calls
    // (anthropic/claude-haiku-4-5) to <baseUrl>/chat/completions without the key (seen 2026-12-01).
    settings = testSettings({ openclaw: { models: { providers: { anthropic: { baseUrl: mock.baseUrl, api: "anthropic-messages" } } } } });
    ca = createTestCa(settings.domainName);
    fixture = openclawFixture() as OpenclawFixture;
    gateway = await startGateway(settings, fixture);
    proxy = await startTlsProxy({
      domain: settings.domainName, cert: ca.leafCert, key: ca.leafKey,
      upstream: { host: "127.0.0.1", port: gateway.port }, workDir: path.join(ca.dir, "caddy"),
    });
    work = mkdtempSync(path.join(tmpdir(), "openclaw-browser-ops-"));
    aws = localSsmAgent(settings, { replace: { [hostContract(settings).adminTool]: openclawAdminStub(gateway, fixture, work) } });
    browser = await launchBrowser({ domain: settings.domainName, address: proxy.address, port: proxy.port, home: ca.browserHome });
    timings.push(["setup: mock, CA, gateway, caddy, chromium", Date.now() - start]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await gateway?.stop();
    await mock?.stop();
    ca?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
    const total = timings.reduce((sum, [, ms]) => sum + ms, 0);
    // eslint-disable-next-line no-console
    console.log([
      "browser chat steps (wall ms):",
      ...timings.map(([name, ms]) => `  ${String(ms).padStart(6)}  ${name}`),
      `  ${String(total).padStart(6)}  total`,
      `model mock requests: ${mock?.requests.map((r) => `${r.method} ${r.path} key=${r.apiKey === FAKE_ANTHROPIC_API_KEY ? "deployment's" : r.apiKey === undefined ? "none" : "OTHER"}${r.authorization ? " +authorization" : ""} model=${(r.body as { model?: string } | undefined)?.model}`).join("; ")}`,
      `screenshots: ${SCREENSHOTS}`,
    ].join("\n"));
  }, 60_000);

  test("a person opens https://<domain>/: the Control UI loads on that exact origin, in a secure context, and asks for the gateway's secret", async () => {
    owner = await timed("open https://<domain>/", async () => {
      const page = await browser.newPage();
      const response = await page.goto(`${origin()}/`);
      expect(response?.status()).toBe(200);
      await page.getByRole("heading", { name: "This Gateway expects its token" }).waitFor({ timeout: 30_000 });
      return page;
    });
    // No port in the origin (the gateway's allowed origin has none), and a real secure context:
    // the test CA is trusted, no certificate error was ignored.
    expect(await owner.evaluate("[location.origin, isSecureContext, typeof crypto.subtle]")).toEqual([origin(), true, "object"]);
    await expect(owner.getByRole("textbox", { name: "Gateway URL" }).inputValue()).resolves.toBe(`wss://${settings.domainName}`);
    await shot(owner, "1-open-url-asks-for-secret.png");
  });

  test("the owner link from `npm run devices -- dashboard` (its document run as SSM would) connects this browser as the owner", async () => {
    const link = await timed("devices dashboard (document)", async () => {
      const result = await devices(["dashboard"]);
      expect(result.code).toBe(0);
      return new URL(result.out.split("\n").find((line) => line.startsWith("https://"))!);
    });
    expect(link.origin).toBe(origin());
    await timed("open the owner link → connected", async () => {
      await owner.goto(link.href);
      await owner.getByRole("button", { name: "Identity and app menu for Owner" }).waitFor({ timeout: 60_000 });
      await owner.getByRole("status").filter({ hasText: "Connected" }).first().waitFor({ timeout: 30_000 });
    });
    // The one-time fragment is gone from the address bar; the page is the chat.
    expect(owner.url()).toBe(`${origin()}/chat/main`);
    const list = JSON.parse((await devices(["list", "--json"])).out) as { paired: Array<Record<string, unknown>> };
    // Paired by the one-time link, attributed to the browser's address through the trusted proxy.
    expect(list.paired).toEqual([expect.objectContaining({ clientId: "openclaw-control-ui", approvedVia: "bootstrap", remoteIp: proxy.address })]);
    await shot(owner, "2-owner-connected.png");
  });

  test("the owner types a message: the mock model gets it with the deployment's API key, and its answer appears on the page", async () => {
    const text = `Hello from the owner's browser ${Date.now()}`;
    await timed("owner chat → answer on the page", () => chat(owner, text));
    const sent = requestsWith(text);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const request of sent) {
      expect(request).toMatchObject({ apiKey: FAKE_ANTHROPIC_API_KEY, anthropicVersion: "2023-06-01" });
      expect(request.body).toMatchObject({ stream: true, model: expect.stringMatching(/^claude-/) });
    }
    expectOnlyMessagesCalls();
    await shot(owner, "3-owner-chat-answer.png");
  });

  test("a second device with the gateway token is refused with \"pairing required\" until `npm run devices -- approve <requestId>`; then it chats too", async () => {
    secondContext = await browser.newContext();
    const page = await secondContext.newPage();
    const requestId = await timed("second device: token → pairing required", async () => {
      await page.goto(`${origin()}/`);
      await page.getByRole("textbox", { name: "Gateway secret" }).fill(gateway.token);
      await page.getByRole("button", { name: "Connect" }).click();
      await page.getByRole("heading", { name: "Approve this browser" }).waitFor({ timeout: 30_000 });
      const command = await page.getByRole("button", { name: /^Copy command: openclaw devices approve / }).getAttribute("aria-label");
      return REQUEST_ID.exec(command ?? "")?.[1];
    });
    expect(requestId).toBeDefined();
    // The gateway's own words, under the page's "Raw error" disclosure.
    expect(await page.getByRole("group").filter({ hasText: "Raw error" }).textContent()).toContain("pairing required");
    await shot(page, "4-second-device-pairing-required.png");

    const pending = JSON.parse((await devices(["list", "--json"])).out) as { pending: Array<Record<string, unknown>> };
    expect(pending.pending).toEqual([expect.objectContaining({ requestId, clientId: "openclaw-control-ui", remoteIp: proxy.address })]);

    await timed("devices approve (document) → second device connected", async () => {
      const approve = await devices(["approve", requestId!]);
      expect(approve).toMatchObject({ code: 0, out: expect.stringContaining(`Approved request ${requestId}`) });
      // The page retries on its own; "Check now" retries at once.
      await page.getByRole("button", { name: "Check now" }).click().catch(() => undefined);
      await page.getByRole("textbox", { name: "Chat composer" }).waitFor({ timeout: 60_000 });
    });
    const text = `Hello from the second device ${Date.now()}`;
    await timed("second device chat → answer on the page", () => chat(page, text));
    expect(requestsWith(text).map((r) => r.apiKey)).toContain(FAKE_ANTHROPIC_API_KEY);
    expectOnlyMessagesCalls();
    await shot(page, "5-second-device-chat-answer.png");
  });
});
