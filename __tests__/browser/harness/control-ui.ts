import type { Page } from "playwright-core";

/**
 * What a person does in openclaw's Control UI (2026.9.6), by role and visible text as the page
 * exposes them (its accessibility tree, read from the real page on 2026-12-01). Shared by the
 * native browser test and the VM scenario: only the origin and the way in differ.
 *
 * Every wait takes a `patience` factor (default 1: the native gateway on this machine): the VM proof
 * passes its guest's measured slowdown (TCG emulation), so the same steps wait as long as that gateway needs.
 */

/** The login page's heading when the browser has no gateway secret yet. */
export const ASKS_FOR_SECRET = "This Gateway expects its token";
/** The heading of a browser that passed gateway auth but is not paired. */
export const ASKS_FOR_APPROVAL = "Approve this browser";
/**
 * The Chat region's alert when the conversation did not load within the page's deadline (60 s for its `chat.startup`
 * request, openclaw 2026.9.6's Control UI): "Chat history request timed out. Retry to load the conversation." with a
 * "Retry" button (read from the real page with that request held back, 2026-12-03).
 */
export const HISTORY_TIMED_OUT = "Chat history request timed out";
/** The request id in the approval command the page shows (crypto.randomUUID). */
const APPROVE_COMMAND = /openclaw devices approve ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;

/** What the page reports about where it runs. */
export interface PageOrigin {
  /** location.origin: must be exactly https://<domain>. */
  origin: string;
  /** isSecureContext: the certificate is trusted (the Control UI's device identity needs it). */
  secure: boolean;
  /** The HTTP status of the document. */
  status: number | undefined;
}

/** Opens `origin`/ and waits until the page asks for the gateway's secret. */
export async function openControlUi(page: Page, origin: string, patience = 1): Promise<PageOrigin> {
  const response = await page.goto(`${origin}/`);
  await page.getByRole("heading", { name: ASKS_FOR_SECRET }).waitFor({ timeout: 30_000 * patience });
  const [pageOrigin, secure] = await page.evaluate("[location.origin, isSecureContext]") as [string, boolean];
  return { origin: pageOrigin, secure, status: response?.status() };
}

/** Opens the one-time owner link and waits until the page is connected as the owner. */
export async function openOwnerLink(page: Page, link: string, patience = 1): Promise<void> {
  await page.goto(link);
  await page.getByRole("button", { name: "Identity and app menu for Owner" }).waitFor({ timeout: 60_000 * patience });
  await page.getByRole("status").filter({ hasText: "Connected" }).first().waitFor({ timeout: 30_000 * patience });
}

/** Types `text` into the chat composer, sends it, and waits for `reply` to appear after it. */
export async function sendChat(page: Page, text: string, reply: string, patience = 1): Promise<void> {
  const composer = page.getByRole("textbox", { name: "Chat composer" });
  const log = page.getByRole("region", { name: "Chat" }).getByRole("log");
  // The conversation may already hold the reply (devices share the main session): wait for one more.
  const before = await log.getByText(reply).count();
  await composer.fill(text);
  await composer.press("Enter");
  await log.getByText(text).waitFor({ timeout: 30_000 * patience });
  await log.getByText(reply).nth(before).waitFor({ timeout: 90_000 * patience });
}

/** What an unpaired browser sees after entering the gateway token. */
export interface PairingRequest {
  /** The request id of the approval command the page shows. */
  requestId: string | undefined;
  /** The gateway's own words under "Raw error" (e.g. "… pairing required"). */
  rawError: string;
}

/** Opens `origin`/, enters the gateway token, connects, and waits for the approval page. */
export async function connectWithToken(page: Page, origin: string, token: string, patience = 1): Promise<PairingRequest> {
  await page.goto(`${origin}/`);
  await page.getByRole("textbox", { name: "Gateway secret" }).fill(token);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByRole("heading", { name: ASKS_FOR_APPROVAL }).waitFor({ timeout: 30_000 * patience });
  const command = await page.getByRole("button", { name: /^Copy command: openclaw devices approve / }).getAttribute("aria-label");
  const rawError = await page.getByRole("group").filter({ hasText: "Raw error" }).textContent();
  return { requestId: APPROVE_COMMAND.exec(command ?? "")?.[1], rawError: rawError ?? "" };
}

/** After the request is approved: retries at once ("Check now") and waits for the chat. */
export async function waitUntilApproved(page: Page, patience = 1): Promise<void> {
  await page.getByRole("button", { name: "Check now" }).click().catch(() => undefined);
  await page.getByRole("textbox", { name: "Chat composer" }).waitFor({ timeout: 60_000 * patience });
}

/**
 * Reloads `page` (only its browser profile is left: the device identity and token) and waits until it is connected
 * and its conversation shows each of `texts`. A gateway that answers later than the page's deadline (a cold start
 * under emulation: the VM proof's replacement answered `chat.startup` after 65 s) leaves the page with
 * HISTORY_TIMED_OUT and a "Retry" button: this clicks it, as a person would, at most `retries` times, and returns how
 * many times it did.
 */
export async function reloadUntilConversation(page: Page, texts: readonly string[], patience = 1, retries = 3): Promise<number> {
  await page.reload();
  await page.getByRole("status").filter({ hasText: "Connected" }).first().waitFor({ timeout: 90_000 * patience });
  const chat = page.getByRole("region", { name: "Chat" });
  const timedOut = chat.getByRole("alert").filter({ hasText: HISTORY_TIMED_OUT });
  const first = chat.getByRole("log").getByText(texts[0]).first();
  let clicked = 0;
  for (;;) {
    // Whichever comes first: the conversation, or the page giving up on it (its own 60 s, then the gateway's pace).
    await first.or(timedOut).first().waitFor({ timeout: 120_000 * patience });
    if (!(await timedOut.isVisible())) break;
    if (clicked === retries) throw new Error(`the conversation did not load after ${retries} Retries ("${HISTORY_TIMED_OUT}")`);
    await timedOut.getByRole("button", { name: "Retry" }).click();
    clicked++;
    await timedOut.waitFor({ state: "hidden", timeout: 30_000 * patience });
  }
  for (const text of texts) await chat.getByRole("log").getByText(text).first().waitFor({ timeout: 30_000 * patience });
  return clicked;
}
