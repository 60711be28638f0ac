/**
 * Session resumption, reference client against reference server in memory on virtual time: a full
 * handshake, then an abbreviated one by session ID (RFC 5246 §7.3) and by ticket (RFC 5077), for a
 * certificate suite and the PSK suites; with loss; and every refusal: by a full handshake where the
 * RFCs allow one, by handshake_failure where RFC 7627 §5.3 asks for an abort.
 */
import test from 'ava';
import type { EngineEvent } from '../../engine.ts';
import { AlertDescription, CipherSuite, ContentType, HandshakeType } from '../../wire/enums.ts';
import { readHandshakeFragments } from '../../wire/handshake-header.ts';
import { type ServerHello, readClientHello, readServerHello, writeServerHello } from '../../wire/hello.ts';
import { decode } from '../../wire/reader.ts';
import { readRecords } from '../../wire/records.ts';
import { encode } from '../../wire/writer.ts';
import { seededRandom } from '../../crypto/random.ts';
import { type Alter, type Pair, type Side, referencePair } from '../../../testkit/pair.ts';
import { keysFromKeyLog, mapClientHello, mapFragments, sealRecord } from '../../../testkit/forge.ts';
import { hexFixture } from '../../../testkit/hex.ts';
import type { EndpointConfig, PskCredentials } from './config.ts';
import { type Session, SessionCache } from './session.ts';
import { TicketKeys } from './tickets.ts';

const S = CipherSuite;
const T = HandshakeType;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const KEY = hexFixture('00112233445566778899aabbccddeeff');
const CLIENT1: PskCredentials = { identity: utf8('client1'), key: KEY };
const lookup = (identity: Uint8Array): Uint8Array | undefined => (new TextDecoder().decode(identity) === 'client1' ? KEY : undefined);

interface Kind {
  readonly suite: number;
  readonly client: Partial<EndpointConfig>;
  readonly server: Partial<EndpointConfig>;
}
const KINDS: readonly Kind[] = [
  { suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, client: {}, server: {} },
  { suite: S.TLS_PSK_WITH_AES_128_CCM_8, client: { psk: CLIENT1 }, server: { certificate: undefined, pskLookup: lookup } },
  { suite: S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, client: { psk: CLIENT1 }, server: { certificate: undefined, pskLookup: lookup } },
];
const ECDSA = KINDS[0];

/** A pair for `kind`, the server sharing `server`'s cache and ticket keys; `at` is the virtual time the pair starts at. */
async function pair(kind: Kind, client: Partial<EndpointConfig>, server: Partial<EndpointConfig>, seed: string, at = 0): Promise<Pair> {
  const p = await referencePair(
    { cipherSuites: [kind.suite], ...kind.client, ...client },
    { cipherSuites: [kind.suite], ...kind.server, ...server },
    seed,
  );
  p.now = at;
  return p;
}

/** Runs a pair to the end of its handshake; fails the test with the first error when it did not complete. */
function complete(p: Pair): void {
  p.run();
  const error = p.error('client') ?? p.error('server');
  if (p.client.status !== 'established' || p.server.status !== 'established') {
    throw new Error(`handshake did not complete: ${error?.kind === 'error' ? error.error.message : `${p.client.status}/${p.server.status}`}`);
  }
}

/** A full handshake; returns the client's session. */
async function fullHandshake(kind: Kind, client: Partial<EndpointConfig>, server: Partial<EndpointConfig>, seed: string): Promise<{ p: Pair; session: Session }> {
  const p = await pair(kind, client, server, seed);
  complete(p);
  const session = p.client.session();
  if (session === undefined) throw new Error('no session after the full handshake');
  return { p, session };
}

/** The epoch-0 handshake messages `side` sent, in order (HelloVerifyRequest and retransmissions included). */
function messages(p: Pair, side: Side): { msgType: number; body: Uint8Array }[] {
  return p.wire
    .filter((w) => w.from === side)
    .flatMap((w) => decode(w.bytes, 'datagram', readRecords))
    .flatMap((rec) => (rec.format === 'plaintext' && rec.type === ContentType.handshake && rec.epoch === 0 ? [rec] : []))
    .flatMap((rec) => decode(rec.fragment, 'fragments', readHandshakeFragments))
    .map((f) => ({ msgType: f.msgType, body: f.body }));
}
const types = (p: Pair, side: Side): number[] => messages(p, side).map((m) => m.msgType).filter((m) => m !== T.hello_verify_request);
const lastClientHello = (p: Pair) => {
  const chs = messages(p, 'client').filter((m) => m.msgType === T.client_hello);
  return decode(chs[chs.length - 1].body, 'ClientHello', readClientHello);
};

const sentAlert = (events: EngineEvent[]): number | undefined => {
  const e = events.find((x) => x.kind === 'alert' && x.from === 'us');
  return e?.kind === 'alert' ? e.description : undefined;
};
const errorDetail = (p: Pair, side: Side): unknown => {
  const e = p.error(side);
  return e?.kind === 'error' ? e.error.detail : undefined;
};

/** Both sides agree on the keys: an exporter and a datagram each way. */
function sameKeys(p: Pair): boolean {
  const label = 'EXPERIMENTAL dtlsprobe';
  const a = p.client.exportKeyingMaterial(label, undefined, 32);
  const b = p.server.exportKeyingMaterial(label, undefined, 32);
  p.client.send(utf8('ping'));
  p.transfer('client');
  p.server.send(utf8('pong'));
  p.transfer('server');
  const got = (side: Side): string[] => p.events[side].flatMap((e) => (e.kind === 'data' ? [new TextDecoder().decode(e.data)] : []));
  return a.every((x, i) => x === b[i]) && got('server').includes('ping') && got('client').includes('pong');
}

const dropping = (indexes: readonly number[]): Alter => (d, i) => (indexes.includes(i) ? [] : [d]);

/** Rewrites the ServerHello in the server's datagrams. */
const alterServerHello = (fn: (sh: ServerHello) => ServerHello): Alter => (d) => [
  mapFragments(d, (fs) =>
    fs.map((f) => {
      if (f.msgType !== T.server_hello) return f;
      const body = encode((w) => writeServerHello(w, fn(decode(f.body, 'ServerHello', readServerHello))));
      return { ...f, length: body.length, body };
    }),
  ),
];
const withoutEms = <M extends { extensions?: ServerHello['extensions'] }>(m: M): M => ({ ...m, extensions: m.extensions?.filter((e) => e.kind !== 'extended_master_secret') });

for (const kind of KINDS) {
  const name = CipherSuite.nameOf(kind.suite);

  test(`[RFC5246-7.3-abbreviated] [RFC5246-7.4.1.2-session-id] [RFC6347-4.2.4-resumed-flights] ${name}: full handshake, then resumed by session ID: ServerHello, CCS, Finished; the client sends the last flight`, async (t) => {
    const sessionCache = new SessionCache();
    const first = await fullHandshake(kind, {}, { sessionCache }, `id ${name} 1`);
    t.is(first.session.sessionId.length, 32);
    t.is(first.session.ticket, undefined);
    t.is(sessionCache.size, 1);
    t.is(first.p.client.negotiated?.resumed, undefined);

    const p = await pair(kind, { resumeSession: first.session }, { sessionCache }, `id ${name} 2`);
    complete(p);
    t.is(p.client.negotiated?.resumed, 'session-id');
    t.is(p.server.negotiated?.resumed, 'session-id');
    t.deepEqual(lastClientHello(p).sessionId, first.session.sessionId);
    t.deepEqual(types(p, 'server'), [T.server_hello], 'no Certificate, no key exchange: only the ServerHello goes in epoch 0');
    t.deepEqual(p.client.negotiated?.masterSecret, first.p.client.negotiated?.masterSecret, 'the session\'s master secret');
    t.notDeepEqual(p.client.exportKeyingMaterial('x', undefined, 16), first.p.client.exportKeyingMaterial('x', undefined, 16), 'fresh keys from fresh randoms');
    t.true(sameKeys(p));
    t.deepEqual(p.client.negotiated?.tlsUnique, p.server.negotiated?.tlsUnique, 'tls-unique: the server\'s Finished, first in an abbreviated handshake');
    t.deepEqual(p.client.negotiated?.pskIdentity, first.p.client.negotiated?.pskIdentity);
    t.deepEqual(p.client.negotiated?.peerChain, first.p.client.negotiated?.peerChain);
    t.is(p.client.nextTimeout(), undefined, 'the client sent the final flight: no timer');
    t.is(p.server.nextTimeout(), undefined, 'the server got the final flight: its timer stopped');
    t.deepEqual(p.client.session()?.sessionId, first.session.sessionId, 'the session can be resumed again');
  });

  test(`[RFC5077-3.2-request] [RFC5077-3.3-before-ccs] [RFC5077-3.4-session-id] [RFC5246-7.3-abbreviated] ${name}: full handshake with a ticket, then resumed by the ticket`, async (t) => {
    const ticketKeys = new TicketKeys({ random: seededRandom(`keys ${name}`) });
    const first = await fullHandshake(kind, { sessionTickets: true }, { ticketKeys, sessionCache: new SessionCache() }, `ticket ${name} 1`);
    t.deepEqual(types(first.p, 'server').slice(-1), [T.new_session_ticket], 'the NewSessionTicket goes before the server\'s CCS, in epoch 0');
    const sh = decode(messages(first.p, 'server').find((m) => m.msgType === T.server_hello)?.body ?? new Uint8Array(0), 'ServerHello', readServerHello);
    t.deepEqual(sh.sessionId, new Uint8Array(0), 'a server issuing a ticket to a client without one sends an empty session ID');
    t.true(sh.extensions?.some((e) => e.kind === 'session_ticket' && e.ticket.length === 0));
    t.truthy(first.session.ticket);
    t.deepEqual(first.session.sessionId, new Uint8Array(0));
    t.is(first.session.ticketLifetimeHint, 3600);

    const p = await pair(kind, { resumeSession: first.session, sessionTickets: true }, { ticketKeys }, `ticket ${name} 2`);
    complete(p);
    t.is(p.client.negotiated?.resumed, 'ticket');
    t.is(p.server.negotiated?.resumed, 'ticket');
    const ch = lastClientHello(p);
    t.is(ch.sessionId.length, 32, 'a fresh session ID beside the ticket');
    t.deepEqual(decode(messages(p, 'server').find((m) => m.msgType === T.server_hello)?.body ?? new Uint8Array(0), 'ServerHello', readServerHello).sessionId, ch.sessionId, 'echoed: the ticket was accepted');
    t.deepEqual(types(p, 'server'), [T.server_hello], 'a ticket under the current key is not renewed');
    t.deepEqual(p.client.negotiated?.masterSecret, first.p.server.negotiated?.masterSecret);
    t.true(sameKeys(p));
    t.deepEqual(p.client.session()?.ticket, first.session.ticket);
  });

  test(`[RFC6347-4.2.4-final-flight-resend] [RFC6347-4.2.4-resumed-flights] ${name}: resumption with the client's final flight lost, then the server's flight lost`, async (t) => {
    const sessionCache = new SessionCache();
    const ticketKeys = new TicketKeys({ random: seededRandom('loss keys') });
    const first = await fullHandshake(kind, { sessionTickets: true }, { sessionCache, ticketKeys }, `loss ${name} 1`);
    // Client datagrams: 0 ClientHello, 1 ClientHello with cookie, 2 the final flight (CCS, Finished).
    const p = await pair(kind, { resumeSession: first.session }, { sessionCache, ticketKeys }, `loss ${name} 2`);
    p.run({ alter: { client: dropping([2]) } });
    t.is(p.client.status, 'established');
    t.is(p.server.status, 'established', 'the server resent its flight on its timer, and the client answered with its final flight again');
    t.is(p.server.stats().retransmissions, 1);
    t.is(p.client.stats().retransmissions, 1);
    t.is(p.server.negotiated?.resumed, 'ticket');
    t.true(sameKeys(p));

    // Server datagrams: 0 HelloVerifyRequest, 1 ServerHello, CCS, Finished.
    const q = await pair(kind, { resumeSession: first.session }, { sessionCache, ticketKeys }, `loss ${name} 3`);
    q.run({ alter: { server: dropping([1]) } });
    t.is(q.client.status, 'established');
    t.is(q.server.status, 'established');
    // Both timers fire at 1 s: the client resends its ClientHello, the server its flight (and again
    // for the ClientHello); the client answers each copy with its final flight.
    t.true(q.client.stats().retransmissions >= 1, 'the client resent its ClientHello');
    t.true(sameKeys(q));
  });
}

test('[RFC5246-7.4.1.2-session-id] an unknown session ID gets a full handshake with a new session ID', async (t) => {
  const first = await fullHandshake(ECDSA, {}, { sessionCache: new SessionCache() }, 'unknown 1');
  const p = await pair(ECDSA, { resumeSession: first.session }, { sessionCache: new SessionCache() }, 'unknown 2');
  complete(p);
  t.is(p.client.negotiated?.resumed, undefined);
  t.is(p.server.negotiated?.resumed, undefined);
  t.true(types(p, 'server').includes(T.certificate));
  const id = p.client.session()?.sessionId;
  t.is(id?.length, 32);
  t.notDeepEqual(id, first.session.sessionId);
});

test('[RFC5246-7.4.1.2-session-id] a suite no longer offered: the client does not offer the session; a server no longer serving it does a full handshake', async (t) => {
  const both = [S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384];
  const sessionCache = new SessionCache();
  const first = await fullHandshake(ECDSA, { cipherSuites: both }, { sessionCache, cipherSuites: both }, 'suite 1');
  t.is(first.session.cipherSuite, both[0]);

  const p = await pair(ECDSA, { resumeSession: first.session, cipherSuites: [both[1]] }, { sessionCache, cipherSuites: both }, 'suite 2');
  complete(p);
  t.deepEqual(lastClientHello(p).sessionId, new Uint8Array(0), 'not offered: the server could only resume it with a suite we no longer offer');
  t.is(p.client.negotiated?.cipherSuite, both[1]);

  const q = await pair(ECDSA, { resumeSession: first.session, cipherSuites: both }, { sessionCache, cipherSuites: [both[1]] }, 'suite 3');
  complete(q);
  t.deepEqual(lastClientHello(q).sessionId, first.session.sessionId);
  t.is(q.client.negotiated?.resumed, undefined);
  t.is(q.server.negotiated?.cipherSuite, both[1]);
});

test('[RFC5077-3.2-fallback] [RFC5077-5.5-key-rotation] a ticket under another server\'s keys, under a retired key, or past its lifetime gets a full handshake', async (t) => {
  const ticketKeys = new TicketKeys({ random: seededRandom('rotation'), rotateEveryMs: 60_000, lifetimeMs: 50_000 });
  const first = await fullHandshake(ECDSA, { sessionTickets: true }, { ticketKeys }, 'fallback 1');
  const cases: [string, TicketKeys, number][] = [
    ['unknown key', new TicketKeys({ random: seededRandom('other') }), 0],
    ['past its lifetime', ticketKeys, 55_000],
    ['retired key (two rotations later)', ticketKeys, 125_000],
  ];
  for (const [label, keys, at] of cases) {
    const p = await pair(ECDSA, { resumeSession: first.session, sessionTickets: true }, { ticketKeys: keys }, `fallback ${label}`, at);
    complete(p);
    t.is(p.server.negotiated?.resumed, undefined, label);
    t.true(types(p, 'server').includes(T.certificate), label);
    t.truthy(p.client.session()?.ticket, `${label}: a new ticket`);
    t.notDeepEqual(p.client.session()?.ticket, first.session.ticket, label);
  }
});

test('[RFC5077-3.3-renew] [RFC5077-5.5-key-rotation] a ticket under the previous key still resumes, and the abbreviated handshake renews it', async (t) => {
  const ticketKeys = new TicketKeys({ random: seededRandom('renew'), rotateEveryMs: 60_000, lifetimeMs: 100_000 });
  const first = await fullHandshake(ECDSA, { sessionTickets: true }, { ticketKeys }, 'renew 1');
  const p = await pair(ECDSA, { resumeSession: first.session, sessionTickets: true }, { ticketKeys }, 'renew 2', 70_000);
  complete(p);
  t.is(p.server.negotiated?.resumed, 'ticket');
  t.deepEqual(types(p, 'server'), [T.server_hello, T.new_session_ticket], 'ServerHello, NewSessionTicket, then CCS and Finished');
  const renewed = p.client.session();
  t.truthy(renewed?.ticket);
  t.notDeepEqual(renewed?.ticket, first.session.ticket);
  t.deepEqual(renewed?.ticket?.subarray(0, 16), ticketKeys.currentKeyName, 'sealed under the current key');
  t.true(sameKeys(p));
});

/**
 * A legacy session, made without extended_master_secret, known to the client and in the server's
 * cache. (Stripping the extension from a live ClientHello would break the Finished check, so the
 * session of a full handshake is stored again with the flag off.)
 */
async function legacySession(sessionCache: SessionCache): Promise<Session> {
  const { session } = await fullHandshake(ECDSA, {}, { sessionCache }, 'legacy');
  const legacy = { ...session, extendedMasterSecret: false };
  sessionCache.put(legacy);
  return legacy;
}

test('[RFC7627-5.3-client-no-offer] a client does not offer a session without an extended master secret', async (t) => {
  const sessionCache = new SessionCache();
  const legacy = await legacySession(sessionCache);
  const p = await pair(ECDSA, { resumeSession: legacy }, { sessionCache }, 'no offer');
  complete(p);
  t.deepEqual(lastClientHello(p).sessionId, new Uint8Array(0));
  t.is(p.server.negotiated?.resumed, undefined);
});

test('[RFC7627-5.3-server-full] a session without extended_master_secret, a ClientHello with it: a full handshake, with the extension', async (t) => {
  const sessionCache = new SessionCache();
  const legacy = await legacySession(sessionCache);
  // A client that offers it anyway (ours would not: see above).
  const p = await pair(ECDSA, { resumeSession: { ...legacy, extendedMasterSecret: true } }, { sessionCache }, 'ems full');
  complete(p);
  t.deepEqual(lastClientHello(p).sessionId, legacy.sessionId);
  t.is(p.server.negotiated?.resumed, undefined);
  t.is(p.client.negotiated?.resumed, undefined);
  t.true(p.server.negotiated?.extendedMasterSecret);
  t.true(types(p, 'server').includes(T.certificate));
});

test('[RFC7627-5.3-server-abort] a session with extended_master_secret, a ClientHello without it: the server aborts with handshake_failure', async (t) => {
  const sessionCache = new SessionCache();
  const first = await fullHandshake(ECDSA, {}, { sessionCache }, 'ems abort 1');
  t.true(first.session.extendedMasterSecret);
  const p = await pair(ECDSA, { resumeSession: first.session, requireExtendedMasterSecret: false }, { sessionCache, requireExtendedMasterSecret: false }, 'ems abort 2');
  p.run({ alter: { client: (d) => [mapClientHello(d, withoutEms)] } });
  t.is(p.server.status, 'failed');
  t.deepEqual(errorDetail(p, 'server'), { kind: 'peer-incompatible', alert: AlertDescription.handshake_failure });
  t.is(sentAlert(p.events.server), AlertDescription.handshake_failure);
  t.is(p.client.status, 'failed');
  t.deepEqual(errorDetail(p, 'client'), { kind: 'alert-received', level: 2, description: AlertDescription.handshake_failure });
});

test('[RFC7627-5.3-neither-abort] neither the session nor the ClientHello has extended_master_secret: the server aborts with handshake_failure', async (t) => {
  const sessionCache = new SessionCache();
  const legacy = await legacySession(sessionCache);
  const p = await pair(ECDSA, { resumeSession: { ...legacy, extendedMasterSecret: true }, requireExtendedMasterSecret: false }, { sessionCache, requireExtendedMasterSecret: false }, 'neither');
  p.run({ alter: { client: (d) => [mapClientHello(d, withoutEms)] } });
  t.deepEqual(errorDetail(p, 'server'), { kind: 'peer-incompatible', alert: AlertDescription.handshake_failure });
  t.is(sentAlert(p.events.server), AlertDescription.handshake_failure);
});

test('[RFC7627-5.3-client-abort] the server resumes an extended-master-secret session without the extension: the client aborts with handshake_failure', async (t) => {
  const sessionCache = new SessionCache();
  const first = await fullHandshake(ECDSA, {}, { sessionCache }, 'client abort 1');
  const p = await pair(ECDSA, { resumeSession: first.session, requireExtendedMasterSecret: false }, { sessionCache }, 'client abort 2');
  p.run({ alter: { server: alterServerHello(withoutEms) } });
  t.is(p.client.status, 'failed');
  t.deepEqual(errorDetail(p, 'client'), { kind: 'peer-misbehaved', alert: AlertDescription.handshake_failure });
  t.is(sentAlert(p.events.client), AlertDescription.handshake_failure);
  const e = p.error('client');
  t.regex(e?.kind === 'error' ? e.error.message : '', /RFC 7627 §5\.3/);
  t.is(p.server.status, 'failed');
  t.deepEqual(errorDetail(p, 'server'), { kind: 'alert-received', level: 2, description: AlertDescription.handshake_failure });
});

test('[RFC5246-7.4.1.3-resumed-suite] the server resumes our session with another suite: illegal_parameter', async (t) => {
  const both = [S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384];
  const sessionCache = new SessionCache();
  const first = await fullHandshake(ECDSA, { cipherSuites: both }, { sessionCache, cipherSuites: both }, 'other suite 1');
  const p = await pair(ECDSA, { resumeSession: first.session, cipherSuites: both }, { sessionCache, cipherSuites: both }, 'other suite 2');
  p.run({ alter: { server: alterServerHello((sh) => ({ ...sh, cipherSuite: both[1] })) } });
  t.deepEqual(errorDetail(p, 'client'), { kind: 'peer-misbehaved', alert: AlertDescription.illegal_parameter });
  t.is(sentAlert(p.events.client), AlertDescription.illegal_parameter);
});

test('[RFC5246-7.2-invalidate-session] a fatal alert on a connection removes its session from the server\'s cache', async (t) => {
  const sessionCache = new SessionCache();
  const lines: string[] = [];
  const first = await fullHandshake(ECDSA, { keyLog: (l) => lines.push(l) }, { sessionCache }, 'invalidate');
  t.truthy(sessionCache.get(first.session.sessionId, 0));
  const n = first.p.client.negotiated;
  if (n === undefined) return t.fail('no negotiated');
  const keys = keysFromKeyLog(lines[0], n.cipherSuite, n.serverRandom);
  first.p.server.receive(sealRecord(keys.client, ContentType.alert, 100, Uint8Array.of(2, AlertDescription.internal_error)), 1);
  t.is(first.p.server.status, 'failed');
  t.is(sessionCache.get(first.session.sessionId, 1), undefined);
  t.is(first.p.server.session(), undefined);
});

test('[RFC6066-3-resumption] a session belongs to its server name: another name is not offered it, and a server does not resume it for another name', async (t) => {
  const sessionCache = new SessionCache();
  const first = await fullHandshake(ECDSA, { serverName: 'a.example' }, { sessionCache }, 'sni 1');
  t.is(first.session.serverName, 'a.example');
  const p = await pair(ECDSA, { resumeSession: first.session, serverName: 'b.example' }, { sessionCache }, 'sni 2');
  complete(p);
  t.deepEqual(lastClientHello(p).sessionId, new Uint8Array(0));
  const q = await pair(ECDSA, { resumeSession: { ...first.session, serverName: 'b.example' }, serverName: 'b.example' }, { sessionCache }, 'sni 3');
  complete(q);
  t.is(q.server.negotiated?.resumed, undefined);
  const r = await pair(ECDSA, { resumeSession: first.session, serverName: 'a.example' }, { sessionCache }, 'sni 4');
  complete(r);
  t.is(r.server.negotiated?.resumed, 'session-id');
  const sh = decode(messages(r, 'server').find((m) => m.msgType === T.server_hello)?.body ?? new Uint8Array(0), 'ServerHello', readServerHello);
  t.false(sh.extensions?.some((e) => e.kind === 'server_name'), 'RFC 6066 §3: no server_name in a resumption\'s ServerHello');
});

test('without a cache or ticket keys the server issues neither: the client has no session to resume', async (t) => {
  const p = await pair(ECDSA, { sessionTickets: true }, {}, 'stateless');
  complete(p);
  t.is(p.client.session(), undefined);
  t.deepEqual(types(p, 'server').includes(T.new_session_ticket), false);
});
