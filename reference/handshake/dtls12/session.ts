/**
 * Sessions (RFC 5246 §7.3, §7.4.1.2): what a full handshake leaves behind so that a later
 * connection can skip the key exchange and derive fresh keys from the same master secret.
 *
 * - A `Session` is plain data. The client gets one from `endpoint.session()` after a handshake
 *   and hands it to the next connection as `resumeSession`.
 * - A `SessionCache` is the server's store of sessions by session ID: bounded in size and in
 *   lifetime, owned by the application and shared by every connection of a listening socket
 *   (like the CookieJar).
 * - `ResumptionState` is what one handshake knows about resumption, kept on the context.
 *
 * The session state also travels inside tickets (RFC 5077, `tickets.ts`), written with the wire
 * codec: `writeSessionState` / `readSessionState`.
 */
import type { Reader } from '../../wire/reader.ts';
import type { Writer } from '../../wire/writer.ts';

/** What resuming a session needs, and what the resumed connection reports about its peer. */
export interface Session {
  /** The server's session ID (1..32 bytes), or empty when only the ticket can resume it. */
  readonly sessionId: Uint8Array;
  /** Client: the RFC 5077 ticket the server issued, if any. */
  readonly ticket: Uint8Array | undefined;
  /** Client: the ticket's lifetime hint in seconds (0: unspecified). */
  readonly ticketLifetimeHint: number | undefined;
  readonly cipherSuite: number;
  /** RFC 7627: whether the master secret is an extended one; a resumption must agree (§5.3). */
  readonly extendedMasterSecret: boolean;
  readonly masterSecret: Uint8Array;
  /** When the full handshake that made the session completed (ms, the engine's clock). */
  readonly createdAt: number;
  /** The peer's certificate chain as the full handshake saw it (empty for PSK suites). */
  readonly peerChain: readonly Uint8Array[];
  readonly peerVerified: boolean;
  /** PSK suites: the identity the full handshake used. */
  readonly pskIdentity: Uint8Array | undefined;
  /** The server_name of the full handshake (RFC 6066 §3: a session belongs to one name). */
  readonly serverName: string | undefined;
}

/** How a handshake resumed, for `negotiated.resumed`. */
export type ResumedBy = 'session-id' | 'ticket';

/** What one handshake knows about resumption (one per HandshakeContext). */
export class ResumptionState {
  /** Client: the session offered in the ClientHello, if any. */
  offered: Session | undefined;
  /** Client: the session ID put in the ClientHello (the session's, or a fresh one beside a ticket). */
  offeredSessionId: Uint8Array = new Uint8Array(0);
  /** Set once the server resumed a session, and how. */
  resumed: ResumedBy | undefined;
  /** The session ID in the ServerHello. */
  sessionId: Uint8Array = new Uint8Array(0);
  /** The ServerHello carried session_ticket: a NewSessionTicket precedes the server's ChangeCipherSpec (RFC 5077 §3.3). */
  ticketPromised = false;
  /** Server: the ticket key that opened the client's ticket was the previous one (renew it). */
  renewTicket = false;
  /** Client: the ticket from the NewSessionTicket, with its lifetime hint. */
  ticket: Uint8Array | undefined;
  ticketLifetimeHint: number | undefined;
  /** When the session (of this handshake, or the one resumed) was created (ms). */
  createdAt = 0;
  /** The session this connection established (full or resumed), once complete. */
  session: Session | undefined;
}

export interface SessionCacheOptions {
  /** Sessions kept at most; the oldest goes first. Default 1000. */
  readonly maxEntries?: number;
  /** How long a session may be resumed after its full handshake (ms). Default 2 hours; RFC 5246 §F.1.4 suggests at most 24. */
  readonly lifetimeMs?: number;
}

/** RFC 5246 §7.4.1.2: the server's sessions by session ID, bounded in number and in age. */
export class SessionCache {
  readonly maxEntries: number;
  readonly lifetimeMs: number;
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly entries = new Map<string, Session>();

  constructor(options: SessionCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.lifetimeMs = options.lifetimeMs ?? 2 * 60 * 60_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`SessionCache: maxEntries must be a positive integer, got ${this.maxEntries}`);
    if (!(this.lifetimeMs > 0)) throw new RangeError(`SessionCache: lifetimeMs must be positive, got ${this.lifetimeMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keeps a session under its ID, dropping the oldest when full. */
  put(session: Session): void {
    if (session.sessionId.length === 0) throw new RangeError('SessionCache.put: the session has no session ID');
    const key = hex(session.sessionId);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, session);
  }

  /** The live session with this ID; an expired one is dropped and not returned. */
  get(sessionId: Uint8Array, now: number): Session | undefined {
    const key = hex(sessionId);
    const session = this.entries.get(key);
    if (session === undefined) return undefined;
    if (now - session.createdAt > this.lifetimeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return session;
  }

  /** RFC 5246 §7.2.2: a session whose connection ended in a fatal alert is not resumed again. */
  remove(sessionId: Uint8Array): void {
    this.entries.delete(hex(sessionId));
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The format byte of `writeSessionState`; a ticket of another format is not resumed. */
const SESSION_STATE_FORMAT = 1;

/**
 * The session state a ticket seals (our own format, RFC 5077 §4 leaves it to the server):
 *
 *   uint8  format = 1;
 *   uint16 cipher_suite;
 *   uint8  extended_master_secret;        0 or 1
 *   opaque master_secret<1..255>;
 *   uint64 created_at;                    ms
 *   uint8  peer_verified;                 0 or 1
 *   opaque psk_identity<0..2^16-1>;       empty: none
 *   opaque server_name<0..2^16-1>;        empty: none
 *   opaque peer_chain<0..2^24-1>;         each certificate opaque<1..2^24-1>
 */
export function writeSessionState(w: Writer, s: Session): void {
  w.u8(SESSION_STATE_FORMAT).u16(s.cipherSuite).u8(s.extendedMasterSecret ? 1 : 0);
  w.opaque(1, s.masterSecret).u64(BigInt(Math.max(0, Math.floor(s.createdAt)))).u8(s.peerVerified ? 1 : 0);
  w.opaque(2, s.pskIdentity ?? new Uint8Array(0));
  w.opaque(2, new TextEncoder().encode(s.serverName ?? ''));
  w.list(3, s.peerChain, (x, c) => x.opaque(3, c));
}

/** The inverse of `writeSessionState`; a session without session ID or ticket (the server fills those in). */
export function readSessionState(r: Reader): Session {
  const format = r.u8('format');
  if (format !== SESSION_STATE_FORMAT) r.fail('format', `unknown session state format ${format}`);
  const cipherSuite = r.u16('cipher_suite');
  const extendedMasterSecret = flag(r, 'extended_master_secret');
  const masterSecret = r.opaque(1, 'master_secret', 1);
  const createdAt = Number(r.u64('created_at'));
  const peerVerified = flag(r, 'peer_verified');
  const identity = r.opaque(2, 'psk_identity');
  const name = new TextDecoder().decode(r.opaque(2, 'server_name'));
  const peerChain = r.list(3, 'peer_chain', (x) => x.opaque(3, 'certificate', 1));
  return {
    sessionId: new Uint8Array(0),
    ticket: undefined,
    ticketLifetimeHint: undefined,
    cipherSuite,
    extendedMasterSecret,
    masterSecret,
    createdAt,
    peerChain,
    peerVerified,
    pskIdentity: identity.length === 0 ? undefined : identity,
    serverName: name === '' ? undefined : name,
  };
}

function flag(r: Reader, field: string): boolean {
  const v = r.u8(field);
  if (v > 1) r.fail(field, `must be 0 or 1, got ${v}`);
  return v === 1;
}
