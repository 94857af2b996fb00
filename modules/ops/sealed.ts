import { constants, generateKeyPair, KeyObject, privateDecrypt } from "node:crypto";
import { promisify } from "node:util";
import { OpsError } from "./run";

/**
 * One-time answers sealed to the operator who asked. Run Command keeps a command's output for
 * anyone with ssm:GetCommandInvocation / ListCommandInvocations (ReadOnlyAccess has both), so a
 * secret the host prints there is readable later by the whole account. Instead the CLI makes an
 * RSA key pair per request, sends the public key as a document parameter, the host encrypts the
 * secret to it with `openssl pkeyutl` (RSA-OAEP-SHA256) and prints only the ciphertext; the
 * private key is never exported and lives only as long as the request.
 *
 * RSA-OAEP alone (no hybrid scheme): `openssl enc` has no AEAD mode and an AES key for
 * `openssl enc -K` would sit on a command line (ps). The payload is one short link (openclaw
 * 2026.9.6: `http://127.0.0.1:18789/#bootstrapToken=<43>&bootstrapProfile=owner&gatewayUrl=…`,
 * ~150 bytes), well below SEALED_MAX_BYTES.
 * Options checked against openssl-pkeyutl(1) of OpenSSL 3.0 (rsa_padding_mode:oaep,
 * rsa_oaep_md:digest, -keyform DER; MGF1 defaults to the OAEP digest):
 * https://manpages.ubuntu.com/manpages/noble/man1/openssl-pkeyutl.1ssl.html (read 2026-11-30);
 * AL2023 and Debian 12/13 ship OpenSSL 3. The unit test seals with the real openssl and opens here.
 */

/** Modulus of the one-time key: 3072 bits, 128-bit security (NIST SP 800-57 part 1, table 2). */
export const SEALING_KEY_BITS = 3072;
/** RSA-OAEP's hash (and MGF1's): SHA-256, 32 bytes. */
const OAEP_HASH = "sha256";
/** The most an RSA-OAEP-SHA256 3072-bit key seals: k - 2·hLen - 2 (RFC 8017, 7.1.1) = 318 bytes. */
export const SEALED_MAX_BYTES = SEALING_KEY_BITS / 8 - 2 * 32 - 2;

/**
 * The public key parameter: base64 of a DER SubjectPublicKeyInfo. "MII" is its SEQUENCE header
 * with a two-byte length; 500–1000 more characters admit RSA keys of 3072 to about 5700 bits
 * and refuse 2048-bit ones. Only base64 characters: nothing in it can be shell syntax.
 */
export const PUBLIC_KEY_PATTERN = "^MII[A-Za-z0-9+/]{500,1000}={0,2}$";

/**
 * The host's command that encrypts its standard input to the DER public key in `keyFile` (a
 * shell word) and writes the ciphertext to `outFile`.
 */
export function sealCommand(keyFile: string, outFile: string): string {
  return `openssl pkeyutl -encrypt -pubin -keyform DER -inkey ${keyFile} `
    + `-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:${OAEP_HASH} -out ${outFile}`;
}

/** A one-time key pair: the public half for the document, the private half only inside `open`. */
export interface SealingKey {
  /** Base64 DER SubjectPublicKeyInfo (matches PUBLIC_KEY_PATTERN). */
  readonly publicKey: string;
  /** The plaintext of base64 ciphertext sealed to `publicKey`; an OpsError when it does not open. */
  open(sealed: string): string;
}

/** A new key pair; its private key stays in this process's memory (never exported). */
export async function newSealingKey(bits = SEALING_KEY_BITS): Promise<SealingKey> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: bits }) as { publicKey: KeyObject; privateKey: KeyObject };
  return {
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    open(sealed) {
      try {
        return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH }, Buffer.from(sealed, "base64")).toString("utf8");
      } catch {
        throw new OpsError("The host's answer does not open with this request's key (it was sealed to another key or damaged).");
      }
    },
  };
}
