/** The ticket keys (RFC 5077 §4, §5.5) and the server's session cache, on their own. */
import test from 'ava';
import { seededRandom } from '../../crypto/random.ts';
import { CipherSuite } from '../../wire/enums.ts';
import { decode } from '../../wire/reader.ts';
import { encode } from '../../wire/writer.ts';
import { type Session, SessionCache, readSessionState, writeSessionState } from './session.ts';
import { TICKET_KEY_NAME_LENGTH, TicketKeys } from './tickets.ts';

const session = (over: Partial<Session> = {}): Session => ({
  sessionId: new Uint8Array(0),
  ticket: undefined,
  ticketLifetimeHint: undefined,
  cipherSuite: CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
  extendedMasterSecret: true,
  masterSecret: new Uint8Array(48).fill(7),
  createdAt: 1000,
  peerChain: [Uint8Array.of(0x30, 1, 2)],
  peerVerified: true,
  pskIdentity: new TextEncoder().encode('client1'),
  serverName: 'coap.example',
  ...over,
});

test('session state survives writing and reading', (t) => {
  const s = session();
  t.deepEqual(decode(encode((w) => writeSessionState(w, s)), 'state', readSessionState), s);
  const bare = session({ pskIdentity: undefined, serverName: undefined, peerChain: [], extendedMasterSecret: false });
  t.deepEqual(decode(encode((w) => writeSessionState(w, bare)), 'state', readSessionState), bare);
});

test('[RFC5077-4-ticket-construction] a ticket is key name, nonce, then the sealed state; it opens to the same session', (t) => {
  const keys = new TicketKeys({ random: seededRandom('t1') });
  const s = session();
  const ticket = keys.seal(s, 1000);
  t.deepEqual(ticket.subarray(0, TICKET_KEY_NAME_LENGTH), keys.currentKeyName);
  t.is(ticket.length, 16 + 12 + encode((w) => writeSessionState(w, s)).length + 16);
  t.deepEqual(keys.open(ticket, 2000), { session: s, underPreviousKey: false });
  t.false(Buffer.from(ticket).includes('client1'), 'sealed: the identity does not show');
});

test('[RFC5077-4-ticket-construction] an altered ticket, a truncated one, or one under an unknown key does not open', (t) => {
  const keys = new TicketKeys({ random: seededRandom('t2') });
  const ticket = keys.seal(session(), 1000);
  for (const at of [0, 20, ticket.length - 1]) {
    const bad = ticket.slice();
    bad[at] ^= 1;
    t.is(keys.open(bad, 1000), undefined, `byte ${at} flipped`);
  }
  t.is(keys.open(ticket.subarray(0, 40), 1000), undefined);
  t.is(new TicketKeys({ random: seededRandom('t3') }).open(ticket, 1000), undefined);
});

test('[RFC5077-5.5-key-rotation] keys rotate on their period; the previous key still opens, then retires', (t) => {
  const keys = new TicketKeys({ random: seededRandom('t4'), rotateEveryMs: 1000, lifetimeMs: 10_000 });
  const ticket = keys.seal(session({ createdAt: 0 }), 0);
  const first = keys.currentKeyName.slice();
  t.false(keys.open(ticket, 999)?.underPreviousKey ?? true, 'the current key before the period ends');
  t.true(keys.open(ticket, 1000)?.underPreviousKey ?? false, 'rotated: under the previous key');
  t.notDeepEqual(keys.currentKeyName, first);
  t.is(keys.open(ticket, 2000), undefined, 'rotated again: retired');
  const later = new TicketKeys({ random: seededRandom('t5'), rotateEveryMs: 1000, lifetimeMs: 10_000 });
  const old = later.seal(session({ createdAt: 0 }), 0);
  t.is(later.open(old, 5000), undefined, 'five periods without use: both keys replaced');
});

test('[RFC5077-5.6-lifetime] a ticket is refused once its session is older than the lifetime, which the hint announces', (t) => {
  const keys = new TicketKeys({ random: seededRandom('t6'), rotateEveryMs: 3_600_000, lifetimeMs: 600_000 });
  t.is(keys.lifetimeHintSeconds, 600);
  const ticket = keys.seal(session({ createdAt: 0 }), 0);
  t.truthy(keys.open(ticket, 600_000));
  t.is(keys.open(ticket, 600_001), undefined);
});

test('the session cache is bounded: the oldest goes first, expired sessions are not returned, removed ones are gone', (t) => {
  const cache = new SessionCache({ maxEntries: 2, lifetimeMs: 1000 });
  const id = (n: number): Uint8Array => new Uint8Array(32).fill(n);
  cache.put(session({ sessionId: id(1), createdAt: 0 }));
  cache.put(session({ sessionId: id(2), createdAt: 0 }));
  cache.put(session({ sessionId: id(3), createdAt: 500 }));
  t.is(cache.size, 2);
  t.is(cache.get(id(1), 0), undefined, 'evicted');
  t.truthy(cache.get(id(2), 1000));
  t.is(cache.get(id(2), 1001), undefined, 'expired');
  t.is(cache.size, 1);
  cache.remove(id(3));
  t.is(cache.get(id(3), 600), undefined);
  t.throws(() => cache.put(session()), { message: /no session ID/ });
  t.throws(() => new SessionCache({ maxEntries: 0 }), { instanceOf: RangeError });
});
