/**
 * The one error type of the asymmetric crypto wrappers (ECDHE, signatures, keys, X.509).
 *
 * Its `code` says which check failed so that the handshake can choose an alert without parsing
 * messages; its message names the check and the RFC section. A message never contains private key
 * bytes, nor text copied from a library error (which might): `errors.test.ts` checks every path.
 */

export type CryptoErrorCode =
  /** A peer's public value or a public key fails a check (encoding, length, on the curve, ...). */
  | 'invalid-public-key'
  /** A private key has the wrong length or is out of range. */
  | 'invalid-private-key'
  /** X25519 produced the all-zero shared secret (RFC 7748 §6.1, RFC 8446 §7.4.2). */
  | 'zero-shared-secret'
  /** A DER or PEM structure (key, signature, certificate) is malformed or not canonical DER. */
  | 'invalid-encoding'
  /** A NamedGroup, SignatureScheme, key type or certificate algorithm we do not implement. */
  | 'unsupported-algorithm'
  /** The key cannot be used with the requested signature scheme (RFC 8446 §4.2.3). */
  | 'key-scheme-mismatch'
  /** An argument has the wrong type or shape (a programming error, not a peer's). */
  | 'invalid-argument';

export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.name = 'CryptoError';
    this.code = code;
  }
}

/** Throws `CryptoError('invalid-argument')` unless `value` is a Uint8Array. Never prints the value. */
export function requireBytes(where: string, parameter: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    const got = value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    throw new CryptoError('invalid-argument', `${where}: ${parameter} must be a Uint8Array, got ${got}`);
  }
}
