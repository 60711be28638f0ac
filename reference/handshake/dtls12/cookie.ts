/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1): an HMAC over the client's address and
 * the parts of its ClientHello that a retransmission keeps, under a secret that rotates; a cookie
 * made under the previous secret is still accepted, so a rotation does not fail clients mid-way.
 * The server keeps no state per client until the cookie checks out.
 */
import { constantTimeEqual, hmac, sha256 } from '../../crypto/hash.ts';
import type { RandomSource } from '../../crypto/random.ts';
import type { ClientHello } from '../../wire/hello.ts';
import { encode } from '../../wire/writer.ts';
import { writeExtensions } from '../../wire/extensions.ts';

export const COOKIE_LENGTH = 32;

export interface CookieOptions {
  /** How long a secret lives before the next one replaces it (ms). Default 5 minutes. */
  readonly rotateEveryMs?: number;
  readonly random: RandomSource;
}

export class CookieJar {
  private current: Uint8Array;
  private previous: Uint8Array | undefined;
  private rotatedAt: number | undefined;
  private readonly rotateEveryMs: number;

  constructor(private readonly options: CookieOptions) {
    this.current = options.random(32);
    this.rotateEveryMs = options.rotateEveryMs ?? 5 * 60_000;
  }

  /** Replaces the secret when it has lived long enough; the old one still verifies. */
  private rotate(now: number): void {
    if (this.rotatedAt === undefined) {
      this.rotatedAt = now;
      return;
    }
    if (now - this.rotatedAt < this.rotateEveryMs) return;
    this.previous = this.current;
    this.current = this.options.random(32);
    this.rotatedAt = now;
  }

  /** The cookie for this client and ClientHello. */
  make(clientAddress: string, ch: ClientHello, now: number): Uint8Array {
    this.rotate(now);
    return mac(this.current, clientAddress, ch);
  }

  /** Whether `ch.cookie` is one we made for this client, under the current or previous secret. */
  check(clientAddress: string, ch: ClientHello, now: number): boolean {
    this.rotate(now);
    if (ch.cookie.length !== COOKIE_LENGTH) return false;
    if (constantTimeEqual(ch.cookie, mac(this.current, clientAddress, ch))) return true;
    return this.previous !== undefined && constantTimeEqual(ch.cookie, mac(this.previous, clientAddress, ch));
  }
}

/** The HMAC input: the address and the ClientHello without its cookie. */
function mac(secret: Uint8Array, clientAddress: string, ch: ClientHello): Uint8Array {
  const input = encode((w) => {
    w.opaque(1, new TextEncoder().encode(clientAddress));
    w.u16(ch.legacyVersion).bytes(ch.random).opaque(1, ch.sessionId);
    w.list(2, ch.cipherSuites, (x, c) => x.u16(c));
    w.list(1, ch.compressionMethods, (x, c) => x.u8(c));
    if (ch.extensions !== undefined) writeExtensions(w, ch.extensions);
  });
  return hmac(sha256, secret, input);
}
