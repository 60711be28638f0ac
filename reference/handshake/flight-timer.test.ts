/**
 * The RFC 6347 §4.2.4 machine on a fake clock: time is a number the test advances by hand.
 */
import test from 'ava';
import { FlightTimer, type FlightKind, type TimeoutOutcome } from './flight-timer.ts';

const FLIGHT: FlightKind = { retransmittable: true, final: false };
const FINAL: FlightKind = { retransmittable: true, final: true };
const HELLO_VERIFY_REQUEST: FlightKind = { retransmittable: false, final: false };

const SECOND = 1_000;

/** Expires the timer exactly at each deadline until it times out; returns the waits between sends. */
function runToTimeout(timer: FlightTimer<string>, sentAt: number): { waits: number[]; last: TimeoutOutcome<string> } {
  const waits: number[] = [];
  let previous = sentAt;
  for (;;) {
    const deadline = timer.nextTimeout();
    if (deadline === undefined) throw new Error('the timer stopped without reporting a timeout');
    waits.push(deadline - previous);
    previous = deadline;
    const outcome = timer.handleTimeout(deadline);
    if (outcome.kind !== 'retransmit') return { waits, last: outcome };
  }
}

test('[RFC6347-4.2.4.1-timer-initial] [RFC6347-4.2.4.1-timer-double] [RFC6347-4.2.4.1-timer-cap] deadlines 1, 2, 4, 8, 16, 32, 60, 60 s, then a timeout after maxRetransmissions', (t) => {
  const timer = new FlightTimer<string>({ maxRetransmissions: 10 });
  t.is(timer.state, 'preparing');
  t.deepEqual(timer.send(['ClientHello'], FLIGHT, 0), ['ClientHello']);
  t.is(timer.state, 'waiting');
  t.is(timer.nextTimeout(), 1 * SECOND);

  const { waits, last } = runToTimeout(timer, 0);
  t.deepEqual(
    waits.map((ms) => ms / SECOND),
    [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60],
    'ten retransmissions, then one more wait for an answer to the last one',
  );
  t.deepEqual(last, { kind: 'timeout', retransmissions: 10 });
  t.is(timer.state, 'timed-out');
  t.is(timer.nextTimeout(), undefined);
  t.deepEqual(timer.handleTimeout(10_000 * SECOND), { kind: 'none' });
});

test('[RFC6347-4.2.4-timer-expiry] every timer retransmission resends the whole flight', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['Certificate', 'ClientKeyExchange', 'ChangeCipherSpec', 'Finished'], FLIGHT, 0);
  const outcome = timer.handleTimeout(1 * SECOND);
  t.deepEqual(outcome, { kind: 'retransmit', flight: ['Certificate', 'ClientKeyExchange', 'ChangeCipherSpec', 'Finished'] });
  t.is(timer.retransmissions, 1);
  t.is(timer.currentTimeoutMs, 2 * SECOND);
  t.is(timer.state, 'waiting');
});

test('[RFC6347-4.2.4.1-timer-cap] a configured initial value and cap: 0.5, 1, 2, 4, 4 s', (t) => {
  const timer = new FlightTimer<string>({ initialTimeoutMs: 500, maxTimeoutMs: 4_000, maxRetransmissions: 4 });
  timer.send(['ClientHello'], FLIGHT, 100);
  const { waits, last } = runToTimeout(timer, 100);
  t.deepEqual(waits, [500, 1_000, 2_000, 4_000, 4_000]);
  t.deepEqual(last, { kind: 'timeout', retransmissions: 4 });
});

test('[RFC6347-4.2.4-timer-expiry] maxRetransmissions 0: the first expiry is the timeout', (t) => {
  const timer = new FlightTimer<string>({ maxRetransmissions: 0 });
  timer.send(['ClientHello'], FLIGHT, 0);
  t.deepEqual(timer.handleTimeout(1 * SECOND), { kind: 'timeout', retransmissions: 0 });
  t.is(timer.state, 'timed-out');
});

test('[RFC6347-4.2.4-timer-expiry] handleTimeout before the deadline does nothing', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['ClientHello'], FLIGHT, 5_000);
  t.deepEqual(timer.handleTimeout(5_000), { kind: 'none' });
  t.deepEqual(timer.handleTimeout(5_999), { kind: 'none' });
  t.is(timer.nextTimeout(), 6_000);
  t.is(timer.retransmissions, 0);
  t.is(timer.currentTimeoutMs, 1 * SECOND);
  t.is(timer.handleTimeout(6_000).kind, 'retransmit');
});

test('[RFC6347-4.2.4-timer-expiry] a late handleTimeout retransmits once and counts the next timeout from now', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['ClientHello'], FLIGHT, 0);
  t.is(timer.handleTimeout(30 * SECOND).kind, 'retransmit');
  t.is(timer.retransmissions, 1);
  t.is(timer.nextTimeout(), 32 * SECOND);
  t.deepEqual(timer.handleTimeout(31 * SECOND), { kind: 'none' });
});

test('[RFC6347-4.2.4.1-timer-reset] after a lossy flight the grown timer value is kept for the next flight', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['ClientHello'], FLIGHT, 0);
  timer.handleTimeout(1 * SECOND);
  timer.handleTimeout(3 * SECOND);
  timer.handleTimeout(7 * SECOND);
  t.is(timer.currentTimeoutMs, 8 * SECOND);

  timer.onPeerFlight(); // HelloVerifyRequest: new input
  t.is(timer.state, 'preparing');
  t.is(timer.nextTimeout(), undefined, 'the timer stops');
  t.is(timer.currentTimeoutMs, 8 * SECOND, 'kept: that flight needed retransmissions');
  t.deepEqual(timer.handleTimeout(100 * SECOND), { kind: 'none' }, 'nothing to resend while preparing');

  timer.send(['ClientHello (with cookie)'], FLIGHT, 9 * SECOND);
  t.is(timer.nextTimeout(), 17 * SECOND);
  t.is(timer.retransmissions, 0);
});

test('[RFC6347-4.2.4.1-timer-reset] after a flight that got through without loss the timer goes back to 1 s', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['ClientHello'], FLIGHT, 0);
  timer.handleTimeout(1 * SECOND);
  t.is(timer.currentTimeoutMs, 2 * SECOND);
  timer.send(['ClientHello (with cookie)'], FLIGHT, 2 * SECOND); // kept: the first flight was lost once
  t.is(timer.nextTimeout(), 4 * SECOND);
  timer.send(['Certificate', 'ClientKeyExchange', 'Finished'], FLIGHT, 3 * SECOND); // the last one went through
  t.is(timer.currentTimeoutMs, 1 * SECOND);
  t.is(timer.nextTimeout(), 4 * SECOND);
});

test('[RFC6347-4.2.4.1-timer-reset] a retransmission from the peer is not new input: the timer value is kept', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['ServerHello', 'ServerHelloDone'], FLIGHT, 0);
  timer.handleTimeout(1 * SECOND);
  timer.handleTimeout(3 * SECOND);
  t.is(timer.currentTimeoutMs, 4 * SECOND);
  timer.onPeerRetransmission(4 * SECOND);
  t.is(timer.currentTimeoutMs, 4 * SECOND);
  t.is(timer.nextTimeout(), 8 * SECOND);
});

test('[RFC6347-4.2.4-waiting-read-retransmit] in WAITING, a retransmitted peer flight resends ours now and restarts the timer', (t) => {
  const timer = new FlightTimer<string>({ maxRetransmissions: 1 });
  timer.send(['ServerHello', 'ServerHelloDone'], FLIGHT, 0);
  const outcome = timer.onPeerRetransmission(400);
  t.deepEqual(outcome, { kind: 'retransmit', flight: ['ServerHello', 'ServerHelloDone'] });
  t.is(timer.state, 'waiting');
  t.is(timer.nextTimeout(), 1_400, 'restarted at its current value, not doubled');
  t.is(timer.currentTimeoutMs, 1 * SECOND);
  t.is(timer.retransmissions, 0, 'only timer retransmissions count against maxRetransmissions');
  t.deepEqual(timer.handleTimeout(1_000), { kind: 'none' }, 'the old deadline no longer applies');
  t.is(timer.handleTimeout(1_400).kind, 'retransmit');
  t.is(timer.handleTimeout(3_400).kind, 'timeout');
});

test('[RFC6347-3.2.1-hvr-no-retransmit] a HelloVerifyRequest flight is sent once and never retransmitted', (t) => {
  const timer = new FlightTimer<string>({ startIn: 'waiting' });
  t.deepEqual(timer.send(['HelloVerifyRequest'], HELLO_VERIFY_REQUEST, 0), ['HelloVerifyRequest']);
  t.is(timer.state, 'waiting');
  t.is(timer.nextTimeout(), undefined, 'no deadline');
  t.deepEqual(timer.handleTimeout(0), { kind: 'none' });
  t.deepEqual(timer.handleTimeout(1_000 * SECOND), { kind: 'none' });
  t.deepEqual(timer.onPeerRetransmission(2 * SECOND), { kind: 'none' }, 'a repeated ClientHello gets a fresh answer, not a resend');
});

test('[RFC6347-4.2.4-server-starts-waiting] a server starts in WAITING with no flight and no timer', (t) => {
  const timer = new FlightTimer<string>({ startIn: 'waiting' });
  t.is(timer.state, 'waiting');
  t.is(timer.nextTimeout(), undefined);
  t.deepEqual(timer.onPeerRetransmission(0), { kind: 'none' });
  t.deepEqual(timer.handleTimeout(10 * SECOND), { kind: 'none' });
  timer.onPeerFlight();
  t.is(timer.state, 'preparing');
});

test('[RFC6347-4.2.4-final-flight-resend] the final flight is resent once per duplicate of the peer\'s last flight, never on a timer', (t) => {
  const timer = new FlightTimer<string>({ startIn: 'waiting' });
  timer.onPeerFlight(); // the client's flight 5
  t.deepEqual(timer.send(['ChangeCipherSpec', 'Finished'], FINAL, 10 * SECOND), ['ChangeCipherSpec', 'Finished']);
  t.is(timer.state, 'finished');
  t.is(timer.nextTimeout(), undefined, 'no timer in FINISHED');
  t.deepEqual(timer.handleTimeout(10 * SECOND), { kind: 'none' });
  t.deepEqual(timer.handleTimeout(1_000 * SECOND), { kind: 'none' });

  for (const at of [11, 13, 17]) {
    t.deepEqual(timer.onPeerRetransmission(at * SECOND), { kind: 'retransmit', flight: ['ChangeCipherSpec', 'Finished'] });
    t.is(timer.state, 'finished');
    t.is(timer.nextTimeout(), undefined);
  }
});

test('[RFC6347-4.2.4-final-flight-resend] the side that receives the final flight has nothing to resend', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['Certificate', 'ClientKeyExchange', 'ChangeCipherSpec', 'Finished'], FLIGHT, 0);
  timer.handleTimeout(1 * SECOND);
  timer.onPeerFinalFlight();
  t.is(timer.state, 'finished');
  t.is(timer.nextTimeout(), undefined);
  t.is(timer.currentTimeoutMs, 2 * SECOND, 'kept: our last flight needed a retransmission (§4.2.4.1)');
  t.deepEqual(timer.onPeerRetransmission(5 * SECOND), { kind: 'none' });
});

test('[RFC6347-4.2.4-rehandshake] a new flight from FINISHED replaces the final flight and starts the timer', (t) => {
  const timer = new FlightTimer<string>();
  timer.send(['ChangeCipherSpec', 'Finished'], FINAL, 0);
  timer.send(['HelloRequest'], FLIGHT, 100 * SECOND);
  t.is(timer.state, 'waiting');
  t.is(timer.nextTimeout(), 101 * SECOND);
  t.deepEqual(timer.handleTimeout(101 * SECOND), { kind: 'retransmit', flight: ['HelloRequest'] });
});

test('[RFC6347-4.2.4-preparing] a new flight resets the retransmission count and replaces what is resent', (t) => {
  const timer = new FlightTimer<string>({ maxRetransmissions: 2 });
  timer.send(['ClientHello'], FLIGHT, 0);
  timer.handleTimeout(1 * SECOND);
  timer.handleTimeout(3 * SECOND);
  timer.onPeerFlight();
  timer.send(['ClientHello (with cookie)'], FLIGHT, 4 * SECOND);
  t.is(timer.retransmissions, 0);
  t.deepEqual(timer.handleTimeout(5 * SECOND), { kind: 'none' }, 'the grown 4 s value is kept after a lossy flight');
  t.deepEqual(timer.handleTimeout(8 * SECOND), { kind: 'retransmit', flight: ['ClientHello (with cookie)'] });
});

test('the send result and the retransmitted flight are copies: the caller cannot change what is resent', (t) => {
  const timer = new FlightTimer<string>();
  const flight = ['ClientHello'];
  timer.send(flight, FLIGHT, 0);
  flight.push('junk');
  t.deepEqual(timer.handleTimeout(1 * SECOND), { kind: 'retransmit', flight: ['ClientHello'] });
});

test('timed-out is terminal: late input changes nothing, and a new flight is refused', (t) => {
  const timer = new FlightTimer<string>({ maxRetransmissions: 0 });
  timer.send(['ClientHello'], FLIGHT, 0);
  timer.handleTimeout(1 * SECOND);
  timer.onPeerFlight();
  timer.onPeerFinalFlight();
  t.is(timer.state, 'timed-out');
  t.deepEqual(timer.onPeerRetransmission(2 * SECOND), { kind: 'none' });
  t.throws(() => timer.send(['ClientHello'], FLIGHT, 3 * SECOND), { message: /timed out/ });
});

test('options are checked at the boundary with exact messages', (t) => {
  t.throws(() => new FlightTimer<string>({ initialTimeoutMs: 0 }), { instanceOf: RangeError, message: 'initialTimeoutMs must be a positive number of ms, got 0' });
  t.throws(() => new FlightTimer<string>({ maxTimeoutMs: Number.NaN }), { instanceOf: RangeError, message: 'maxTimeoutMs must be a positive number of ms, got NaN' });
  t.throws(() => new FlightTimer<string>({ initialTimeoutMs: 2_000, maxTimeoutMs: 1_000 }), {
    instanceOf: RangeError,
    message: 'maxTimeoutMs (1000) is below initialTimeoutMs (2000)',
  });
  t.throws(() => new FlightTimer<string>({ maxRetransmissions: 1.5 }), {
    instanceOf: RangeError,
    message: 'maxRetransmissions must be a non-negative integer, got 1.5',
  });
  t.throws(() => new FlightTimer<string>().send([], FLIGHT, 0), { instanceOf: RangeError, message: 'FlightTimer.send: a flight holds at least one item' });
});
