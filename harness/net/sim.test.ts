/**
 * Scripted networks: exact control over which datagram goes missing or late, for the cases a
 * probe needs to pin down. Everything runs on virtual time.
 */
import test from 'ava';
import { runCase } from './properties.ts';
import type { ScriptRule } from './model.ts';
import { testPki } from '../../testkit/credentials.ts';

const psk = (script: ScriptRule[], messages = 2) => runCase({ profile: 'psk-ccm8', network: {}, script, seed: 1, messages });

test('[RFC6347-4.2.4-timer-expiry] "drop the 2nd datagram from the server": the client retransmits after 1 s and the handshake completes', (t) => {
  const clean = psk([]);
  const r = psk([{ from: 'server', datagram: 1, action: { kind: 'drop' } }]);
  t.is(r.client.status, 'established');
  t.is(r.server.status, 'established');
  const lost = r.transcript.find((x) => x.from === 'server' && x.index === 1);
  t.is(lost?.fate, 'dropped');
  t.is(lost?.cause, 'script');
  // The client's flight 3 (ClientHello with cookie) goes again one second after it first went.
  const hellos = r.transcript.filter((x) => x.from === 'client' && x.burst >= 1 && x.burst <= 2);
  t.deepEqual(hellos.map((x) => x.sentAt - hellos[0].sentAt), [0, 1000]);
  t.deepEqual(r.client.received.map((m) => Buffer.from(m).toString()), clean.client.received.map((m) => Buffer.from(m).toString()));
  t.is(r.client.completedAt, (clean.client.completedAt ?? 0) + 1000);
});

test('[RFC6347-4.2.3-reassembly] "deliver the client\'s flight 5 in reverse": Finished before ClientKeyExchange still completes, with no retransmission', async (t) => {
  const credentials = (await testPki('P-256')).credentials;
  const clean = runCase({ profile: 'ecdhe-ecdsa', network: {}, script: [], seed: 1, messages: 0, mtu: 200 }, credentials);
  const flight5 = clean.transcript.filter((x) => x.from === 'client' && x.burst === 2);
  t.true(flight5.length >= 1);
  // Hold every datagram of the burst back by a delay that shrinks along it: they arrive reversed.
  const script: ScriptRule[] = flight5.map((x, i) => ({ from: 'client', datagram: x.index, action: { kind: 'delay', ms: 50 - i * 10 } }));
  const r = runCase({ profile: 'ecdhe-ecdsa', network: {}, script, seed: 1, messages: 0, mtu: 200 }, credentials);
  t.is(r.client.status, 'established');
  t.is(r.server.status, 'established');
  t.is(r.client.stats.retransmissions + r.server.stats.retransmissions, 0);
  t.deepEqual(r.client.exported, clean.client.exported);
});

test('[RFC6347-4.2.4-final-flight-resend] "drop the server\'s final flight once": the client resends flight 5 and the server answers with its Finished again', (t) => {
  const clean = psk([], 0);
  const finalBurst = Math.max(...clean.transcript.filter((x) => x.from === 'server').map((x) => x.burst));
  const r = psk([{ from: 'server', burst: finalBurst, action: { kind: 'drop' } }], 0);
  t.is(r.client.status, 'established');
  t.is(r.server.stats.retransmissions, 1);
  t.is(r.client.stats.retransmissions, 1);
});

test('[RFC6347-4.2.4-timer-expiry] a blackout longer than the whole retransmission budget ends in the client timing out after ten retransmissions at 1, 3, 7, ... 303 s, with no hang', (t) => {
  const r = runCase({ profile: 'psk-ccm8', network: { server: { blackouts: [{ startMs: 0, durationMs: 10_000_000 }] } }, script: [], seed: 1, messages: 0 });
  t.is(r.client.status, 'failed');
  t.is(r.client.error?.detail.kind, 'timeout');
  t.false(r.stalled);
  // Ten retransmissions of the ClientHello: 1 + 2 + 4 + 8 + 16 + 32 + 60 × 5 seconds, then the error.
  t.is(r.virtualMs, 363_000);
  t.deepEqual(
    r.transcript.filter((x) => x.from === 'client').map((x) => x.sentAt / 1000),
    [0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303],
  );
});
