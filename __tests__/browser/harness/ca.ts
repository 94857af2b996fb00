import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/**
 * A throwaway certificate authority for one test run: a CA, a leaf certificate for the
 * deployment's domain signed by it, and a browser HOME whose NSS database trusts the CA. Chromium
 * on Linux reads locally trusted roots from $HOME/.pki/nssdb (certutil -d sql:…), so the page is a
 * real secure context: no --ignore-certificate-errors, no interstitial.
 */

/** The files of a test CA (PEM), all under `dir`. */
export interface TestCa {
  /** The temporary directory holding everything below (removed by `remove`). */
  readonly dir: string;
  /** The CA certificate (trusted by `browserHome`'s NSS database). */
  readonly caCert: string;
  /** The leaf certificate for `domain` (serverAuth, SAN DNS:<domain>), signed by the CA. */
  readonly leafCert: string;
  /** The leaf's private key (unencrypted, 0600). */
  readonly leafKey: string;
  /** The domain the leaf is for. */
  readonly domain: string;
  /** A HOME for the browser: its .pki/nssdb trusts the CA for TLS servers ("C,,"). */
  readonly browserHome: string;
  /** Removes `dir`. */
  remove(): void;
}

/** Nickname of the CA in the NSS database. */
export const CA_NICKNAME = "openclaw-aws test CA";

/** Runs a CLI in `cwd`; its output is kept for the error. */
const run = (command: string, args: readonly string[], cwd: string): void => {
  execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
};

/**
 * Creates the CA (EC P-256, one day), the leaf for `domain` and the trusting NSS database.
 * Needs openssl and certutil (Debian: libnss3-tools).
 */
export function createTestCa(domain: string): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), "openclaw-browser-ca-"));
  const file = (name: string) => path.join(dir, name);
  try {
    run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
      "-subj", `/CN=${CA_NICKNAME}`, "-keyout", file("ca.key"), "-out", file("ca.pem"),
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
    run("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-subj", `/CN=${domain}`, "-keyout", file("leaf.key"), "-out", file("leaf.csr")], dir);
    // Chromium requires the SAN (the CN is ignored) and serverAuth.
    writeFileSync(file("leaf.ext"), [
      `subjectAltName=DNS:${domain}`,
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"));
    run("openssl", ["x509", "-req", "-in", file("leaf.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"),
      "-CAcreateserial", "-days", "1", "-extfile", file("leaf.ext"), "-out", file("leaf.pem")], dir);
    const browserHome = file("home");
    const nssdb = path.join(browserHome, ".pki/nssdb");
    mkdirSync(nssdb, { recursive: true, mode: 0o700 });
    run("certutil", ["-d", `sql:${nssdb}`, "-N", "--empty-password"], dir);
    run("certutil", ["-d", `sql:${nssdb}`, "-A", "-t", "C,,", "-n", CA_NICKNAME, "-i", file("ca.pem")], dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const e = error as Error & { stderr?: Buffer };
    throw new Error(`test CA: ${e.message}${e.stderr ? `\n${e.stderr.toString()}` : ""}`);
  }
  return {
    dir,
    caCert: file("ca.pem"),
    leafCert: file("leaf.pem"),
    leafKey: file("leaf.key"),
    domain,
    browserHome: file("home"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
