/**
 * The retransmission timeline, measured on the simulated link's transcript (when each datagram went
 * out, on virtual time), not read from the implementation's counters, and checked against RFC 6347
 * §4.2.4.1: "Implementations SHOULD use an initial timer value of 1 second ... and double the value
 * at each retransmission, up to no less than the RFC 6298 maximum of 60 seconds", and
 * "Implementations SHOULD retain the current timer value until a transmission without loss occurs,
 * at which time the value may be reset to the initial value."
 *
 * The reference gives up after `maxRetransmissions` timer-driven retransmissions of one flight
 * (default 10) when the next timer expires: with the defaults, sends at 0, 1, 3, 7, 15, 31, 63, 123,
 * 183, 243 and 303 s and the timeout error at 363 s. The engine runs through sim.ts (PSK, no
 * public-key work), and the Gio-shaped API through api-sim.ts, both on virtual time.
 */
import test from 'ava';
import * as fc from 'fast-check';
import { GioError } from '../../reference/api/errors.ts';
import type { EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import { CipherSuite, ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { testPki } from '../../testkit/credentials.ts';
import { assertProperty } from '../../testkit/property.ts';
import { apiSim, driveUntil, track } from './api-sim.ts';
import type { LinkRecord } from './link.ts';
import type { NetworkModel, ScriptRule, Side } from './model.ts';
import { type SimResult, type SimScenario, simulate } from './sim.ts';

const PSK_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
const PSK: { client: Partial<EndpointConfig>; server: Partial<EndpointConfig> } = {
  client: { psk: { identity: new TextEncoder().encode('timeline'), key: PSK_KEY }, cipherSuites: [CipherSuite.TLS_PSK_WITH_AES_128_CCM_8] },
  server: { pskLookup: () => PSK_KEY, cipherSuites: [CipherSuite.TLS_PSK_WITH_AES_128_CCM_8] },
};

/** RFC 6347 §4.2.4 flight numbers (Figure 1): 1 ClientHello, 2 HelloVerifyRequest, 3 ClientHello with the cookie, 4 ServerHello..ServerHelloDone, 5 client's key exchange and Finished, 6 server's Finished. */
type Flight = 1 | 2 | 3 | 4 | 5 | 6;

/** Which flight a datagram belongs to, from its record headers and the first bytes of its handshake messages. */
function flightOf(datagram: Uint8Array, from: Side): Flight | undefined {
  for (let at = 0; at + 13 <= datagram.length; ) {
    const type = datagram[at];
    const epoch = (datagram[at + 3] << 8) | datagram[at + 4];
    const length = (datagram[at + 11] << 8) | datagram[at + 12];
    const body = datagram.subarray(at + 13, at + 13 + length);
    at += 13 + length;
    if (type === ContentType.change_cipher_spec) return from === 'client' ? 5 : 6;
    if (type !== ContentType.handshake || epoch !== 0 || body.length < 1) continue;
    const msgType = body[0];
    if (msgType === HandshakeType.client_hello) {
      // handshake header (12), client_version (2), random (32), session_id<0..32>, cookie<0..255>
      const sid = 12 + 34;
      const cookieAt = sid + 1 + (body[sid] ?? 0);
      return (body[cookieAt] ?? 0) === 0 ? 1 : 3;
    }
    if (msgType === HandshakeType.hello_verify_request) return 2;
    if (from === 'server') return 4; // ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone
    return 5; // Certificate, ClientKeyExchange, CertificateVerify
  }
  return undefined;
}

interface Burst {
  readonly from: Side;
  readonly burst: number;
  readonly sentAt: number;
  readonly flight: Flight | undefined;
  readonly records: readonly LinkRecord[];
}

/** The bursts one side sent (a flight or a retransmission of one), with the flight each carries. */
function burstsOf(transcript: readonly LinkRecord[], bytes: readonly Uint8Array[], from: Side): Burst[] {
  const out = new Map<number, { sentAt: number; flight: Flight | undefined; records: LinkRecord[] }>();
  for (const r of transcript) {
    if (r.from !== from) continue;
    const b = out.get(r.burst) ?? { sentAt: r.sentAt, flight: flightOf(bytes[r.n], from), records: [] };
    b.records.push(r);
    out.set(r.burst, b);
  }
  return [...out].map(([burst, b]) => ({ from, burst, ...b }));
}

/** When each transmission of `flight` went out. */
const timesOf = (bursts: readonly Burst[], flight: Flight): number[] => bursts.filter((b) => b.flight === flight).map((b) => b.sentAt);

const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - times[i]);

/** What §4.2.4.1 asks for: `retransmissions` gaps from `initial`, doubling, capped at `max`; then the timeout one more gap later. */
function expectedGaps(initial: number, max: number, retransmissions: number): number[] {
  const out: number[] = [];
  for (let k = 0, t = initial; k < retransmissions; k++, t = Math.min(t * 2, max)) out.push(t);
  return out;
}

/** The gap after the last retransmission, when the next expiry reports the timeout. */
const finalGap = (initial: number, max: number, retransmissions: number): number => Math.min(initial * 2 ** retransmissions, max);

/** Everything `from` sends, from its `first`-th datagram on, is dropped (a script, so the model's dice stay as they are). */
function dropFrom(from: Side, first: number, upTo = 400): ScriptRule[] {
  return Array.from({ length: upTo - first }, (_, i) => ({ from, datagram: first + i, action: { kind: 'drop' as const } }));
}

function run(scenario: Omit<SimScenario, 'seed' | 'keepBytes'> & { seed?: number }): SimResult {
  return simulate({ seed: 1, keepBytes: true, ...scenario });
}

/** The instant a side's handshake fails: the run stopped one ms earlier still handshakes, the run stopped there has failed. */
function failsExactlyAt(scenario: Omit<SimScenario, 'seed' | 'keepBytes' | 'limitMs'>, side: Side, at: number): { before: string; at: string; error: string | undefined } {
  const before = run({ ...scenario, limitMs: at - 1 })[side];
  const then = run({ ...scenario, limitMs: at })[side];
  return { before: before.status, at: then.status, error: then.error?.detail.kind };
}

const DEFAULT_SCHEDULE_S = [0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303];

test('[RFC6347-4.2.4.1-timer-initial][RFC6347-4.2.4.1-timer-double][RFC6347-4.2.4.1-timer-cap][RFC6347-4.2.4-timer-expiry] the client\'s first flight into a blackout, from the transcript: resent after 1 s, doubling, capped at 60 s, ten times, then the timeout error at 363 s', (t) => {
  const scenario = { client: PSK.client, server: PSK.server, model: { client: { loss: { kind: 'bernoulli', rate: 1 } } } satisfies NetworkModel };
  const r = run(scenario);
  const bursts = burstsOf(r.transcript, r.bytes, 'client');
  t.true(bursts.every((b) => b.flight === 1), 'only the first flight goes out');
  t.true(bursts.every((b) => b.records.length === 1), 'one datagram per transmission');
  const times = timesOf(bursts, 1);
  t.deepEqual(times, DEFAULT_SCHEDULE_S.map((s) => s * 1000));
  t.deepEqual(gaps(times), expectedGaps(1000, 60_000, 10));
  t.is(r.transcript.filter((x) => x.from === 'server').length, 0, 'the server never heard a thing');
  t.is(r.client.status, 'failed');
  t.is(r.client.error?.detail.kind, 'timeout');
  t.deepEqual(failsExactlyAt(scenario, 'client', 363_000), { before: 'handshaking', at: 'failed', error: 'timeout' });
  t.is(r.virtualMs, 363_000, 'nothing happens after the timeout');
});

test('[RFC6347-4.2.4.1-timer-initial][RFC6347-4.2.4.1-timer-double][RFC6347-4.2.4.1-timer-cap] the server blacked out (every answer lost): the client\'s ClientHello keeps the same timeline, and the stateless server answers each copy once and never on a timer', (t) => {
  const r = run({ client: PSK.client, server: PSK.server, model: { server: { blackouts: [{ startMs: 0, durationMs: 86_400_000 }] } } });
  const client = burstsOf(r.transcript, r.bytes, 'client');
  const server = burstsOf(r.transcript, r.bytes, 'server');
  t.deepEqual(timesOf(client, 1), DEFAULT_SCHEDULE_S.map((s) => s * 1000));
  t.deepEqual(timesOf(server, 2), timesOf(client, 1), 'one HelloVerifyRequest per ClientHello, at once (RFC 6347 §4.2.1: never retransmitted)');
  t.true(r.transcript.filter((x) => x.from === 'server').every((x) => x.fate === 'dropped' && x.cause === 'blackout'));
  t.is(r.client.error?.detail.kind, 'timeout');
  t.is(r.virtualMs, 363_000);
});

test('[RFC6347-4.2.4.1-timer-initial][RFC6347-4.2.4.1-timer-double][RFC6347-4.2.4.1-timer-cap] generated timer settings: the transcript shows initialTimeoutMs, doubling to maxTimeoutMs, maxRetransmissions resends, then the timeout one timer later', (t) => {
  const settings = fc
    .record({ initial: fc.integer({ min: 10, max: 3_000 }), factor: fc.integer({ min: 1, max: 200 }), retransmissions: fc.integer({ min: 0, max: 12 }) })
    .map(({ initial, factor, retransmissions }) => ({ initial, max: initial * factor, retransmissions }));
  let runs = 0;
  assertProperty(
    t,
    fc.property(settings, ({ initial, max, retransmissions }) => {
      runs++;
      const timers = { initialTimeoutMs: initial, maxTimeoutMs: max, maxRetransmissions: retransmissions };
      const scenario = { client: { ...PSK.client, ...timers }, server: PSK.server, model: { client: { loss: { kind: 'bernoulli', rate: 1 } } } satisfies NetworkModel };
      const r = run(scenario);
      const times = timesOf(burstsOf(r.transcript, r.bytes, 'client'), 1);
      const want = expectedGaps(initial, max, retransmissions);
      if (JSON.stringify(gaps(times)) !== JSON.stringify(want)) throw new Error(`gaps ${JSON.stringify(gaps(times))}, expected ${JSON.stringify(want)}`);
      const end = times[times.length - 1] + finalGap(initial, max, retransmissions);
      const at = failsExactlyAt(scenario, 'client', end);
      if (at.before !== 'handshaking' || at.at !== 'failed' || at.error !== 'timeout') throw new Error(`at ${end} ms: ${JSON.stringify(at)}`);
    }),
    60,
  );
  t.log(`${runs} generated timer settings`);
});

/** Both directions 5 ms long, so that flights sent in answer to each other are bursts of their own. */
const SHORT_DELAY: NetworkModel = { client: { delay: { baseMs: 5, jitterMs: 0 } }, server: { delay: { baseMs: 5, jitterMs: 0 } } };

test('[RFC6347-4.2.4.1-timer-initial][RFC6347-4.2.4.1-timer-double][RFC6347-4.2.4.1-timer-cap][RFC6347-4.2.4-timer-expiry] the client\'s flight 5 lost every time: the server resends flight 4 after 1 s, doubling, capped at 60 s, and times out after ten', (t) => {
  // Client datagrams: 0 the ClientHello, 1 the one with the cookie, 2 on flight 5 and its copies.
  const scenario = { client: PSK.client, server: PSK.server, model: SHORT_DELAY, script: dropFrom('client', 2) };
  const r = run(scenario);
  const server = burstsOf(r.transcript, r.bytes, 'server');
  const client = burstsOf(r.transcript, r.bytes, 'client');
  t.deepEqual(timesOf(client, 3), [10]);
  const flight4 = timesOf(server, 4);
  t.is(flight4[0], 15);
  t.deepEqual(gaps(flight4), expectedGaps(1000, 60_000, 10));
  t.true(client.filter((b) => b.flight === 5).every((b) => b.records.every((x) => x.fate === 'dropped')));
  t.is(r.server.error?.detail.kind, 'timeout');
  t.deepEqual(failsExactlyAt(scenario, 'server', 15 + 363_000), { before: 'handshaking', at: 'failed', error: 'timeout' });
  // The client answers each copy of flight 4 with flight 5 (RFC 6347 §4.2.4: WAITING, the peer's
  // previous flight read again), so it sends flight 5 at least once per copy.
  t.true(timesOf(client, 5).length >= flight4.length);
});

test('[RFC6347-4.2.4.1-timer-reset] the grown timer is kept across flights until one gets through without loss, from the transcript', (t) => {
  // Client datagrams: 0 and 1 (the ClientHello) lost, 2 (the same) through: the timer has grown
  // to 4 s. 3 is flight 3, lost: its first resend must come 4 s later, not 1 s (that flight started
  // after a lossy one). It went out once more, so flight 5 (datagram 5) starts with the timer at 8 s:
  // lose it once as well. A slow server timer (20 s) keeps the server's own resends of flight 4,
  // which would make the client resend at once, out of the measurement.
  const script: ScriptRule[] = [0, 1, 3, 5].map((datagram) => ({ from: 'client', datagram, action: { kind: 'drop' } }));
  const r = run({ client: PSK.client, server: { ...PSK.server, initialTimeoutMs: 20_000 }, model: SHORT_DELAY, script });
  const client = burstsOf(r.transcript, r.bytes, 'client');
  const flight1 = timesOf(client, 1);
  const flight3 = timesOf(client, 3);
  const flight5 = timesOf(client, 5);
  t.deepEqual(gaps(flight1), [1_000, 2_000], 'the ClientHello: 1 s, then 2 s');
  t.is(flight3[0], flight1[2] + 10, 'flight 3 follows the HelloVerifyRequest');
  t.deepEqual(gaps(flight3), [4_000], 'flight 3 started after a lossy flight: the timer is still 4 s');
  t.deepEqual(gaps(flight5), [8_000], 'flight 3 was resent: flight 5 keeps the doubled 8 s');
  t.is(r.client.status, 'established');
  t.is(r.server.status, 'established');
});

test('[RFC6347-4.2.4.1-timer-reset] once a flight got through without loss, the next starts from the initial value again', (t) => {
  // The ClientHello is lost twice (the timer grows to 4 s); flight 3 goes through at the first
  // try, kept at 4 s; flight 5 follows a lossless flight and is lost once: its resend comes after
  // 1 s. (§4.2.4.1 says the value "may be reset" then; the reference does.)
  const script: ScriptRule[] = [0, 1, 4].map((datagram) => ({ from: 'client', datagram, action: { kind: 'drop' } }));
  const r = run({ client: PSK.client, server: { ...PSK.server, initialTimeoutMs: 20_000 }, model: SHORT_DELAY, script });
  const client = burstsOf(r.transcript, r.bytes, 'client');
  t.deepEqual(gaps(timesOf(client, 1)), [1_000, 2_000]);
  t.is(timesOf(client, 3).length, 1, 'flight 3 went through at once');
  const flight5 = gaps(timesOf(client, 5));
  t.deepEqual(flight5, [1_000]);
  t.true(flight5[0] <= 4_000, 'never more than the value kept from the lossy flight');
  t.is(r.client.status, 'established');
});

test('[RFC6347-4.2.4.1-timer-initial][RFC6347-4.2.4.1-timer-double][RFC6347-4.2.4.1-timer-cap] through the Gio-shaped API on simulated time: a client whose every answer is lost resends on the RFC timeline and handshake() fails with G_IO_ERROR_TIMED_OUT at 363 s', async (t) => {
  const sim = await apiSim({ model: { server: { loss: { kind: 'bernoulli', rate: 1 } } }, keepBytes: true });
  const hs = track(sim.scheduler, sim.client.handshake());
  const server = track(sim.scheduler, sim.server.handshake());
  t.true(await driveUntil(sim.scheduler, () => hs.settled, 3_600_000));
  t.false(hs.ok);
  t.true(hs.error instanceof GioError && hs.error.codeName === 'G_IO_ERROR_TIMED_OUT', String(hs.error));
  t.is(hs.settledAt, 363_000);
  const client = burstsOf(sim.link.transcript, sim.link.bytes, 'client');
  t.deepEqual(timesOf(client, 1), DEFAULT_SCHEDULE_S.map((s) => s * 1000));
  t.false(server.settled, 'the server, which never got a cookie back, still waits for a client');
  await sim.client.close();
  await sim.server.close();
});

test('[RFC6347-4.2.4.1-timer-double][RFC6347-4.2.4.1-timer-cap][RFC6347-4.2.4-timer-expiry] through the API with configured timers: the server\'s flight 4 on its own timeline when flight 5 never arrives, and its handshake() fails with TIMED_OUT after the budget', async (t) => {
  const timers = { initialTimeoutMs: 200, maxTimeoutMs: 1_600, maxRetransmissions: 6 };
  const sim = await apiSim({ model: SHORT_DELAY, script: dropFrom('client', 2), engine: timers, keepBytes: true });
  const hc = track(sim.scheduler, sim.client.handshake());
  const hs = track(sim.scheduler, sim.server.handshake());
  t.true(await driveUntil(sim.scheduler, () => hs.settled && hc.settled, 3_600_000));
  const flight4 = timesOf(burstsOf(sim.link.transcript, sim.link.bytes, 'server'), 4);
  t.is(flight4[0], 15);
  t.deepEqual(gaps(flight4), [200, 400, 800, 1_600, 1_600, 1_600]);
  t.false(hs.ok);
  t.true(hs.error instanceof GioError && hs.error.codeName === 'G_IO_ERROR_TIMED_OUT', String(hs.error));
  t.is(hs.settledAt, flight4[flight4.length - 1] + 1_600);
  t.false(hc.ok, 'the client, its flight 5 never answered, times out as well');
  await sim.client.close();
  await sim.server.close();
});

test('[RFC6347-4.2.4-waiting-read-retransmit][RFC6347-4.2.4.1-timer-double] a repeat of the flight still being reassembled is not the peer\'s previous flight: with flight 4 always cut short, the client resends flight 3 on its own timer only, and both sides give up within their budgets', async (t) => {
  // Regression (found by close.property.test.ts): every server datagram over 1000 bytes is cut, so
  // the ServerHello arrives whole and the Certificate never does. The client used to take each
  // repeated ServerHello for a retransmitted previous flight and resend flight 3 at once; the
  // server took that (rightly) as its cue to resend flight 4; each resend re-armed the other
  // side's timer, so neither budget ran down: about 25,000 datagrams and 47 minutes of virtual
  // time before the handshake ended (or past the hour, for other seeds).
  const { credentials } = await testPki('P-256');
  const suites = [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
  const r = run({
    client: { cipherSuites: suites },
    server: { cipherSuites: suites, certificate: credentials },
    model: { client: { delay: { baseMs: 5, jitterMs: 0 } }, server: { delay: { baseMs: 5, jitterMs: 0 }, mtu: { size: 1_000, action: 'truncate' } } },
  });
  const client = burstsOf(r.transcript, r.bytes, 'client');
  const server = burstsOf(r.transcript, r.bytes, 'server');
  t.true(r.transcript.some((x) => x.from === 'server' && x.fate === 'truncated'), 'the scenario cuts flight 4');
  const flight3 = timesOf(client, 3);
  t.deepEqual(gaps(flight3), expectedGaps(1000, 60_000, 10), 'flight 3 on its timer alone');
  t.is(r.client.error?.detail.kind, 'timeout');
  t.is(r.server.error?.detail.kind, 'timeout');
  t.true(timesOf(server, 4).length <= 2 * flight3.length + 1, `flight 4 went out ${timesOf(server, 4).length} times for ${flight3.length} flight 3s`);
  t.true(r.virtualMs < flight3[0] + 2 * 363_000, `the handshake ended at ${r.virtualMs} ms`);
});
