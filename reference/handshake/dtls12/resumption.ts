/**
 * Session resumption (RFC 5246 §7.3, §7.4.1.2; RFC 5077; RFC 7627 §5.3): the abbreviated
 * handshake, and the hooks the full handshake calls to offer, issue and remember sessions.
 *
 * The abbreviated handshake (RFC 6347 §4.2.4 Figure 2, RFC 5246 §7.3 Figure 2):
 *
 *   Client                                           Server
 *   ClientHello (session_id or ticket) -------->                                  Flight 1
 *                                      <--------   HelloVerifyRequest (cookie)    Flight 2
 *   ClientHello (cookie)               -------->                                  Flight 3
 *                                                  ServerHello                    \
 *                                                  [NewSessionTicket]              Flight 4
 *                                                  [ChangeCipherSpec]             /
 *                                      <--------   Finished                      /
 *   [ChangeCipherSpec]                                                            \ Flight 5
 *   Finished                           -------->                                  /
 *
 * The server's Finished comes first, so the client sends the last flight: the client's flight 5 is
 * final (no timer; resent when the server's flight 4 shows up again), the server's flight 4 is
 * retransmitted on its timer until the client's Finished arrives.
 *
 * Either side refuses a resumption that does not fit, by a full handshake where the RFCs allow one
 * (unknown session ID, bad or expired ticket, suite no longer offered, original session without
 * extended_master_secret), by handshake_failure where RFC 7627 §5.3 asks for an abort.
 */
import { DtlsError } from '../../errors.ts';
import { AlertDescription, HandshakeType } from '../../wire/enums.ts';
import type { Extension } from '../../wire/extensions.ts';
import type { ClientHello, ServerHello } from '../../wire/hello.ts';
import { readFinished, readNewSessionTicket, writeFinished, writeNewSessionTicket } from '../../wire/messages12.ts';
import { decode } from '../../wire/reader.ts';
import { suiteInfo } from '../../wire/suites.ts';
import type { HandshakeContext } from './context.ts';
import { established } from './established.ts';
import type { Session } from './session.ts';
import { type HandshakeState, expecting, expectingChangeCipherSpec, findExtension, receive } from './state.ts';

const T = HandshakeType;
const SESSION_ID_LENGTH = 32;
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

// -------------------------------------------------------------------------------------------------
// Client

/**
 * What the ClientHello carries for resumption: the session ID and a session_ticket extension
 * (RFC 5077 §3.2: with the ticket we hold, or empty to ask for one when `sessionTickets` is on).
 * Beside a ticket goes a fresh session ID, which the server echoes when it accepts the ticket
 * (RFC 5077 §3.4): that is how we tell a resumption from a full handshake.
 */
export function offerResumption(ctx: HandshakeContext): { sessionId: Uint8Array; extensions: Extension[] } {
  const c = ctx.config;
  const session = c.resumeSession !== undefined && offerable(ctx, c.resumeSession) ? c.resumeSession : undefined;
  const r = ctx.resumption;
  r.offered = session;
  if (session?.ticket !== undefined) r.offeredSessionId = c.random(SESSION_ID_LENGTH);
  else if (session !== undefined) r.offeredSessionId = session.sessionId;
  const extensions: Extension[] = [];
  if (session?.ticket !== undefined) extensions.push({ kind: 'session_ticket', ticket: session.ticket });
  else if (c.sessionTickets) extensions.push({ kind: 'session_ticket', ticket: new Uint8Array(0) });
  return { sessionId: r.offeredSessionId, extensions };
}

/**
 * Whether we may offer this session: something to resume it by, its suite still among ours (the
 * server may resume only with it, RFC 5246 §7.4.1.2), an extended master secret (RFC 7627 §5.3:
 * a client does not offer to resume a session without one), and the same server name (RFC 6066 §3).
 */
function offerable(ctx: HandshakeContext, s: Session): boolean {
  return (
    (s.sessionId.length > 0 || s.ticket !== undefined) &&
    ctx.config.cipherSuites.includes(s.cipherSuite) &&
    s.extendedMasterSecret &&
    s.serverName === ctx.config.serverName
  );
}

/**
 * After the ServerHello's common checks: the abbreviated handshake's states when the server
 * resumed the session we offered (it echoed the session ID we sent), else undefined and the full
 * handshake goes on. RFC 5246 §7.4.1.3: a resumption keeps the session's suite; RFC 7627 §5.3: the
 * ServerHello's extended_master_secret must match the session's.
 */
export function serverResumed(sh: ServerHello, ctx: HandshakeContext): HandshakeState | undefined {
  const r = ctx.resumption;
  r.sessionId = sh.sessionId;
  r.ticketPromised = findExtension(sh.extensions, 'session_ticket') !== undefined;
  const session = r.offered;
  if (session === undefined || r.offeredSessionId.length === 0 || !same(sh.sessionId, r.offeredSessionId)) {
    r.createdAt = ctx.now;
    return undefined;
  }
  if (sh.cipherSuite !== session.cipherSuite) {
    throw DtlsError.misbehaved(AlertDescription.illegal_parameter, 'the server resumed our session with another cipher suite (RFC 5246 §7.4.1.3)');
  }
  if (ctx.extendedMasterSecret !== session.extendedMasterSecret) {
    throw DtlsError.misbehaved(
      AlertDescription.handshake_failure,
      session.extendedMasterSecret
        ? 'the server resumed a session that used extended_master_secret without the extension (RFC 7627 §5.3)'
        : 'the server resumed a session without extended_master_secret with the extension (RFC 7627 §5.3)',
    );
  }
  r.resumed = session.ticket !== undefined ? 'ticket' : 'session-id';
  restoreSession(ctx, session);
  return expectTicketThen(ctx, () => expectingChangeCipherSpec('ExpectChangeCipherSpec', () => expectServerFinishedResumed()));
}

/**
 * RFC 5077 §3.3: when the ServerHello carried session_ticket, a NewSessionTicket comes before the
 * server's ChangeCipherSpec (an empty ticket: the server changed its mind). The client keeps the
 * ticket only once the server's Finished checks out (the session is remembered on completion).
 */
export function expectTicketThen(ctx: HandshakeContext, next: () => HandshakeState): HandshakeState {
  if (!ctx.resumption.ticketPromised) return next();
  return expecting('ExpectNewSessionTicket', [T.new_session_ticket], (m, ctx) => {
    const nst = receive(ctx, m, 'NewSessionTicket', readNewSessionTicket);
    if (nst.ticket.length > 0) {
      ctx.resumption.ticket = nst.ticket;
      ctx.resumption.ticketLifetimeHint = nst.ticketLifetimeHint;
    }
    return next();
  });
}

/** RFC 5246 §7.4.9: the server's Finished, then our flight 5, the last one. */
function expectServerFinishedResumed(): HandshakeState {
  return expecting('ExpectFinished', [T.finished], (m, ctx) => {
    const fin = decode(m.body, 'Finished', readFinished);
    ctx.checkFinished('server', fin.verifyData);
    ctx.transcript.add(m.msgType, m.messageSeq, m.body);
    ctx.emitChangeCipherSpec();
    const verifyData = ctx.finishedData('client');
    ctx.emit(T.finished, (w) => writeFinished(w, { verifyData }));
    ctx.endFlight({ final: true, retransmittable: true });
    rememberSession(ctx);
    ctx.actions.push({ kind: 'complete' });
    return established('client');
  });
}

// -------------------------------------------------------------------------------------------------
// Server

/**
 * After the ClientHello was negotiated: decides between resuming and a full handshake, and sets
 * the ServerHello's session ID and whether it promises a ticket. Returns whether it resumes.
 *
 * - A ticket (RFC 5077 §3.4: then the ClientHello's session ID is not looked up) that opens under
 *   our current or previous key and has not expired; under the previous key it is renewed.
 * - Else a session ID found in our cache.
 * - Either one must still fit: its suite offered by the client and still ours, the same server
 *   name, and RFC 7627 §5.3 on extended_master_secret.
 */
export function resumeOrStart(ch: ClientHello, ctx: HandshakeContext): boolean {
  const c = ctx.config;
  const r = ctx.resumption;
  const ticketExtension = findExtension(ch.extensions, 'session_ticket');
  let session: Session | undefined;
  if (ticketExtension !== undefined && ticketExtension.ticket.length > 0) {
    const opened = c.ticketKeys?.open(ticketExtension.ticket, ctx.now);
    if (opened !== undefined && fits(ch, ctx, opened.session)) {
      session = opened.session;
      r.resumed = 'ticket';
      r.renewTicket = opened.underPreviousKey;
    }
  } else if (ch.sessionId.length > 0 && c.sessionCache !== undefined) {
    const cached = c.sessionCache.get(ch.sessionId, ctx.now);
    if (cached !== undefined && fits(ch, ctx, cached)) {
      session = cached;
      r.resumed = 'session-id';
    }
  }
  if (session !== undefined) {
    // RFC 5246 §7.4.1.3, RFC 5077 §3.4: the ServerHello echoes the ClientHello's session ID.
    r.sessionId = ch.sessionId;
    r.ticketPromised = r.renewTicket;
    restoreSession(ctx, session);
    return true;
  }
  r.createdAt = ctx.now;
  r.ticketPromised = ticketExtension !== undefined && c.ticketKeys !== undefined;
  // RFC 5077 §3.4: an empty session ID beside a ticket for a client that presented none.
  const presentedTicket = ticketExtension !== undefined && ticketExtension.ticket.length > 0;
  const stateful = c.sessionCache !== undefined && (!r.ticketPromised || presentedTicket);
  r.sessionId = stateful ? c.random(SESSION_ID_LENGTH) : new Uint8Array(0);
  return false;
}

/** Whether a known session may be resumed by this ClientHello; a full handshake when not, or the RFC 7627 §5.3 abort. */
function fits(ch: ClientHello, ctx: HandshakeContext, s: Session): boolean {
  if (!ch.cipherSuites.includes(s.cipherSuite) || !ctx.config.cipherSuites.includes(s.cipherSuite)) return false;
  if (s.serverName !== ctx.serverName) return false;
  const clientEms = ctx.extendedMasterSecret;
  if (s.extendedMasterSecret && !clientEms) {
    throw DtlsError.incompatible(AlertDescription.handshake_failure, 'the client resumes a session that used extended_master_secret without the extension (RFC 7627 §5.3)');
  }
  if (!s.extendedMasterSecret && !clientEms) {
    throw DtlsError.incompatible(AlertDescription.handshake_failure, 'the client resumes a session without extended_master_secret, and offers none (RFC 7627 §5.3)');
  }
  // The session has no extended master secret and the client offers one: a full handshake.
  return s.extendedMasterSecret;
}

/**
 * The server's flight 4 of the abbreviated handshake (the ServerHello is already in it):
 * [NewSessionTicket], ChangeCipherSpec, Finished; then the client's ChangeCipherSpec and Finished.
 */
export function abbreviatedServerFlight(ctx: HandshakeContext): HandshakeState {
  issueTicket(ctx);
  ctx.emitChangeCipherSpec();
  const verifyData = ctx.finishedData('server');
  ctx.firstFinished = verifyData;
  ctx.emit(T.finished, (w) => writeFinished(w, { verifyData }));
  ctx.endFlight({ final: false, retransmittable: true });
  return expectingChangeCipherSpec('ExpectChangeCipherSpec', () =>
    expecting('ExpectFinished', [T.finished], (m, ctx) => {
      const fin = decode(m.body, 'Finished', readFinished);
      ctx.checkFinished('client', fin.verifyData);
      ctx.transcript.add(m.msgType, m.messageSeq, m.body);
      rememberSession(ctx);
      ctx.actions.push({ kind: 'complete' });
      return established('server');
    }),
  );
}

/** RFC 5077 §3.3: the NewSessionTicket the ServerHello promised, before our ChangeCipherSpec. */
export function issueTicket(ctx: HandshakeContext): void {
  const keys = ctx.config.ticketKeys;
  if (!ctx.resumption.ticketPromised) return;
  // A promise without keys cannot happen (resumeOrStart needs them); an empty ticket withdraws it.
  const ticket = keys === undefined ? new Uint8Array(0) : keys.seal(sessionOf(ctx), ctx.now);
  const hint = keys === undefined ? 0 : keys.lifetimeHintSeconds;
  ctx.emit(T.new_session_ticket, (w) => writeNewSessionTicket(w, { ticketLifetimeHint: hint, ticket }));
}

// -------------------------------------------------------------------------------------------------
// Both

/**
 * The resumed session's state on this connection, and epoch-1 keys from its master secret with
 * this handshake's randoms (RFC 5246 §7.3: no new key exchange).
 */
function restoreSession(ctx: HandshakeContext, s: Session): void {
  ctx.cipherSuite = s.cipherSuite;
  ctx.group = undefined;
  ctx.extendedMasterSecret = s.extendedMasterSecret;
  ctx.master = s.masterSecret.slice();
  ctx.peerChain = s.peerChain;
  ctx.peerVerified = s.peerVerified;
  ctx.pskIdentity = s.pskIdentity;
  ctx.resumption.createdAt = s.createdAt;
  const certificateSuite = suiteInfo(s.cipherSuite)?.authentication !== 'psk';
  if (ctx.config.role === 'client') ctx.serverCertificate = certificateSuite ? s.peerChain[0] : undefined;
  else ctx.serverCertificate = certificateSuite ? ctx.config.certificate?.chain[0] : undefined;
  ctx.actions.push({ kind: 'keys', masterSecret: ctx.master, clientRandom: ctx.clientRandom, serverRandom: ctx.serverRandom, cipherSuite: s.cipherSuite });
  const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  ctx.config.keyLog?.(`CLIENT_RANDOM ${hex(ctx.clientRandom)} ${hex(ctx.master)}`);
}

/** The session this handshake established or resumed, as it stands now. */
function sessionOf(ctx: HandshakeContext): Session {
  const r = ctx.resumption;
  if (ctx.cipherSuite === undefined || ctx.master === undefined) throw DtlsError.internal('a session before the master secret');
  const ticket = r.ticket ?? r.offered?.ticket;
  return {
    // RFC 5077 §3.4: a client that received a ticket discards the ServerHello's session ID.
    sessionId: r.ticket !== undefined || r.resumed === 'ticket' ? new Uint8Array(0) : r.sessionId,
    ticket: ctx.config.role === 'client' ? ticket : undefined,
    ticketLifetimeHint: r.ticket !== undefined ? r.ticketLifetimeHint : r.offered?.ticketLifetimeHint,
    cipherSuite: ctx.cipherSuite,
    extendedMasterSecret: ctx.extendedMasterSecret,
    masterSecret: ctx.master,
    createdAt: r.createdAt,
    peerChain: ctx.peerChain,
    peerVerified: ctx.peerVerified,
    pskIdentity: ctx.pskIdentity,
    serverName: ctx.serverName,
  };
}

/**
 * On completion: the session becomes resumable. A server keeps a new session in its cache when it
 * gave it an ID; a client keeps it for `endpoint.session()`.
 */
export function rememberSession(ctx: HandshakeContext): void {
  const session = sessionOf(ctx);
  ctx.resumption.session = session;
  const cache = ctx.config.sessionCache;
  if (ctx.config.role === 'server' && ctx.resumption.resumed === undefined && session.sessionId.length > 0 && cache !== undefined) {
    cache.put(session);
  }
}

/** RFC 5246 §7.2.2: a fatal alert invalidates the session; the server forgets it. */
export function forgetSession(ctx: HandshakeContext): void {
  const id = ctx.resumption.sessionId;
  if (ctx.config.role === 'server' && id.length > 0 && ctx.resumption.resumed !== 'ticket') ctx.config.sessionCache?.remove(id);
  ctx.resumption.session = undefined;
}
