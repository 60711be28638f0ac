/**
 * Reading the files and PEM texts TlsCertificate and TlsFileDatabase load, with GIO's errors: a
 * missing file is G_IO_ERROR_NOT_FOUND, text that is not PEM or a certificate that does not parse
 * is G_TLS_ERROR_BAD_CERTIFICATE, a wrong password G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD.
 *
 * Private keys are taken in the PEM forms GIO reads: "PRIVATE KEY" (PKCS #8), "RSA PRIVATE KEY"
 * (PKCS #1), "EC PRIVATE KEY" (SEC 1), and "ENCRYPTED PRIVATE KEY" (PKCS #8 EncryptedPrivateKeyInfo,
 * RFC 5958 §3) given a password; node:crypto decrypts (PBES2 as `openssl pkcs8 -topk8 -v2` writes
 * it) and converts, and our PrivateKey reads the PKCS #8 that comes out.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CryptoError } from '../crypto/errors.ts';
import { type PemBlock, pemDecodeAll, pemEncode } from '../crypto/pem.ts';
import { PrivateKey } from '../crypto/private-key.ts';
import { GioError, IOErrorEnum, TlsErrorEnum, ioError, tlsError } from './errors.ts';

const KEY_LABELS: ReadonlySet<string> = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
export const ENCRYPTED_KEY_LABEL = 'ENCRYPTED PRIVATE KEY';

/** The certificates (DER, in file order) and the first private key block of a PEM text. */
export interface PemContents {
  readonly certificates: readonly Uint8Array[];
  readonly key: PemBlock | undefined;
}

/** A file's text, or the G_IO_ERROR its reading gives. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? e.code : undefined;
    const gioCode = code === 'ENOENT' ? IOErrorEnum.NOT_FOUND : code === 'EACCES' || code === 'EPERM' ? IOErrorEnum.PERMISSION_DENIED : IOErrorEnum.FAILED;
    const why = code === 'ENOENT' ? 'No such file or directory' : String(code ?? e);
    throw ioError(gioCode, `Failed to open file “${path}”: ${why}`, e);
  }
}

/** Splits a PEM text; malformed PEM is G_TLS_ERROR_BAD_CERTIFICATE. Other block labels are ignored. */
export function readPem(text: string): PemContents {
  let blocks: PemBlock[];
  try {
    blocks = pemDecodeAll(text);
  } catch (e) {
    throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, `Could not parse PEM data: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  return {
    certificates: blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der),
    key: blocks.find((b) => KEY_LABELS.has(b.label)),
  };
}

/**
 * The PrivateKey of a key block. An encrypted key needs `password`: without one it is
 * G_TLS_ERROR_BAD_CERTIFICATE (GIO: "Cannot decrypt PEM-encoded private key"); a password that
 * does not decrypt it is G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD.
 */
export function decodePrivateKey(block: PemBlock, password?: string | Uint8Array): PrivateKey {
  try {
    if (block.label === 'PRIVATE KEY') return PrivateKey.fromPkcs8(block.der);
    if (block.label === 'EC PRIVATE KEY') return PrivateKey.fromPem(pemEncode(block.label, block.der));
    if (block.label === ENCRYPTED_KEY_LABEL && password === undefined) {
      throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, 'Cannot decrypt PEM-encoded private key: it is encrypted and no password was given');
    }
    return PrivateKey.fromPkcs8(toPkcs8(block, password));
  } catch (e) {
    if (e instanceof GioError) throw e;
    const why = e instanceof CryptoError ? e.message : 'not a key node:crypto can read';
    throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, `Could not parse PEM private key: ${why}`, e);
  }
}

/** PKCS #1 or encrypted PKCS #8 to plain PKCS #8 DER, by node:crypto. */
function toPkcs8(block: PemBlock, password: string | Uint8Array | undefined): Uint8Array {
  const pem = pemEncode(block.label, block.der);
  let key;
  try {
    key = createPrivateKey(password === undefined ? { key: pem } : { key: pem, passphrase: Buffer.from(password) });
  } catch (e) {
    if (block.label === ENCRYPTED_KEY_LABEL) {
      // A wrong password and a damaged ciphertext look the same after decryption.
      throw tlsError(TlsErrorEnum.BAD_CERTIFICATE_PASSWORD, 'The password does not decrypt the private key', e);
    }
    throw e;
  }
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
}

/** Whether `path` names a PKCS #12 file by GIO's rule (the .p12 or .pfx suffix). */
export function isPkcs12Path(path: string): boolean {
  return path.endsWith('.p12') || path.endsWith('.pfx');
}

/** PKCS #12 is not implemented: GIO's error for a backend without it. */
export function pkcs12Unsupported(): GioError {
  return ioError(IOErrorEnum.NOT_SUPPORTED, 'PKCS #12 is not supported by dtlsprobe: convert the file to PEM (openssl pkcs12 -nodes)');
}
