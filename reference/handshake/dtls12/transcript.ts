/**
 * The handshake transcript (RFC 6347 §4.2.6): every handshake message as if it had been sent
 * unfragmented — its 12-byte DTLS header with fragment_offset 0 and fragment_length = length —
 * in the order sent and received. The first ClientHello and the HelloVerifyRequest are left out
 * (§4.2.1), which `restart` does. The hash is chosen only once the suite is known, so the bytes
 * are kept and hashed on demand.
 */
import type { Hash } from '../../crypto/hash.ts';
import { HANDSHAKE_HEADER_LENGTH } from '../../wire/handshake-header.ts';

export class Transcript {
  private parts: Uint8Array[] = [];
  private length = 0;

  /** RFC 6347 §4.2.6 */
  add(msgType: number, messageSeq: number, body: Uint8Array): void {
    const m = new Uint8Array(HANDSHAKE_HEADER_LENGTH + body.length);
    const len = body.length;
    m[0] = msgType;
    m[1] = len >>> 16;
    m[2] = (len >>> 8) & 0xff;
    m[3] = len & 0xff;
    m[4] = messageSeq >>> 8;
    m[5] = messageSeq & 0xff;
    // fragment_offset (bytes 6..8) stays 0; fragment_length = length
    m[9] = m[1];
    m[10] = m[2];
    m[11] = m[3];
    m.set(body, HANDSHAKE_HEADER_LENGTH);
    this.parts.push(m);
    this.length += m.length;
  }

  /** RFC 6347 §4.2.1: the exchange restarts after a HelloVerifyRequest. */
  restart(): void {
    this.parts = [];
    this.length = 0;
  }

  /** All messages so far, concatenated. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** The hash of all messages so far. */
  hash(hash: Hash): Uint8Array {
    const state = hash.create();
    for (const p of this.parts) state.update(p);
    return state.digest();
  }
}
