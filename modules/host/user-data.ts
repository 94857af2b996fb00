import { gzipSync } from "node:zlib";
import { Token } from "cdktf";
import { GatewaySettings } from "../settings/settings";
import { renderBootPrograms } from "./";

/** AWS's limit on user data, counted before base64 encoding. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** The boot as the stack ships it: the user data's loader, and the host script it fetches and sources. */
export interface RenderedUserData {
  /** The loader as cloud-init runs it (without its full-line comments). */
  script: string;
  /** What the launch template carries: gzip of the script, base64-encoded (cloud-init unzips it). */
  base64: string;
  /** Size of the script in bytes. */
  scriptBytes: number;
  /** Size of the gzip payload in bytes, the number AWS's 16 KB limit applies to. */
  gzipBytes: number;
  /** The host script (comments kept): the artifacts bucket's object, no secret in it. */
  hostScript: string;
  /** sha256 (hex) of hostScript, pinned in the loader. */
  hostScriptSha256: string;
}

/** Throws when any setting is an unresolved Terraform token: user data must be plain bytes at synth time. */
export function assertNoTokens(value: unknown, path = "settings"): void {
  if (typeof value === "string" && Token.isUnresolved(value)) {
    throw new Error(`${path}: is an unresolved Terraform token; the boot script is rendered from plain values only`);
  }
  if (typeof value === "number" && Token.isUnresolved(value)) {
    throw new Error(`${path}: is an unresolved Terraform token; the boot script is rendered from plain values only`);
  }
  if (Array.isArray(value)) value.forEach((v, i) => assertNoTokens(v, `${path}[${i}]`));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) assertNoTokens(v, `${path}.${k}`);
  }
}

/**
 * A script without its full-line comments, which explain the bash to a reader of modules/host
 * and cost user-data bytes (the loader's; the host script keeps its comments). The shebang stays, and
 * so does every here-document body verbatim (the files the script writes, comments included): a
 * line that opens one (`<<'DELIM'`, `<<DELIM`; a `<<<` here-string does not) starts a body that
 * ends at the line that is exactly DELIM. Throws on a body that never ends.
 */
export function stripComments(script: string): string {
  const kept: string[] = [];
  let delimiter: string | undefined;
  script.split("\n").forEach((line, index) => {
    if (delimiter !== undefined) {
      kept.push(line);
      if (line === delimiter) delimiter = undefined;
      return;
    }
    if (index > 0 && /^\s*#/.test(line)) return;
    kept.push(line);
    delimiter = /(?<!<)<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(line)?.[2];
  });
  if (delimiter !== undefined) throw new Error(`here-document ${delimiter} never ends`);
  return kept.join("\n");
}

/** Renders the loader and its launch-template encoding, and the host script; fails when the user data exceeds AWS's limit. */
export function renderUserData(settings: GatewaySettings): RenderedUserData {
  assertNoTokens(settings);
  const programs = renderBootPrograms(settings);
  const script = stripComments(programs.loader);
  // level 9 and no file name/mtime in the header: the same settings give the same bytes.
  const gzipped = gzipSync(Buffer.from(script, "utf8"), { level: 9 });
  if (gzipped.length > USER_DATA_LIMIT_BYTES) {
    throw new Error(`user data is ${gzipped.length} bytes gzipped, over AWS's ${USER_DATA_LIMIT_BYTES}-byte limit`);
  }
  return {
    script,
    base64: gzipped.toString("base64"),
    scriptBytes: Buffer.byteLength(script, "utf8"),
    gzipBytes: gzipped.length,
    hostScript: programs.hostScript,
    hostScriptSha256: programs.hostScriptSha256,
  };
}
