/**
 * Pre-shared keys (RFC 4279 §2, RFC 5489 §2): the premaster secret they make, the client's choice
 * of identity and the server's lookup, each failure with its alert.
 *
 * Every PSK key exchange builds its premaster secret the same way (RFC 4279 §2, Note 1):
 *
 *   struct {
 *       opaque other_secret<0..2^16-1>;   N zero bytes (psk), the ECDH shared secret Z (ecdhe_psk)
 *       opaque psk<0..2^16-1>;
 *   };
 */
import { DtlsError } from '../../errors.ts';
import { AlertDescription } from '../../wire/enums.ts';
import { encode } from '../../wire/writer.ts';
import { type PskCredentials, checkPskBytes, checkPskCredentials } from './config.ts';
import type { HandshakeContext } from './context.ts';

/** RFC 4279 §2 Note 1: other_secret and psk, each behind a 2-byte length. Wipes `otherSecret`. */
export function pskPremasterSecret(otherSecret: Uint8Array, psk: Uint8Array): Uint8Array {
  const pre = encode((w) => w.opaque(2, otherSecret).opaque(2, psk));
  otherSecret.fill(0);
  return pre;
}

/** RFC 4279 §2: plain PSK's other_secret is as many zero bytes as the PSK is long. */
export function plainPskPremasterSecret(psk: Uint8Array): Uint8Array {
  return pskPremasterSecret(new Uint8Array(psk.length), psk);
}

/**
 * Client: the identity and key for this server, from the configured PSK or its selector. An
 * empty hint counts as none. No PSK for the server is handshake_failure: we cannot go on.
 */
export function choosePsk(ctx: HandshakeContext, hint: Uint8Array | undefined): PskCredentials {
  const select = ctx.config.psk;
  if (select === undefined) throw DtlsError.internal('configuration: psk is required for PSK suites');
  const given = hint !== undefined && hint.length > 0 ? hint : undefined;
  const chosen = select(given);
  if (chosen === undefined) {
    throw DtlsError.incompatible(AlertDescription.handshake_failure, 'no PSK for this server (the psk selector returned none)');
  }
  const checked = checkPskCredentials('psk (the selector\'s answer)', chosen);
  ctx.pskIdentity = checked.identity;
  return checked;
}

/**
 * Server: the key for the client's psk_identity. RFC 4279 §2 lets a server that does not know the
 * identity send unknown_psk_identity, or decrypt_error to hide that; we send unknown_psk_identity.
 */
export function lookUpPsk(ctx: HandshakeContext, identity: Uint8Array): Uint8Array {
  const lookup = ctx.config.pskLookup;
  if (lookup === undefined) throw DtlsError.internal('configuration: pskLookup is required for PSK suites');
  const key = lookup(identity);
  if (key === undefined) {
    throw DtlsError.incompatible(AlertDescription.unknown_psk_identity, `unknown PSK identity ${describeIdentity(identity)} (RFC 4279 §2)`);
  }
  checkPskBytes('pskLookup (its answer)', key, 1);
  ctx.pskIdentity = identity;
  return key;
}

/** An identity for messages: as text when it is printable UTF-8 (RFC 4279 §5.1), else hex. */
function describeIdentity(identity: Uint8Array): string {
  if (identity.length > 64) return `of ${identity.length} bytes`;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(identity);
  if (/^[\x20-\x7e]*$/.test(text)) return JSON.stringify(text);
  return `0x${Array.from(identity, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
