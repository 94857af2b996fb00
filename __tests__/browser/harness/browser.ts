import { existsSync } from "node:fs";
import { Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core (never a browser playwright downloads), headless, off
 * the network: the deployment's domain resolves to the TLS proxy and every other name to nothing.
 *
 * The origin. `--host-resolver-rules="MAP <domain> <address>:<port>"` maps the name AND the port of
 * the socket (Chromium net/dns/mapped_host_resolver.h: "MAP test.com [::1]:77" forces test.com to
 * [::1] and the socket's port to 77; read 2026-12-01). The URL stays https://<domain>/ on the default
 * port, so the page's origin is exactly https://<domain> (no port: the gateway's allowed origin has
 * none), the Host header is <domain>, the TLS SNI is <domain>, while the socket goes to the proxy's
 * port. `MAP * ~NOTFOUND` after it (the first matching rule wins) makes every other name fail to
 * resolve, so nothing leaves the machine. playwright-core talks to Chromium over a pipe, not a port.
 *
 * Trust. Chromium on Linux trusts the roots in $HOME/.pki/nssdb: `home` is the test CA's browser
 * HOME (harness/ca.ts), so https://<domain> is a real secure context (crypto.subtle, the Control UI's
 * device identity) without --ignore-certificate-errors.
 */

/** Debian's Chromium (apt-get install chromium). */
export const CHROMIUM = "/usr/bin/chromium";

/** A sentence saying why the browser cannot start here, or undefined. */
export function browserProblem(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (Debian: apt-get install chromium)`;
}

/** The flags that point `domain` at `address:port` and every other name nowhere. */
export function resolverFlags(domain: string, address: string, port: number): string[] {
  const target = address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
  return [`--host-resolver-rules=MAP ${domain} ${target}, MAP * ~NOTFOUND`];
}

/** Flags that keep Chromium from reaching out on its own (on top of playwright's own defaults). */
export const OFFLINE_FLAGS: readonly string[] = [
  "--no-proxy-server",
  "--dns-prefetch-disable",
  "--no-pings",
  "--disable-domain-reliability",
  "--disable-client-side-phishing-detection",
];

/**
 * Launches one headless Chromium whose `domain` is the proxy at `address:port`, with `home` as HOME
 * (its NSS database trusts the test CA). Each `browser.newContext()` is a separate device (its own
 * storage, its own openclaw device identity).
 */
export async function launchBrowser(o: { domain: string; address: string; port: number; home: string }): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...resolverFlags(o.domain, o.address, o.port), ...OFFLINE_FLAGS],
    // Only what Chromium needs: HOME for the NSS database; no proxy variables from the test's environment.
    env: { HOME: o.home, PATH: "/usr/bin:/bin", LANG: "C.UTF-8" },
    timeout: 60_000,
  });
}
