/**
 * Property (c) of issue 6: close and shutdown behave as the seed says (seed/gio-dtls-connection.txt,
 * "close" and "shutdown") whatever the network loses, duplicates, reorders, delays or corrupts.
 * The Gio-shaped client and server run over api-sim.ts's simulated link on virtual time; fast-check
 * draws the network (harness/net/arbitraries.ts), which side closes, how, and what data goes first.
 *
 * Replay a failure with the FC_SEED (and FC_PATH) it logs: `FC_SEED=<n> FC_PATH=<p> npx ava harness/net/close.property.test.ts`;
 * DTLSPROBE_DEBUG_CLOSE=1 prints each generated case, its wall time and its verdict on stderr.
 *
 * What each property checks, and the seed lines it comes from:
 * - close completes, on virtual time, however much is lost. Seed: "It then sends a close_notify DTLS
 *   alert to the peer and may wait for a close_notify to be received from the peer": may wait, but
 *   must not hang on a peer whose answer is lost (as reference/api/close.test.ts checks with a cut link).
 * - "Once conn is closed, all other operations will return IOErrorEnum.CLOSED." and "Closing a
 *   DtlsConnection multiple times will not return an error."
 * - shutdown: "If shutdown_write is True then the sending side of the connection is shut down, and
 *   further writing is disallowed. Subsequent calls to DatagramBased.send_messages will return
 *   IOErrorEnum.CLOSED." / the same for shutdown_read and receive_messages, and "It is allowed for
 *   both shutdown_read and shutdown_write to be TRUE — this is equivalent to calling
 *   DtlsConnection.close."
 * - the peer's end: close_notify "will show up as a 0-length read" (set_require_close_notify; close.test.ts
 *   checks the peer reads a 0-length datagram after our close). Under loss, the close_notify arrives or
 *   it does not: when a copy gets through intact, the peer's receive ends with the 0-length read (and
 *   stays ended); when none does, the peer sees no end, its receive runs to its own timeout, and it can
 *   still send.
 * - "Closing a DtlsConnection waits for all buffered but untransmitted data to be sent before it
 *   completes. It then sends a close_notify": data sent before close goes out before the close_notify;
 *   at the peer, each such datagram arrives intact or not at all, never twice, never after the end;
 *   and one the network delivered intact before the close_notify is read.
 * - close during the handshake: the pending handshake fails with CLOSED and nothing but the
 *   close_notify goes out afterwards (close.test.ts: "stops retransmitting"); the peer's handshake
 *   still ends (completes or times out), never hangs.
 */
import test, { type ExecutionContext } from 'ava';
import * as fc from 'fast-check';
import type { OutputMessage } from '../../reference/api/datagram-based.ts';
import type { DtlsConnection } from '../../reference/api/connection.ts';
import { IOCondition } from '../../reference/api/enums.ts';
import { GioError } from '../../reference/api/errors.ts';
import { RecordType, recordHeaders } from '../../testkit/api-io.ts';
import { apiCredentials } from '../../testkit/api.ts';
import { propertySeed } from '../../testkit/property.ts';
import { type ApiSim, type Tracked, apiSim, driveUntil, track } from './api-sim.ts';
import { networkArb } from './arbitraries.ts';
import type { LinkRecord } from './link.ts';
import { type NetworkModel, type Side, describePath, otherSide } from './model.ts';

/** Generated cases run by this file. */
const RUNS = { afterHandshake: 160, duringHandshake: 60 };

/** How long the peer waits for more data or the end, in virtual ms: far past every delay and hold of the model. */
const PEER_READ_TIMEOUT_MS = 30_000;
/** The most virtual time a handshake may take: ten retransmissions (about 6 minutes) and room to spare. */
const HANDSHAKE_LIMIT_MS = 3_600_000;

type CloseOp = 'close' | 'shutdown-both' | 'shutdown-write' | 'shutdown-read';

interface CloseCase {
  readonly network: NetworkModel;
  readonly seed: number;
  readonly closer: Side;
  readonly op: CloseOp;
  /** Application datagrams the closer sends just before closing. */
  readonly before: number;
  /** Application datagrams the peer sends once the closer has closed (or shut a direction). */
  readonly after: number;
}

interface DuringCase {
  readonly network: NetworkModel;
  readonly seed: number;
  readonly closer: Side;
  /** Virtual ms after the handshake starts at which the closer calls close(). */
  readonly closeAtMs: number;
}

const closeCaseArb: fc.Arbitrary<CloseCase> = fc.record({
  network: networkArb(),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  closer: fc.constantFrom<Side>('client', 'server'),
  op: fc.constantFrom<CloseOp>('close', 'shutdown-both', 'shutdown-write', 'shutdown-read'),
  before: fc.integer({ min: 0, max: 5 }),
  after: fc.integer({ min: 0, max: 3 }),
});

const duringCaseArb: fc.Arbitrary<DuringCase> = fc.record({
  network: networkArb(),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  closer: fc.constantFrom<Side>('client', 'server'),
  closeAtMs: fc.integer({ min: 0, max: 8_000 }),
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const payload = (side: Side, i: number): string => `${side} datagram ${i} ${'#'.repeat(i * 7)}`;
const out = (s: string): OutputMessage => ({ vectors: [encoder.encode(s)] });

/** A property's verdict: undefined when it holds, else what broke. */
class Broken extends Error {
  override readonly name = 'Broken';
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Broken(what);
}

const codeOf = (e: unknown): string => (e instanceof GioError ? e.codeName : `not a GioError: ${String(e)}`);

async function expectCode(sim: ApiSim, p: Promise<unknown>, code: string, what: string): Promise<void> {
  const r = track(sim.scheduler, p);
  await driveUntil(sim.scheduler, () => r.settled, 60_000);
  expect(r.settled, `${what}: still pending after 60 s of virtual time (expected ${code})`);
  expect(!r.ok, `${what}: succeeded (expected ${code})`);
  expect(codeOf(r.error) === code, `${what}: failed with ${codeOf(r.error)} (expected ${code})`);
}

/** Runs `fn` to completion on virtual time; fails if it does not finish within `limitMs`. */
async function drive<T>(sim: ApiSim, p: Promise<T>, limitMs: number, what: string): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  const r = track(sim.scheduler, p);
  await driveUntil(sim.scheduler, () => r.settled, limitMs);
  expect(r.settled, `${what}: did not complete within ${limitMs} ms of virtual time (it hangs)`);
  return r.ok ? { ok: true, value: r.value as T } : { ok: false, error: r.error };
}

/** Seed: "Once conn is closed, all other operations will return IOErrorEnum.CLOSED." */
async function expectClosed(sim: ApiSim, conn: DtlsConnection, who: string): Promise<void> {
  await expectCode(sim, conn.sendMessages([out('after close')]), 'G_IO_ERROR_CLOSED', `${who}.sendMessages after close`);
  await expectCode(sim, conn.receiveMessages(1), 'G_IO_ERROR_CLOSED', `${who}.receiveMessages after close`);
  await expectCode(sim, conn.receiveMessages(1, { timeoutMs: 0 }), 'G_IO_ERROR_CLOSED', `${who}.receiveMessages(timeout 0) after close`);
  await expectCode(sim, conn.handshake(), 'G_IO_ERROR_CLOSED', `${who}.handshake after close`);
  await expectCode(sim, conn.conditionWait(IOCondition.IN), 'G_IO_ERROR_CLOSED', `${who}.conditionWait after close`);
  expect(conn.conditionCheck(IOCondition.IN | IOCondition.OUT) === 0, `${who}.conditionCheck after close reports readiness`);
  // "Closing a DtlsConnection multiple times will not return an error."
  const again = await drive(sim, conn.close(), 60_000, `${who}.close() again`);
  expect(again.ok, `${who}.close() again failed: ${again.ok ? '' : codeOf(again.error)}`);
}

/** What a reader saw: the datagrams, then how its reading ended. */
interface ReadLog {
  readonly data: string[];
  end: 'eos' | 'timed-out' | { error: string };
  /** Virtual time of the end. */
  endAt: number;
}

/** Reads until the 0-length end, its own timeout, or an error. */
async function readAll(sim: ApiSim, conn: DtlsConnection): Promise<ReadLog> {
  const log: ReadLog = { data: [], end: 'timed-out', endAt: 0 };
  for (;;) {
    let got;
    try {
      got = await conn.receiveMessages(8, { timeoutMs: PEER_READ_TIMEOUT_MS });
    } catch (e) {
      log.end = codeOf(e) === 'G_IO_ERROR_TIMED_OUT' ? 'timed-out' : { error: codeOf(e) };
      log.endAt = sim.scheduler.now();
      return log;
    }
    for (const m of got) {
      if (m.data.length === 0) {
        log.end = 'eos';
        log.endAt = sim.scheduler.now();
        return log;
      }
      log.data.push(decoder.decode(m.data));
    }
  }
}

/** The datagrams `from` sent at or after `since` whose records include one of `type`. */
function sentWith(sim: ApiSim, from: Side, type: number, since: number): LinkRecord[] {
  return sim.link.transcript.filter((r) => r.from === from && r.sentAt >= since && recordHeaders(sim.link.bytes[r.n]).some((h) => h.type === type));
}

/** When an intact copy of the record first reached the other side, if ever. */
const firstIntact = (r: LinkRecord): number | undefined => {
  const times = r.deliveries.filter((d) => !d.altered).map((d) => d.at);
  return times.length === 0 ? undefined : Math.min(...times);
};

function describe(c: { network: NetworkModel; seed: number }): string {
  return `client→server: ${describePath(c.network.client)}; server→client: ${describePath(c.network.server)}; link seed ${c.seed}`;
}

/**
 * A handshake promise has ended, or it is a server's that still waits for a client which gave up
 * before the server kept any state (a stateless HelloVerifyRequest holds none): like accept() on a
 * socket nobody connects to, with nothing left on the clock, which is not a hang.
 */
function handshakeOver(sim: ApiSim, side: Side, h: Tracked<void>, peer: Tracked<void>): boolean {
  if (h.settled) return true;
  return side === 'server' && peer.settled && sim.scheduler.pending === 0;
}

/** Both handshakes, to their end; the property needs them over before it closes. */
async function handshakeBoth(sim: ApiSim): Promise<{ client: boolean; server: boolean }> {
  const hc = track(sim.scheduler, sim.client.handshake());
  const hs = track(sim.scheduler, sim.server.handshake());
  await driveUntil(sim.scheduler, () => hc.settled && hs.settled, HANDSHAKE_LIMIT_MS);
  expect(handshakeOver(sim, 'client', hc, hs) && handshakeOver(sim, 'server', hs, hc), `the handshake hangs: client ${hc.settled ? 'done' : 'pending'}, server ${hs.settled ? 'done' : 'pending'}`);
  return { client: hc.ok, server: hs.ok };
}

let credentials: Awaited<ReturnType<typeof apiCredentials>> | undefined;
const newSim = async (c: { network: NetworkModel; seed: number }): Promise<ApiSim> =>
  apiSim({ model: c.network, seed: c.seed, endpointSeed: `close ${c.seed}`, keepBytes: true, credentials: (credentials ??= await apiCredentials()) });

async function closeAfterHandshake(c: CloseCase): Promise<void> {
  const sim = await newSim(c);
  const conns: Record<Side, DtlsConnection> = { client: sim.client, server: sim.server };
  const closer = conns[c.closer];
  const peerSide = otherSide(c.closer);
  const peer = conns[peerSide];
  const established = await handshakeBoth(sim);

  if (!established.client || !established.server) {
    // The network let the handshake fail on at least one side: closing still completes, and then
    // everything fails with CLOSED, on both sides.
    for (const side of [c.closer, peerSide]) {
      const closed = await drive(sim, conns[side].close(), 60_000, `${side}.close() after a failed handshake`);
      expect(closed.ok, `${side}.close() after a failed handshake failed: ${closed.ok ? '' : codeOf(closed.error)}`);
      await expectClosed(sim, conns[side], side);
    }
    return;
  }

  // The closer's last words, then the close or shutdown.
  const sent: string[] = [];
  const dataSince = sim.scheduler.now();
  for (let i = 0; i < c.before; i++) {
    const text = payload(c.closer, i);
    const r = await drive(sim, closer.sendMessages([out(text)]), 1_000, `${c.closer}.sendMessages before close`);
    expect(r.ok, `${c.closer}.sendMessages before close failed: ${r.ok ? '' : codeOf(r.error)}`);
    sent.push(text);
  }
  const closedAt = sim.scheduler.now();
  const shutsWrite = c.op !== 'shutdown-read';
  const shutsRead = c.op !== 'shutdown-write';
  const op = c.op === 'close' ? closer.close() : closer.shutdown(shutsRead, shutsWrite);
  const done = await drive(sim, op, 60_000, `${c.closer} ${c.op}`);
  expect(done.ok, `${c.closer} ${c.op} failed: ${done.ok ? '' : codeOf(done.error)}`);

  // On the wire: every datagram of data before the close_notify, and one close_notify, only when the write side was shut.
  const data = sentWith(sim, c.closer, RecordType.application_data, dataSince);
  const alerts = sentWith(sim, c.closer, RecordType.alert, closedAt);
  expect(data.length === c.before, `${c.closer} put ${data.length} application datagrams on the wire for ${c.before} sent`);
  expect(alerts.length === (shutsWrite ? 1 : 0), `${c.closer} sent ${alerts.length} alert(s) for ${c.op} (expected ${shutsWrite ? 1 : 0})`);
  if (shutsWrite) expect(data.every((d) => d.n < alerts[0].n), `${c.closer} sent data after its close_notify`);

  // The closer's own side, as the seed says.
  if (shutsWrite) await expectCode(sim, closer.sendMessages([out('late')]), 'G_IO_ERROR_CLOSED', `${c.closer}.sendMessages after ${c.op}`);
  if (shutsRead) await expectCode(sim, closer.receiveMessages(1, { timeoutMs: 0 }), 'G_IO_ERROR_CLOSED', `${c.closer}.receiveMessages after ${c.op}`);
  if (shutsRead && shutsWrite) await expectClosed(sim, closer, c.closer);

  // The peer's side: the data, then the end if the close_notify got through intact, else its own timeout.
  const reading = readAll(sim, peer);
  const log = await drive(sim, reading, 2 * PEER_READ_TIMEOUT_MS + 60_000, `${peerSide} reading after the ${c.op}`);
  expect(log.ok, `${peerSide}'s reader threw: ${log.ok ? '' : String(log.error)}`);
  if (!log.ok) return;
  const read = log.value;
  const notifyAt = alerts.length === 1 ? firstIntact(alerts[0]) : undefined;
  if (typeof read.end !== 'string') throw new Broken(`${peerSide}'s receive failed with ${read.end.error}: expected data, the 0-length end or its own timeout`);
  if (notifyAt !== undefined) expect(read.end === 'eos', `the close_notify reached ${peerSide} intact at ${notifyAt} ms but its receive ended with ${read.end}, not the 0-length read`);
  else expect(read.end === 'timed-out', `no close_notify reached ${peerSide} intact, yet its receive ended with ${read.end}`);

  // Each datagram intact or not at all, never twice, never after the end; and one that the network delivered intact before the end is read.
  const seen = new Set<string>();
  for (const text of read.data) {
    expect(sent.includes(text), `${peerSide} read a datagram ${JSON.stringify(text.slice(0, 40))} that ${c.closer} never sent (altered?)`);
    expect(!seen.has(text), `${peerSide} read ${JSON.stringify(text.slice(0, 40))} twice`);
    seen.add(text);
  }
  data.forEach((record, i) => {
    const at = firstIntact(record);
    if (at !== undefined && (notifyAt === undefined || at < notifyAt)) {
      expect(seen.has(sent[i]), `${JSON.stringify(sent[i].slice(0, 40))} reached ${peerSide} intact at ${at} ms, before the end, but was never read`);
    }
    if (at === undefined) expect(!seen.has(sent[i]), `${peerSide} read ${JSON.stringify(sent[i].slice(0, 40))}, which never arrived intact`);
    if (notifyAt !== undefined && at !== undefined && at > notifyAt) {
      expect(!seen.has(sent[i]), `${peerSide} read ${JSON.stringify(sent[i].slice(0, 40))}, which first arrived at ${at} ms, after the close_notify at ${notifyAt} ms`);
    }
  });

  if (read.end === 'eos') {
    // The end stays the end.
    const again = await drive(sim, peer.receiveMessages(1, { timeoutMs: 1_000 }), 60_000, `${peerSide}.receiveMessages after the end`);
    expect(again.ok && again.value.length === 1 && again.value[0].data.length === 0, `after the 0-length read, ${peerSide}'s next receive did not end again`);
  }

  // The other direction: after shutdown(write) alone the closer still reads what the peer sends;
  // the peer can send whether or not it saw the end (DTLS has no half-close handshake).
  const peerSent: string[] = [];
  const peerDataSince = sim.scheduler.now();
  for (let i = 0; i < c.after; i++) {
    const text = payload(peerSide, i);
    const r = await drive(sim, peer.sendMessages([out(text)]), 1_000, `${peerSide}.sendMessages after the ${c.op}`);
    expect(r.ok, `${peerSide}.sendMessages after ${c.closer}'s ${c.op} failed: ${r.ok ? '' : codeOf(r.error)}`);
    peerSent.push(text);
  }
  if (!shutsRead) {
    const back = await drive(sim, readAll(sim, closer), 2 * PEER_READ_TIMEOUT_MS + 60_000, `${c.closer} reading after its ${c.op}`);
    expect(back.ok, `${c.closer}'s reader threw`);
    if (!back.ok) return;
    const backLog = back.value;
    expect(backLog.end === 'timed-out', `${c.closer}, its read side open, ended reading with ${JSON.stringify(backLog.end)} though ${peerSide} never closed`);
    const backSeen = new Set<string>();
    for (const text of backLog.data) {
      expect(peerSent.includes(text), `${c.closer} read ${JSON.stringify(text.slice(0, 40))}, which ${peerSide} never sent`);
      expect(!backSeen.has(text), `${c.closer} read ${JSON.stringify(text.slice(0, 40))} twice`);
      backSeen.add(text);
    }
    sentWith(sim, peerSide, RecordType.application_data, peerDataSince).forEach((record, i) => {
      if (firstIntact(record) !== undefined) expect(backSeen.has(peerSent[i]), `${JSON.stringify(peerSent[i].slice(0, 40))} reached ${c.closer} intact but was never read after its ${c.op}`);
    });
  }

  // Closing both in the end always completes.
  for (const side of [c.closer, peerSide]) {
    const closed = await drive(sim, conns[side].close(), 60_000, `${side}.close() at the end`);
    expect(closed.ok, `${side}.close() at the end failed`);
  }
}

async function closeDuringHandshake(c: DuringCase): Promise<void> {
  const sim = await newSim(c);
  const conns: Record<Side, DtlsConnection> = { client: sim.client, server: sim.server };
  const closer = conns[c.closer];
  const peerSide = otherSide(c.closer);
  const hs: Record<Side, Tracked<void>> = {
    client: track(sim.scheduler, sim.client.handshake()),
    server: track(sim.scheduler, sim.server.handshake()),
  };
  await driveUntil(sim.scheduler, () => sim.scheduler.now() >= c.closeAtMs || (hs.client.settled && hs.server.settled), c.closeAtMs);
  const wasPending = !hs[c.closer].settled;
  const closedAt = sim.scheduler.now();
  const sentBefore = sim.link.transcript.length;
  const done = await drive(sim, closer.close(), 60_000, `${c.closer}.close() during the handshake`);
  expect(done.ok, `${c.closer}.close() during the handshake failed: ${done.ok ? '' : codeOf(done.error)}`);
  if (wasPending) {
    await driveUntil(sim.scheduler, () => hs[c.closer].settled, 1_000);
    expect(hs[c.closer].settled && !hs[c.closer].ok, `${c.closer}'s pending handshake did not fail when it closed`);
    expect(codeOf(hs[c.closer].error) === 'G_IO_ERROR_CLOSED', `${c.closer}'s pending handshake failed with ${codeOf(hs[c.closer].error)}, not CLOSED`);
  }
  await expectClosed(sim, closer, c.closer);

  // The peer's handshake still ends, one way or the other, within its retransmission budget.
  await driveUntil(sim.scheduler, () => hs[peerSide].settled, HANDSHAKE_LIMIT_MS);
  expect(handshakeOver(sim, peerSide, hs[peerSide], hs[c.closer]), `${peerSide}'s handshake hangs after ${c.closer} closed`);
  // Run the clock well past any retransmission: the closer sent nothing after its close_notify.
  await driveUntil(sim.scheduler, () => false, 600_000);
  const after = sim.link.transcript.slice(sentBefore).filter((r) => r.from === c.closer);
  expect(after.length <= 1, `${c.closer} sent ${after.length} datagrams after close() (at most its close_notify)`);
  for (const r of after) {
    expect(r.sentAt === closedAt, `${c.closer} sent a datagram at ${r.sentAt} ms, after closing at ${closedAt} ms`);
    const types = recordHeaders(sim.link.bytes[r.n]).map((h) => h.type);
    expect(types.length === 1 && types[0] === RecordType.alert, `${c.closer} sent records of types ${types.join(',')} on close(), not one alert`);
  }
  const closed = await drive(sim, conns[peerSide].close(), 60_000, `${peerSide}.close()`);
  expect(closed.ok, `${peerSide}.close() failed`);
  await expectClosed(sim, conns[peerSide], peerSide);
}

function fcPath(): string | undefined {
  const p = process.env.FC_PATH;
  return p === undefined || p === '' ? undefined : p;
}

/** fc.assert on an async property with the fixed (or $FC_SEED) seed; a failure logs how to replay it. */
async function assertAsync<T>(t: ExecutionContext, arb: fc.Arbitrary<T>, run: (c: T) => Promise<void>, describeCase: (c: T) => string, numRuns: number): Promise<void> {
  const seed = propertySeed();
  const path = fcPath();
  let runs = 0;
  const property = fc.asyncProperty(arb, async (c) => {
    runs++;
    const started = performance.now();
    if (process.env.DTLSPROBE_DEBUG_CLOSE) console.error(`case ${runs}: ${describeCase(c)}`);
    try {
      await run(c);
      if (process.env.DTLSPROBE_DEBUG_CLOSE) console.error(`  ok in ${(performance.now() - started).toFixed(0)} ms`);
    } catch (e) {
      if (process.env.DTLSPROBE_DEBUG_CLOSE) console.error(`  FAILED in ${(performance.now() - started).toFixed(0)} ms: ${e instanceof Error ? e.message : String(e)}`);
      if (e instanceof Broken) throw new Broken(`${e.message}\n  network: ${describeCase(c)}`);
      throw e;
    }
  });
  try {
    await fc.assert(property, { seed, numRuns, ...(path === undefined ? {} : { path, endOnFailure: true }) });
  } catch (error) {
    t.log(`fast-check failed with seed ${seed}: replay with FC_SEED=${seed} and the FC_PATH of the counterexample below`);
    throw error;
  }
  t.log(`${runs} generated cases (seed ${seed})`);
  t.pass();
}

test('[SEED-close-may-await-peer-notify][SEED-closed-ops-fail-closed][SEED-close-sends-close-notify][SEED-shutdown-write][SEED-shutdown-read][SEED-shutdown-both-is-close][SEED-close-twice-ok] close and shutdown under generated loss, duplication, reordering and corruption: close completes, later operations fail with CLOSED, the peer reads each datagram at most once and intact, then the end if the close_notify got through, else runs to its timeout', async (t) => {
  await assertAsync(t, closeCaseArb, closeAfterHandshake, (c) => `${describe(c)}; ${c.closer} ${c.op}, ${c.before} datagrams before, ${c.after} after`, RUNS.afterHandshake);
});

test('[SEED-closed-ops-fail-closed] close() at a generated moment of a handshake over a generated bad network: the pending handshake fails with CLOSED, nothing but the close_notify goes out afterwards, the peer still finishes its handshake one way or the other', async (t) => {
  await assertAsync(t, duringCaseArb, closeDuringHandshake, (c) => `${describe(c)}; ${c.closer} closes at ${c.closeAtMs} ms`, RUNS.duringHandshake);
});
