import { openclawConfig } from "../../modules/host/layout";
import { resolverFlags } from "../browser/harness/browser";
import { mockProviderOverlay, ModelRequest, notMessagesCalls, replyEvents, requestsCarrying, userTexts } from "../browser/harness/model-mock";
import { caddyConfig } from "../browser/harness/tls-proxy";
import { testSettings } from "../helpers/settings";

/**
 * The pure parts of the browser proof's harness (__tests__/browser/harness/), checked without a
 * browser: what the VM scenario will reuse must hold on its own.
 */
describe("browser harness", () => {
  test("the mock's provider overlay passes the project's overlay rules and schema, and keeps the deployment's API key reference", () => {
    for (const [url, privateNetwork] of [["http://127.0.0.1:4010", false], ["http://169.254.0.10:8084", true]] as const) {
      const settings = testSettings({ openclaw: mockProviderOverlay(url, privateNetwork) });
      const provider = (openclawConfig(settings) as { models: { providers: { anthropic: Record<string, unknown> } } }).models.providers.anthropic;
      expect(provider).toEqual({
        apiKey: { source: "file", provider: "gateway-credentials", id: "/anthropic-api-key" },
        baseUrl: url,
        api: "anthropic-messages",
        ...(privateNetwork ? { request: { allowPrivateNetwork: true } } : {}),
      });
    }
  });

  test("Chromium maps only the domain, port included, and nothing else resolves", () => {
    expect(resolverFlags("gateway.clawops.dev", "192.0.2.2", 4443)).toEqual(["--host-resolver-rules=MAP gateway.clawops.dev 192.0.2.2:4443, MAP * ~NOTFOUND"]);
    expect(resolverFlags("gateway.clawops.dev", "fd00::2", 4443)).toEqual(["--host-resolver-rules=MAP gateway.clawops.dev [fd00::2]:4443, MAP * ~NOTFOUND"]);
  });

  test("the mock streams the reply as Anthropic's event sequence; userTexts reads both content forms", () => {
    const events = replyEvents("Hello there, person.", "claude-opus-5") as Array<{ type: string; delta?: { text?: string } }>;
    expect(events.map((e) => e.type)).toEqual([
      "message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
      "content_block_stop", "message_delta", "message_stop",
    ]);
    expect(events.filter((e) => e.type === "content_block_delta").map((e) => e.delta?.text).join("")).toBe("Hello there, person.");
    expect(userTexts({ messages: [
      { role: "user", content: "plain" },
      { role: "assistant", content: "not mine" },
      { role: "user", content: [{ type: "text", text: "block" }, { type: "image" }] },
    ] })).toEqual(["plain", "block"]);
    expect(userTexts(undefined)).toEqual([]);
  });

  test("the checks on what the mock got: a person's words are found in Messages calls only; any other call or credential is named", () => {
    const call = (r: Partial<ModelRequest>): ModelRequest => ({
      method: "POST", path: "/v1/messages", apiKey: "k", authorization: undefined, anthropicVersion: "2023-06-01",
      body: { messages: [{ role: "user", content: "hello there" }] }, ...r,
    });
    const good = call({});
    expect(requestsCarrying([good, call({ path: "/v1/chat/completions" }), call({ body: { messages: [{ role: "assistant", content: "hello" }] } })], "hello"))
      .toEqual([good]);
    expect(notMessagesCalls([good], "k")).toEqual([]);
    expect(notMessagesCalls([good, call({ path: "/chat/completions", apiKey: undefined }), call({ apiKey: "other" }), call({ authorization: "Bearer x" })], "k"))
      .toEqual(["POST /chat/completions key=none", "POST /v1/messages key=another", "POST /v1/messages key=the deployment's +authorization"]);
  });

  test("caddy terminates TLS for the domain only and sets Traefik's forwarded headers on the way to the upstream", () => {
    const config = caddyConfig({ domain: "gateway.clawops.dev", cert: "/c.pem", key: "/k.pem", listen: "192.0.2.2:4443", upstream: { host: "127.0.0.1", port: 18789 }, storage: "/s" }) as {
      apps: { http: { servers: { gateway: { listen: string[]; tls_connection_policies: object[]; routes: Array<{ match: object[]; handle: object[] }> } } } };
    };
    const server = config.apps.http.servers.gateway;
    expect(server.listen).toEqual(["192.0.2.2:4443"]);
    expect(server.tls_connection_policies).toEqual([expect.objectContaining({ match: { sni: ["gateway.clawops.dev"] } })]);
    expect(server.routes).toEqual([expect.objectContaining({
      match: [{ host: ["gateway.clawops.dev"] }],
      handle: [expect.objectContaining({
        handler: "reverse_proxy",
        upstreams: [{ dial: "127.0.0.1:18789" }],
        headers: { request: { set: { "X-Forwarded-Port": ["443"], "X-Forwarded-Server": ["openclaw-aws-test-proxy"], "X-Real-Ip": ["{http.request.remote.host}"] } } },
      })],
    })]);
  });
});
