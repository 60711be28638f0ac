/**
 * Bugs of the peers we fuzz that are already reported (reports/external-fuzz/README.md): a bounded
 * campaign in CI must find nothing else. Each predicate reads the mutated datagram the way the peer
 * does, so a new bug that only looks alike in its description is not taken for a known one.
 */
import type { Finding } from './campaign.ts';
import { fromHex } from './rng.ts';

/** Where a DTLS 1.2 ClientHello body starts in a datagram: record header 13, handshake header 12. */
const BODY = 13 + 12;

/** A datagram whose first record is a handshake record carrying a client_hello. */
function startsWithClientHello(d: Uint8Array): boolean {
  return d.length > 13 && d[0] === 22 && d[13] === 1;
}

/**
 * gnutls-serv 3.7.9 (finding 3): once it has served a connection, its UDP loop spins without end on
 * a datagram whose first record is not a handshake record carrying a client_hello, while it waits
 * for a client, and it answers no client after that.
 */
export function knownGnutlsServSpin(f: Finding): boolean {
  if (f.kind !== 'hang' || f.mutation === undefined || !f.evidence.includes('held no connection of ours')) return false;
  return !startsWithClientHello(fromHex(f.mutation.mutatedHex));
}

/** openssl s_server 3.0.19 (finding 1): no client is answered after a ClientHello with record sequence_number 2^48-1. */
export function knownOpensslMaxSequence(f: Finding): boolean {
  if (f.kind !== 'hang' || f.mutation === undefined) return false;
  const d = fromHex(f.mutation.mutatedHex);
  return startsWithClientHello(d) && d.length >= 11 && d.subarray(5, 11).every((b) => b === 0xff);
}

/**
 * openssl s_server 3.0.19 (finding 2): no client is answered after a ClientHello numbered 1 or more
 * that carries no cookie as s_server reads it: version(2) random(32) session_id<0..32> cookie<0..255>.
 */
export function knownOpensslCookielessHello(f: Finding): boolean {
  if (f.kind !== 'hang' || f.mutation === undefined) return false;
  const d = fromHex(f.mutation.mutatedHex);
  const sessionIdAt = BODY + 2 + 32;
  if (!startsWithClientHello(d) || d.length <= sessionIdAt) return false;
  const messageSeq = (d[17] << 8) | d[18];
  const cookieAt = sessionIdAt + 1 + d[sessionIdAt];
  return messageSeq >= 1 && cookieAt < d.length && d[cookieAt] === 0;
}

/** A finding that is one of the reported peer bugs above. */
export function isKnownPeerBug(impl: 'openssl' | 'gnutls', f: Finding): boolean {
  return impl === 'openssl' ? knownOpensslMaxSequence(f) || knownOpensslCookielessHello(f) : knownGnutlsServSpin(f);
}
