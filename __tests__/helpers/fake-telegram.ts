import * as http from "node:http";
import * as net from "node:net";

/**
 * A local stand-in for Telegram's Bot API (https://core.telegram.org/bots/api, read 2026-12-02), enough
 * for openclaw's Telegram channel in long-polling mode: openclaw (grammY) calls
 * `<apiRoot>/bot<token>/<method>` with a JSON or form body; every answer is `{ ok, result }`.
 *  - getMe: the bot's identity (a wrong token gets 401 Unauthorized, as Telegram answers);
 *  - getUpdates: long poll: the queued updates after `offset`, or an empty list after at most
 *    `timeout` seconds (capped at 2 s so the gateway's shutdown is not held up);
 *  - sendMessage, editMessageText, sendMessageDraft: recorded as what the bot said, with a message id;
 *  - anything else (deleteWebhook, setMyCommands, sendChatAction, setMessageReaction, …): `true`, recorded.
 * Every call is recorded with its method, body and whether the token was the expected one.
 */

/** One Bot API call as the fake received it. */
export interface TelegramCall {
  method: string;
  /** The JSON (or form) body as an object. */
  body: Record<string, unknown>;
  /** True when the URL carried the expected bot token. */
  tokenOk: boolean;
}

/** A user and the private chat with them (in a private chat, the chat id is the user id). */
export interface TelegramUser {
  id: number;
  firstName: string;
}

export interface FakeTelegram {
  /** The `apiRoot` to configure (channels.telegram.apiRoot): http://127.0.0.1:<port>. */
  readonly apiRoot: string;
  readonly calls: TelegramCall[];
  /** Queues a private message from `user`; the next getUpdates hands it out. Returns its update id. */
  sendUserMessage(user: TelegramUser, text: string): number;
  /** The text of every message the bot sent (sendMessage, editMessageText) to `chatId`. */
  textsTo(chatId: number): string[];
  /** Resolves once `predicate` holds for the recorded calls (checked on every call), or rejects after `timeoutMs`. */
  waitFor(predicate: (calls: TelegramCall[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/** The bot the fake plays. */
export const FAKE_BOT = { id: 7_000_000_001, username: "openclaw_aws_test_bot", firstName: "OpenClaw test bot" };

const SENT_TEXT_METHODS = new Set(["sendMessage", "editMessageText", "sendMessageDraft"]);

function parseBody(req: http.IncomingMessage, text: string): Record<string, unknown> {
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) {
    try { return JSON.parse(text) as Record<string, unknown>; } catch { return {}; }
  }
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  // grammY sends multipart only with files; the fields are recorded raw.
  return text ? { raw: text } : {};
}

/** Starts the fake on 127.0.0.1 and a free port; `token` is the only bot token it accepts. */
export async function startFakeTelegram(token: string): Promise<FakeTelegram> {
  const calls: TelegramCall[] = [];
  const updates: Array<{ update_id: number; message: object }> = [];
  let nextUpdateId = 100;
  let nextMessageId = 1000;
  let date = Math.floor(Date.now() / 1000);
  const pollers = new Set<() => void>();
  const watchers = new Set<() => void>();
  const notify = () => { for (const w of [...watchers]) w(); };

  const answer = (res: http.ServerResponse, status: number, payload: object) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(payload));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const match = /^\/bot([^/]+)\/([A-Za-z]+)/.exec(new URL(req.url ?? "/", "http://fake").pathname);
      if (!match) { answer(res, 404, { ok: false, error_code: 404, description: "Not Found" }); return; }
      const [, urlToken, method] = match;
      const query = Object.fromEntries(new URL(req.url ?? "/", "http://fake").searchParams);
      const body = { ...query, ...parseBody(req, Buffer.concat(chunks).toString("utf8")) };
      const tokenOk = urlToken === token;
      calls.push({ method, body, tokenOk });
      notify();
      if (!tokenOk) { answer(res, 401, { ok: false, error_code: 401, description: "Unauthorized" }); return; }
      if (method === "getMe") {
        answer(res, 200, { ok: true, result: {
          id: FAKE_BOT.id, is_bot: true, first_name: FAKE_BOT.firstName, username: FAKE_BOT.username,
          can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
        } });
        return;
      }
      if (method === "getUpdates") {
        const offset = Number(body.offset ?? 0);
        const pending = () => updates.filter((u) => u.update_id >= offset);
        const reply = () => { pollers.delete(reply); clearTimeout(timer); if (!res.writableEnded) answer(res, 200, { ok: true, result: pending() }); };
        if (pending().length > 0) { answer(res, 200, { ok: true, result: pending() }); return; }
        const timer = setTimeout(reply, Math.min(Number(body.timeout ?? 0), 2) * 1000);
        pollers.add(reply);
        res.on("close", () => { pollers.delete(reply); clearTimeout(timer); });
        return;
      }
      if (SENT_TEXT_METHODS.has(method)) {
        const chatId = Number(body.chat_id);
        answer(res, 200, { ok: true, result: {
          message_id: method === "editMessageText" ? Number(body.message_id) : nextMessageId++, date: date++,
          chat: { id: chatId, type: "private" }, from: { id: FAKE_BOT.id, is_bot: true, first_name: FAKE_BOT.firstName },
          text: String(body.text ?? ""),
        } });
        return;
      }
      answer(res, 200, { ok: true, result: true });
    });
  });
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    sendUserMessage(user, text) {
      const update_id = nextUpdateId++;
      updates.push({
        update_id,
        message: {
          message_id: nextMessageId++, date: date++, text,
          chat: { id: user.id, type: "private", first_name: user.firstName },
          from: { id: user.id, is_bot: false, first_name: user.firstName, language_code: "en" },
        },
      });
      for (const poll of [...pollers]) poll();
      return update_id;
    },
    textsTo: (chatId) => calls.filter((c) => c.tokenOk && SENT_TEXT_METHODS.has(c.method) && Number(c.body.chat_id) === chatId)
      .map((c) => String(c.body.text ?? "")),
    waitFor: (predicate, timeoutMs, what) => new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(calls)) return;
        watchers.delete(check); clearTimeout(timer); resolve();
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`fake Telegram: ${what} did not happen within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(", ") || "none"}`));
      }, timeoutMs);
      watchers.add(check);
      check();
    }),
    stop: () => new Promise((resolve) => {
      for (const poll of [...pollers]) poll();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
