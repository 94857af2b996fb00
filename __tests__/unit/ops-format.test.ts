import { formatDeviceList, parseHostJson, publicDashboardLink, terminalSafe, terminalSafeText, timeLeft } from "../../modules/ops/format";
import { describeAwsError, invocationOutcome, jsonRefusal, OpsError, pickInstance } from "../../modules/ops/run";
import { APPROVE_DEVICE, LIST_DEVICES } from "../../modules/ops/operations";

const target = { environment: "prod", region: "eu-west-1", autoScalingGroup: "openclaw-prod" };

describe("pure helpers of the operator CLI", () => {
  test("parseHostJson skips log lines before the JSON, refuses non-JSON", () => {
    expect(parseHostJson('openclaw: using local pairing state {fallback}\n{"pending":[],"paired":[]}\n', "list")).toEqual({ pending: [], paired: [] });
    expect(() => parseHostJson("Gateway not reachable", "list")).toThrow(/did not print the expected JSON for list/);
    expect(() => parseHostJson("[1,2]", "list")).toThrow(OpsError);
  });

  test("timeLeft counts down the 5-minute life of a pending request", () => {
    const ts = 1_000_000;
    expect(timeLeft(ts, ts)).toBe("5m 00s left");
    expect(timeLeft(ts, ts + 299_000)).toBe("0m 01s left");
    expect(timeLeft(ts, ts + 300_000)).toBe("expired");
    expect(timeLeft(undefined, ts)).toBe("");
  });

  test("the device list prefers the operator label, then display name, then client id", () => {
    const text = formatDeviceList({
      pending: [{ requestId: "r1", clientId: "cli-only", ts: 0 }],
      paired: [{ deviceId: "d1", operatorLabel: "Kitchen Mac", displayName: "mac", roles: ["operator", "node"] }],
    }, 0);
    expect(text).toContain("cli-only");
    expect(text).toMatch(/d1\s+Kitchen Mac\s+operator,node\s+no/);
  });

  test("publicDashboardLink moves the link and its gatewayUrl to the public origin", () => {
    const link = publicDashboardLink("http://127.0.0.1:18789/ui/?x=1#bootstrapToken=t%2B1&gatewayUrl=ws%3A%2F%2F127.0.0.1%3A18789%2Fws", "gw.example.org");
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}${url.search}`).toBe("https://gw.example.org/ui/?x=1");
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get("bootstrapToken")).toBe("t+1");
    expect(fragment.get("gatewayUrl")).toBe("wss://gw.example.org/ws");
    expect(publicDashboardLink("http://127.0.0.1:18789/", "gw.example.org")).toBe("https://gw.example.org/");
  });

  test("pickInstance prefers a healthy InService instance", () => {
    expect(pickInstance([
      { instanceId: "i-sick", lifecycleState: "InService", healthStatus: "Unhealthy" },
      { instanceId: "i-new", lifecycleState: "Pending", healthStatus: "Healthy" },
      { instanceId: "i-ok", lifecycleState: "InService", healthStatus: "Healthy" },
    ], target)).toBe("i-ok");
    expect(pickInstance([{ instanceId: "i-sick", lifecycleState: "InService", healthStatus: "Unhealthy" }], target)).toBe("i-sick");
  });

  test("invocationOutcome returns stdout only on Success", () => {
    const base = { statusDetails: "", responseCode: 0, stdout: "out", stderr: "" };
    const [list, approve] = [LIST_DEVICES, APPROVE_DEVICE];
    expect(invocationOutcome({ ...base, status: "Success" }, list, {})).toBe("out");
    expect(() => invocationOutcome({ ...base, status: "Cancelled" }, list, {})).toThrow("The command was cancelled.");
    expect(() => invocationOutcome({ ...base, status: "Failed", stderr: "openclaw-ops: invalid request id (…)", responseCode: 2 }, approve, {}))
      .toThrow("The host refused the request id: it must be a UUID from `npm run devices -- list`.");
    // The list operation declares no request id: the same output is a generic failure there.
    expect(() => invocationOutcome({ ...base, status: "Failed", stderr: "openclaw-ops: invalid request id (…)", responseCode: 2 }, list, {}))
      .toThrow(/^The command failed on the host \(exit 2\)/);
    expect(() => invocationOutcome({ ...base, status: "TimedOut", statusDetails: "ExecutionTimedOut" }, { ...list, document: { timeoutSeconds: 7 } }, {}))
      .toThrow("The command ran longer than 7s on the host");
  });

  test("jsonRefusal reads both failure shapes openclaw prints with --json", () => {
    expect(jsonRefusal('{"ok":false,"reason":"Gateway is not ready"}\n')).toBe("Gateway is not ready");
    expect(jsonRefusal('{"ok":false,"error":{"type":"cli_error","message":"device pairing approval denied"}}')).toBe("device pairing approval denied");
    expect(jsonRefusal('{"ok":true}')).toBeUndefined();
    expect(jsonRefusal("plain text")).toBeUndefined();
  });

  test("describeAwsError keeps unknown errors readable", () => {
    expect(describeAwsError(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }), "sending the command", target).message)
      .toBe("AWS error while sending the command: ThrottlingException: Rate exceeded");
  });
});

describe("terminalSafe: what a client chose to call itself reaches the terminal as text", () => {
  test.each([
    ["OSC 52 (writes the clipboard)", "\u001b]52;c;cm0gLXJmIH4=\u0007", "\\u001b]52;c;cm0gLXJmIH4=\\u0007"],
    ["clear screen", "\u001b[2J", "\\u001b[2J"],
    ["carriage return (overwrites the line)", "evil\rPhone", "evil\\u000dPhone"],
    ["newline and tab", "a\nb\tc", "a\\u000ab\\u0009c"],
    ["DEL and a C1 CSI", "x\u007f\u009b31m", "x\\u007f\\u009b31m"],
    ["bidi overrides and isolates", "\u202aa\u202bb\u202cc\u202dd\u202eexe.txt\u2066\u2067\u2068\u2069", "\\u202aa\\u202bb\\u202cc\\u202dd\\u202eexe.txt\\u2066\\u2067\\u2068\\u2069"],
    ["bidi marks", "\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"],
  ])("escapes %s", (_what, hostile, shown) => {
    expect(terminalSafe(hostile)).toBe(shown);
  });

  test("leaves printable text alone, Unicode included, and is idempotent", () => {
    const fine = "Küchen-Mac (iPhone 16) — ✓ 東京 émoji 🎉 \\u001b";
    expect(terminalSafe(fine)).toBe(fine);
    const once = terminalSafe("\u001b[2J\u202e");
    expect(terminalSafe(once)).toBe(once);
  });

  test("escaped JSON text is still JSON with the same value", () => {
    const value = { name: "\u202eevil\u009b", ok: true };
    expect(JSON.parse(terminalSafe(JSON.stringify(value)))).toEqual(value);
  });

  test("terminalSafeText keeps line breaks, nothing else", () => {
    expect(terminalSafeText("line 1\n\u001b[2Jline 2\r\n")).toBe("line 1\n\\u001b[2Jline 2\\u000d\n");
  });
});

describe("hidden prompt", () => {
  const { PassThrough } = require("node:stream") as typeof import("node:stream");
  const terminal = () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] }) as any;
    input.setRawMode = (on: boolean) => input.rawModes.push(on);
    const written: string[] = [];
    const output = { write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
    return { input, output, written };
  };

  test("reads one line with echo off, honours backspace, restores the terminal", async () => {
    const { promptHidden } = await import("../../modules/ops/context");
    const t = terminal();
    const answer = promptHidden("Key: ", t.input, t.output);
    t.input.write("sk-ant-abx\u007fc\r");
    await expect(answer).resolves.toBe("sk-ant-abc");
    expect(t.written.join("")).toBe("Key: \n");
    expect(t.input.rawModes).toEqual([true, false]);
  });

  test("Ctrl-C cancels", async () => {
    const { promptHidden } = await import("../../modules/ops/context");
    const t = terminal();
    const answer = promptHidden("Key: ", t.input, t.output);
    t.input.write("sk-\u0003");
    await expect(answer).rejects.toThrow("Cancelled.");
    expect(t.input.rawModes).toEqual([true, false]);
  });
});
