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
import {
  ASKS_FOR_APPROVAL, connectWithToken, openControlUi, openOwnerLink, reloadUntilConversation, sendChat, waitUntilApproved,
} from "./harness/control-ui";
import { mockProviderOverlay, ModelMock, notMessagesCalls, requestsCarrying, startModelMock } from "./harness/model-mock";
import { clientFacingAddress, RunningTlsProxy, startTlsProxy } from "./harness/tls-proxy";

/**
 * Issue 17, steps 2–6, natively: a person's browser (Debian's Chromium, headless) opens
 * https://<domain>/ through a real TLS proxy (caddy with a test CA the browser trusts) in front of the
 * real pinned openclaw gateway, is paired as the owner with the one-time link `npm run devices --
 * dashboard` prints (its SSM document run by the local agent), chats with a mock of Anthropic's
 * Messages API reached through the deployment's own provider settings, and a second device is refused
 * with "pairing required" until `npm run devices -- approve <requestId>`; after a replacement (a killed
 * gateway, a successor on the same data volume) the owner's browser is still paired and sees its
 * conversation. Screenshots: reports/browser/.
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
const SCREENSHOTS = path.join(REPO_ROOT, "reports/browser");
/** The mock model's one answer. */
const REPLY = "Hello from the mock model: the deployment reached me.";

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
  /** The first gateway's data volume, kept for its successor (removed in afterAll). */
  let dataVolume: string | undefined;
  /** What the owner typed (its conversation must survive a replacement). */
  let ownerText: string;
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

  beforeAll(async () => {
    const start = Date.now();
    mkdirSync(SCREENSHOTS, { recursive: true });
    mock = await startModelMock(REPLY);
    // The deployment's own provider settings (harness/model-mock.ts mockProviderOverlay); resolveSettings
    // refuses an overlay that breaks a rule or the pinned openclaw's config schema.
    settings = testSettings({ openclaw: mockProviderOverlay(mock.baseUrl) });
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
    if (dataVolume) rmSync(dataVolume, { recursive: true, force: true });
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
    owner = await browser.newPage();
    const opened = await timed("open https://<domain>/", () => openControlUi(owner, origin()));
    // No port in the origin (the gateway's allowed origin has none), and a real secure context:
    // the test CA is trusted, no certificate error was ignored.
    expect(opened).toEqual({ origin: origin(), secure: true, status: 200 });
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
    await timed("open the owner link → connected", () => openOwnerLink(owner, link.href));
    // The one-time fragment is gone from the address bar; the page is the chat.
    expect(owner.url()).toBe(`${origin()}/chat/main`);
    const list = JSON.parse((await devices(["list", "--json"])).out) as { paired: Array<Record<string, unknown>> };
    // Paired by the one-time link, attributed to the browser's address through the trusted proxy.
    expect(list.paired).toEqual([expect.objectContaining({ clientId: "openclaw-control-ui", approvedVia: "bootstrap", remoteIp: proxy.address })]);
    await shot(owner, "2-owner-connected.png");
  });

  test("the owner types a message: the mock model gets it with the deployment's API key, and its answer appears on the page", async () => {
    const text = ownerText = `Hello from the owner's browser ${Date.now()}`;
    await timed("owner chat → answer on the page", () => sendChat(owner, text, REPLY));
    const sent = requestsCarrying(mock.requests, text);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const request of sent) {
      expect(request).toMatchObject({ apiKey: FAKE_ANTHROPIC_API_KEY, anthropicVersion: "2023-06-01" });
      expect(request.body).toMatchObject({ stream: true, model: expect.stringMatching(/^claude-/) });
    }
    expect(notMessagesCalls(mock.requests, FAKE_ANTHROPIC_API_KEY)).toEqual([]);
    await shot(owner, "3-owner-chat-answer.png");
  });

  test("a second device with the gateway token is refused with \"pairing required\" until `npm run devices -- approve <requestId>`; then it chats too", async () => {
    secondContext = await browser.newContext();
    const page = await secondContext.newPage();
    const { requestId, rawError } = await timed("second device: token → pairing required", () => connectWithToken(page, origin(), gateway.token));
    expect(requestId).toBeDefined();
    // The gateway's own words, under the page's "Raw error" disclosure.
    expect(rawError).toContain("pairing required");
    await shot(page, "4-second-device-pairing-required.png");

    const pending = JSON.parse((await devices(["list", "--json"])).out) as { pending: Array<Record<string, unknown>> };
    expect(pending.pending).toEqual([expect.objectContaining({ requestId, clientId: "openclaw-control-ui", remoteIp: proxy.address })]);

    await timed("devices approve (document) → second device connected", async () => {
      const approve = await devices(["approve", requestId!]);
      expect(approve).toMatchObject({ code: 0, out: expect.stringContaining(`Approved request ${requestId}`) });
      // The page retries on its own; "Check now" retries at once.
      await waitUntilApproved(page);
    });
    // Both devices share the main session: the owner's answer is in this page's history first (so
    // sendChat below waits for a new answer, not that one; it once passed on it, before the mock had the second message).
    await page.getByRole("region", { name: "Chat" }).getByRole("log").getByText(REPLY).first().waitFor({ timeout: 30_000 });
    const text = `Hello from the second device ${Date.now()}`;
    await timed("second device chat → answer on the page", () => sendChat(page, text, REPLY));
    expect(requestsCarrying(mock.requests, text).map((r) => r.apiKey)).toContain(FAKE_ANTHROPIC_API_KEY);
    expect(notMessagesCalls(mock.requests, FAKE_ANTHROPIC_API_KEY)).toEqual([]);
    await shot(page, "5-second-device-chat-answer.png");
  });

  // Issue 17 step 6, natively: the VM proof replaces the instance; here the gateway is killed (as an
  // instance terminated under it) and a successor starts on the same data volume, port and token.
  test("after a replacement on the same data volume, the owner's browser reconnects without pairing again and its conversation is still there", async () => {
    const first = gateway;
    dataVolume = first.root;
    await timed("replacement: kill the gateway, start a successor on the same volume", async () => {
      await first.kill();
      gateway = await startGateway(settings, fixture, { root: first.root, port: first.port, token: first.token });
    });
    // A reload: nothing of the page's memory is left, only the browser profile (its device identity and
    // token); the conversation can only come from the successor's state. Its first request for the conversation is
    // held back on the way (the page's WebSocket, routed), as a gateway slower than the page's 60 s deadline answers
    // it (the VM's replacement under emulation: 65 s): the page offers "Retry", and Retry loads the conversation.
    let heldBack = 0;
    await owner.routeWebSocket(/^wss:/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        if (heldBack === 0 && /"method":"chat\.startup"/.test(String(message))) {
          heldBack++;
          return;
        }
        server.send(message);
      });
      server.onMessage((message) => ws.send(message));
    });
    const retries = await timed("owner reloads → connected, conversation loaded (first try held back: Retry)",
      () => reloadUntilConversation(owner, [ownerText, REPLY]));
    expect({ heldBack, retries }).toEqual({ heldBack: 1, retries: 1 });
    expect(owner.url()).toBe(`${origin()}/chat/main`);
    await expect(owner.getByRole("heading", { name: ASKS_FOR_APPROVAL }).count()).resolves.toBe(0);
    const list = JSON.parse((await devices(["list", "--json"])).out) as { pending: unknown[]; paired: Array<Record<string, unknown>> };
    expect(list.pending).toEqual([]);
    expect(list.paired).toHaveLength(2);
    await shot(owner, "6-owner-after-replacement.png");
  });
});
