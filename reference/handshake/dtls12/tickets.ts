/**
 * Session tickets (RFC 5077): the server seals the session state into a ticket the client keeps,
 * so it stores nothing per session. The construction follows RFC 5077 §4 with an AEAD in place of
 * AES-CBC + HMAC:
 *
 *   struct {
 *       opaque key_name[16];       which ticket key sealed it
 *       opaque nonce[12];          random
 *       opaque sealed_state<..>;   AES-256-GCM(key, nonce, session state, aad = key_name) || tag
 *   } ticket;
 *
 * The keys rotate: a new key every `rotateEveryMs`, the previous one still opens tickets until the
 * next rotation retires it. A ticket under a key we no longer have (or never had), one that does
 * not open, or one older than `lifetimeMs` is simply not resumed: the server falls back to a full
 * handshake (RFC 5077 §3.2).
 */
import { AES_256_GCM } from '../../crypto/aead.ts';
import { constantTimeEqual, wipe } from '../../crypto/hash.ts';
import type { RandomSource } from '../../crypto/random.ts';
import { DecodeError } from '../../wire/errors.ts';
import { decode } from '../../wire/reader.ts';
import { encode } from '../../wire/writer.ts';
import { type Session, readSessionState, writeSessionState } from './session.ts';

export const TICKET_KEY_NAME_LENGTH = 16;
const NONCE_LENGTH = 12;

export interface TicketKeysOptions {
  readonly random: RandomSource;
  /** How long a key seals new tickets before the next replaces it (ms). Default 1 hour. */
  readonly rotateEveryMs?: number;
  /**
   * How long after its session's full handshake a ticket resumes it (ms), sent as the lifetime
   * hint. Default `rotateEveryMs`: a key opens tickets for at least that long, so the lifetime, not
   * the rotation, is what ends a ticket.
   */
  readonly lifetimeMs?: number;
}

interface TicketKey {
  readonly name: Uint8Array;
  readonly key: Uint8Array;
}

/** What opening a ticket gives: the session, and whether it was sealed under the previous key. */
export interface OpenedTicket {
  readonly session: Session;
  readonly underPreviousKey: boolean;
}

/** The server's ticket keys: current and previous, rotating on a period (RFC 5077 §5.5, §5.8). */
export class TicketKeys {
  readonly rotateEveryMs: number;
  readonly lifetimeMs: number;
  private current: TicketKey;
  private previous: TicketKey | undefined;
  private rotatedAt: number | undefined;

  constructor(private readonly options: TicketKeysOptions) {
    this.rotateEveryMs = options.rotateEveryMs ?? 60 * 60_000;
    this.lifetimeMs = options.lifetimeMs ?? this.rotateEveryMs;
    if (!(this.rotateEveryMs > 0)) throw new RangeError(`TicketKeys: rotateEveryMs must be positive, got ${this.rotateEveryMs}`);
    if (!(this.lifetimeMs > 0)) throw new RangeError(`TicketKeys: lifetimeMs must be positive, got ${this.lifetimeMs}`);
    this.current = this.newKey();
  }

  /** The name of the key sealing new tickets (for tests and logs). */
  get currentKeyName(): Uint8Array {
    return this.current.name;
  }

  /** The lifetime hint of new tickets, in seconds (RFC 5077 §3.3). */
  get lifetimeHintSeconds(): number {
    return Math.min(0xffffffff, Math.max(1, Math.floor(this.lifetimeMs / 1000)));
  }

  /** Replaces the key now: the current one becomes the previous, the previous is wiped. */
  rotate(now: number): void {
    if (this.previous !== undefined) wipe(this.previous.key);
    this.previous = this.current;
    this.current = this.newKey();
    this.rotatedAt = now;
  }

  /** Seals a session into a ticket under the current key. */
  seal(session: Session, now: number): Uint8Array {
    this.rotateIfDue(now);
    const nonce = this.options.random(NONCE_LENGTH);
    const state = encode((w) => writeSessionState(w, session));
    const sealed = AES_256_GCM.seal(this.current.key, nonce, state, this.current.name);
    wipe(state);
    return encode((w) => w.bytes(this.current.name).bytes(nonce).bytes(sealed));
  }

  /** The session in a ticket, or undefined: unknown or retired key, altered ticket, expired session. */
  open(ticket: Uint8Array, now: number): OpenedTicket | undefined {
    this.rotateIfDue(now);
    if (ticket.length < TICKET_KEY_NAME_LENGTH + NONCE_LENGTH + AES_256_GCM.tagLength) return undefined;
    const name = ticket.subarray(0, TICKET_KEY_NAME_LENGTH);
    const underPreviousKey = this.previous !== undefined && constantTimeEqual(name, this.previous.name);
    const key = constantTimeEqual(name, this.current.name) ? this.current : underPreviousKey ? this.previous : undefined;
    if (key === undefined) return undefined;
    const nonce = ticket.subarray(TICKET_KEY_NAME_LENGTH, TICKET_KEY_NAME_LENGTH + NONCE_LENGTH);
    const state = AES_256_GCM.open(key.key, nonce, ticket.subarray(TICKET_KEY_NAME_LENGTH + NONCE_LENGTH), key.name);
    if (state === undefined) return undefined;
    let session: Session;
    try {
      session = decode(state, 'ticket.state', readSessionState);
    } catch (e) {
      if (e instanceof DecodeError) return undefined;
      throw e;
    } finally {
      wipe(state);
    }
    if (now - session.createdAt > this.lifetimeMs) return undefined;
    return { session, underPreviousKey };
  }

  private rotateIfDue(now: number): void {
    if (this.rotatedAt === undefined) {
      this.rotatedAt = now;
      return;
    }
    const elapsed = now - this.rotatedAt;
    // Two periods without a rotation: the previous key has outlived its period too.
    if (elapsed >= 2 * this.rotateEveryMs) this.rotate(now);
    if (elapsed >= this.rotateEveryMs) this.rotate(now);
  }

  private newKey(): TicketKey {
    return { name: this.options.random(TICKET_KEY_NAME_LENGTH), key: this.options.random(AES_256_GCM.keyLength) };
  }
}
