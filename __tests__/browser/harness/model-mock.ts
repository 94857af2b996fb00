import * as http from "node:http";
import * as net from "node:net";

/**
 * A local stand-in for Anthropic's Messages API, as openclaw 2026.9.6 calls it
 * (node_modules/@openclaw/ai/dist/transports.mjs `createAnthropicMessagesClient`): POST
 * `<baseUrl>/v1/messages` (or `<baseUrl>/messages` when the base URL ends in /v1) with the headers
 * x-api-key and anthropic-version: 2023-06-01 and a JSON body with `stream: true`; the answer is
 * read as server-sent events, each `data:` line one JSON event (message_start, content_block_start,
 * content_block_delta with a text_delta, content_block_stop, message_delta with the stop_reason,
 * message_stop: https://docs.anthropic.com/en/api/messages-streaming, read 2026-12-01). It answers
 * every such request with one fixed reply and records each request it gets.
 */

/** One request the mock received. */
export interface ModelRequest {
  /** HTTP method. */
  readonly method: string;
  /** Request path with the query (e.g. /v1/messages). */
  readonly path: string;
  /** The x-api-key header (the credential the deployment supplied), or undefined. */
  readonly apiKey: string | undefined;
  /** The authorization header (a bearer credential), or undefined. */
  readonly authorization: string | undefined;
  /** The anthropic-version header. */
  readonly anthropicVersion: string | undefined;
  /** The JSON body (undefined when it was not JSON). */
  readonly body: unknown;
}

/** A running mock. */
export interface ModelMock {
  /** The base URL to configure (models.providers.anthropic.baseUrl): http://<host>:<port>. */
  readonly baseUrl: string;
  /** The port it listens on. */
  readonly port: number;
  /** Every request so far, in order. */
  readonly requests: readonly ModelRequest[];
  /** Closes the server and its open connections. */
  stop(): Promise<void>;
}

/** The text of every user message in a Messages API request body (string or text-block content). */
export function userTexts(body: unknown): string[] {
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> } | undefined)?.messages ?? [];
  return messages.filter((m) => m.role === "user").flatMap((m) =>
    typeof m.content === "string" ? [m.content]
      : Array.isArray(m.content) ? m.content.flatMap((b: { type?: string; text?: string }) => (b.type === "text" && typeof b.text === "string" ? [b.text] : []))
        : []);
}

/** The Messages API requests that carried `text` in a user message (a person's own words). */
export function requestsCarrying(requests: readonly ModelRequest[], text: string): ModelRequest[] {
  return requests.filter((r) => r.method === "POST" && MESSAGES_PATH.test(r.path) && userTexts(r.body).some((t) => t.includes(text)));
}

/**
 * Every request that was not a Messages API call (POST /v1/messages) with exactly `apiKey` and no other credential,
 * one line each: [] when the gateway sent the provider's URL nothing else (its chat turns and its own utility-model
 * calls, e.g. the activity recap on claude-haiku-4-5, included).
 */
export function notMessagesCalls(requests: readonly ModelRequest[], apiKey: string): string[] {
  return requests
    .filter((r) => !(r.method === "POST" && r.path === "/v1/messages" && r.apiKey === apiKey && r.authorization === undefined))
    .map((r) => `${r.method} ${r.path} key=${r.apiKey === undefined ? "none" : r.apiKey === apiKey ? "the deployment's" : "another"}${r.authorization ? " +authorization" : ""}`);
}

/** The SSE frames of one streamed answer: `reply` in a few text deltas. */
export function replyEvents(reply: string, model: string): object[] {
  const words = reply.match(/\S+\s*/g) ?? [reply];
  const usage = { input_tokens: 12, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  return [
    { type: "message_start", message: { id: `msg_mock_${Date.now()}`, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage } },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ...words.map((text) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
    { type: "content_block_stop", index: 0 },
    { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: words.length } },
    { type: "message_stop" },
  ];
}

/**
 * The `openclaw` setting (openclaw.json overlay) that points the deployment's Anthropic provider at
 * the mock: only `models.providers.anthropic.apiKey` is locked (modules/openclaw/overlay.ts), so the
 * deployment's own settings may move the provider. `api` is needed with the base URL: with the base URL
 * alone, openclaw 2026.9.6 sent its utility-model calls (the activity recap on claude-haiku-4-5) to
 * <baseUrl>/chat/completions, OpenAI-style, without the key (seen 2026-12-01). `privateNetwork`: a base
 * URL on a link-local address (the VM's 169.254.0.0/16 user network) is not trusted implicitly
 * (openclaw dist/provider-transport-fetch `canImplicitlyTrustConfiguredBaseUrlOrigin`; loopback is) and
 * needs `request.allowPrivateNetwork` (docs/concepts/model-providers/custom-providers.md, read 2026-12-01).
 */
export function mockProviderOverlay(baseUrl: string, privateNetwork = false): { models: object } {
  return {
    models: {
      providers: {
        anthropic: { baseUrl, api: "anthropic-messages", ...(privateNetwork ? { request: { allowPrivateNetwork: true } } : {}) },
      },
    },
  };
}

const MESSAGES_PATH = /^\/(v1\/)?messages(\?.*)?$/;

/**
 * Starts the mock on `host` (default 127.0.0.1) and a free port. POST …/messages answers `reply`
 * (streamed when the body asks for `stream`, else one JSON message); anything else is 404 (recorded too).
 */
export async function startModelMock(reply: string, host = "127.0.0.1"): Promise<ModelMock> {
  const requests: ModelRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
      const header = (name: string) => { const v = req.headers[name]; return Array.isArray(v) ? v.join(",") : v; };
      requests.push({ method: req.method ?? "", path: req.url ?? "", apiKey: header("x-api-key"), authorization: header("authorization"), anthropicVersion: header("anthropic-version"), body });
      if (req.method !== "POST" || !MESSAGES_PATH.test(req.url ?? "")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "not found" } }));
        return;
      }
      const model = String((body as { model?: unknown } | undefined)?.model ?? "claude-mock");
      const events = replyEvents(reply, model);
      if ((body as { stream?: unknown } | undefined)?.stream !== true) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...(events[0] as { message: object }).message, content: [{ type: "text", text: reply }], stop_reason: "end_turn" }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const event of events) res.write(`event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`);
      res.end();
    });
  });
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  const port = await new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port)));
  return {
    baseUrl: `http://${host}:${port}`,
    port,
    requests,
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
