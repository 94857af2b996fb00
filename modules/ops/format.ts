import { OpsError, PENDING_REQUEST_TTL_MINUTES } from "./run";
import type { SealingKey } from "./sealed";

/** Pure renderers of what the host's openclaw CLI printed (its `--json` output). */

/**
 * Characters a terminal acts on instead of showing: the C0 controls (ESC opens ANSI sequences:
 * `ESC [2J` clears the screen, `ESC ]52;…` writes the clipboard; CR overwrites the line), DEL, the
 * C1 controls (U+009B is a one-character CSI) and the Unicode bidirectional controls (U+061C,
 * U+200E–U+200F, U+202A–U+202E, U+2066–U+2069) that reorder what is shown (CVE-2021-42574).
 */
const TERMINAL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `value` with every terminal control character (newlines and tabs included) written as a
 * visible `\uXXXX` escape: device names and other strings a client chose can be printed. The
 * escape is JSON's, so JSON text stays valid JSON with the same value.
 */
export function terminalSafe(value: string): string {
  return value.replace(TERMINAL_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A block of text for the terminal: its line breaks kept, every other control character escaped (terminalSafe). */
export function terminalSafeText(text: string): string {
  return text.split("\n").map(terminalSafe).join("\n");
}

/** A JSON object the host printed. */
export type HostJson = Record<string, unknown>;
type Json = HostJson;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** A string or number the host printed (client-controlled), safe to print in a table cell or a sentence. */
const text = (v: unknown): string => terminalSafe(typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : "");

/** Parses the JSON a document printed; a clear error when the host printed something else. */
export function parseHostJson(stdout: string, what: string): Json {
  // The JSON object is the last thing openclaw prints; lines before it may be log lines.
  const starts = [0, ...[...stdout.matchAll(/\n(?=\{)/g)].map((m) => m.index! + 1)];
  for (const start of starts) {
    try {
      const value: unknown = JSON.parse(stdout.slice(start));
      if (isObject(value)) return value;
    } catch {
      // not JSON from here; try the next line that opens an object
    }
  }
  throw new OpsError(`The host did not print the expected JSON for ${what}. Output:\n${stdout.trim().slice(0, 2000)}`);
}

/** Fixed-width columns, headers first. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

const deviceName = (d: Json): string => text(d.operatorLabel) || text(d.displayName) || text(d.clientId) || text(d.deviceId);
const roleOf = (d: Json): string => (Array.isArray(d.roles) && d.roles.length ? d.roles.map(text).join(",") : text(d.role));

/** "4m 10s left" / "expired" for a pending request created at `ts` (ms). */
export function timeLeft(ts: unknown, nowMs: number): string {
  if (typeof ts !== "number") return "";
  const left = ts + PENDING_REQUEST_TTL_MINUTES * 60_000 - nowMs;
  if (left <= 0) return "expired";
  const seconds = Math.floor(left / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s left`;
}

/** `openclaw devices list --json` as two tables: pending requests (with time left) and paired devices. */
export function formatDeviceList(list: Json, nowMs: number): string {
  const pending = Array.isArray(list.pending) ? list.pending.filter(isObject) : [];
  const paired = Array.isArray(list.paired) ? list.paired.filter(isObject) : [];
  const parts: string[] = [];
  if (pending.length === 0) {
    parts.push("Pending requests: none. (A device that connects shows up here; requests expire after "
      + `${PENDING_REQUEST_TTL_MINUTES} minutes.)`);
  } else {
    parts.push(`Pending requests (${pending.length}); approve with: npm run devices -- approve <request id>`);
    parts.push(table(["REQUEST ID", "DEVICE", "PLATFORM", "ROLE", "FROM", "EXPIRES"],
      pending.map((r) => [text(r.requestId), deviceName(r), text(r.platform), roleOf(r), text(r.remoteIp), timeLeft(r.ts, nowMs)])));
  }
  parts.push("");
  if (paired.length === 0) parts.push("Paired devices: none.");
  else {
    parts.push(`Paired devices (${paired.length}):`);
    parts.push(table(["DEVICE ID", "NAME", "PLATFORM", "ROLE", "CONNECTED"],
      paired.map((d) => [text(d.deviceId), deviceName(d), text(d.platform), roleOf(d), d.connected === true ? "yes" : "no"])));
  }
  return parts.join("\n");
}

/** One line for an approve/reject result. */
export function formatDecision(result: Json, decision: "approved" | "rejected", requestId: string): string {
  const device = isObject(result.device) ? result.device : result;
  const name = deviceName(device);
  const verb = decision === "approved" ? "Approved" : "Rejected";
  return `${verb} request ${requestId}${name ? ` (device ${name})` : ""}.`
    + (decision === "approved" ? " The device's next connection succeeds." : "");
}

/**
 * `openclaw dashboard --json` issues a link to the gateway's loopback address; the operator's
 * browser reaches it through the public origin. Keeps the one-time fragment, replaces the origin
 * and the gatewayUrl inside the fragment (ws://127.0.0.1:… → wss://<domain>/…).
 */
export function publicDashboardLink(browserUrl: string, domainName: string): string {
  const url = new URL(browserUrl);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));
  const gatewayUrl = fragment.get("gatewayUrl");
  if (gatewayUrl) {
    const ws = new URL(gatewayUrl);
    fragment.set("gatewayUrl", `wss://${domainName}${ws.pathname === "/" ? "" : ws.pathname}`);
  }
  const hash = fragment.toString();
  return `https://${domainName}${url.pathname}${url.search}${hash ? `#${hash}` : ""}`;
}

/**
 * The operator-facing dashboard answer: the public one-time link and when it expires. The host
 * printed `{ok, browserBootstrapExpiresAtMs, sealedBrowserUrl}`: the link sealed to `key`.
 */
export function formatDashboard(result: Json, key: Pick<SealingKey, "open">, domainName: string, nowMs: number): string {
  if (result.ok !== true) {
    throw new OpsError(`The gateway could not issue a dashboard link: ${text(result.reason) || "no reason given"}`);
  }
  const sealed = text(result.sealedBrowserUrl);
  if (!sealed) throw new OpsError("The host's answer has no sealed link (is the dashboard document older than this CLI? Deploy the stack.)");
  const browserUrl = key.open(sealed);
  const expires = typeof result.browserBootstrapExpiresAtMs === "number"
    ? ` It expires in ${Math.max(0, Math.round((result.browserBootstrapExpiresAtMs - nowMs) / 60_000))} minutes`
      + ` (${new Date(result.browserBootstrapExpiresAtMs).toISOString()}).`
    : "";
  return [
    "One-time owner link (single use; opening it pairs that browser as an administrator device):",
    publicDashboardLink(browserUrl, domainName),
    `Treat it like a password until it is used.${expires}`,
  ].join("\n");
}
