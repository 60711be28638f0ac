/**
 * The sans-IO engine (reference/engine.ts `Endpoint`) fed arbitrary datagrams after a valid
 * prefix, as a server and as a client.
 *
 * Once per process a deterministic reference pair runs a whole handshake and one application
 * record each way (engine-recording.ts); its datagrams, grouped into flights, are the prefixes and
 * the seeds. Each execution feeds the fuzz input (a framed list of datagrams,
 * `readFrames`) to an endpoint in the state a fresh one with the same seeded configuration reaches
 * by replaying the peer's flights of the prefix (it answers exactly as in the recorded run).
 *
 * That state is not rebuilt each time: the endpoint is taken through the prefix once and each exec
 * runs on a copy of it (snapshot.ts); and when the leading whole datagrams of an input took long
 * (a ClientHello with its cookie: the server makes a key share and signs), the state after them is
 * kept as a resume point for later inputs that begin with the same bytes, most of which are mutants
 * of the same corpus entries. Either way the exec sends, reports, counts (istanbul guidance) and
 * finds exactly what a fresh endpoint fed the whole input would (engine-snapshot.test.ts);
 * `useEngineSnapshots(false)` runs every exec from scratch.
 *
 * Properties:
 * - `receive` and `handleTimeout` never throw, and no peer input fails the connection with an
 *   `internal` error (that is our own bug surfacing as internal_error);
 * - bounded work: each datagram is handled within WORK_LIMIT_MS ('hang'), and what we send in
 *   answer stays within a small multiple of what came in (no amplification);
 * - bounded memory: `bufferedBytes()` stays within the reassembler's bound ('memory');
 * - no forged completion: a handshake completes only with the recorded run's master secret and
 *   Finished, and only when the input carries the peer's genuine Finished record (the fuzzer has no
 *   keys; any other completion is a finding); it completes at most once;
 * - no forged data: application data comes out only as the peer's genuine records, each once.
 */
import { type EngineEvent, Endpoint } from '../../reference/engine.ts';
import type { Negotiated } from '../../reference/handshake/dtls12/context.ts';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../../reference/handshake/reassembly.ts';
import { mutateFlight, readFrames, writeFrames } from '../mutate.ts';
import { pick, type Rng } from '../mutate-bytes.ts';
import { FuzzFinding, type FuzzTarget, equalBytes, preview } from '../target.ts';
import { countsSince, istanbulInstalled, type SavedCounts } from '../coverage-istanbul.ts';
import { PrefixCache } from './prefix-cache.ts';
import { deepCopy, reachable } from './snapshot.ts';
import { COOKIE_SECRET_BYTES, type Cursor, NOW, type Recording, type Side, configFor, engineRecording } from './engine-recording.ts';
import { corpusDatagrams, spread, transcriptDatagrams } from './support.ts';

/** The most a single datagram may take to handle before it counts as a hang. */
export const WORK_LIMIT_MS = 2_000;
/** Datagrams of one input that are fed; the rest is ignored. */
export const MAX_DATAGRAMS = 64;
/** What we may send in answer to one datagram: a multiple of its size plus a whole flight. */
const AMPLIFICATION_FACTOR = 3;
const FLIGHT_ALLOWANCE = 8 * 1024;

function includes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly role: Side;
  /** How many of the peer's flights are replayed before the fuzz input. */
  readonly prefixFlights: number;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Builds the endpoint and replays the prefix; returns it with the prefix's events drained. */
function prepare(s: Scenario, rec: Recording, cursor?: Cursor): Endpoint {
  const e = new Endpoint(configFor(s.role, cursor));
  if (s.role === 'client') e.connect(NOW);
  const peer = s.role === 'server' ? 'client' : 'server';
  for (const flight of rec.flights[peer].slice(0, s.prefixFlights)) for (const d of flight) e.receive(d, NOW);
  // The replay is deterministic; if it ever diverged from the recording, every input would test nothing.
  const expected = s.prefixFlights >= 3 ? 'established' : 'handshaking';
  if (e.status !== expected) throw new Error(`${s.name}: after the prefix the endpoint is ${e.status}, not ${expected}: the replay diverged from the recording`);
  while (e.pollTransmit() !== undefined);
  while (e.pollEvent() !== undefined);
  return e;
}

function checkNegotiated(s: Scenario, rec: Recording, n: Negotiated | undefined, input: Uint8Array, peerFinishedSeen: boolean): void {
  const genuine = rec.negotiated[s.role];
  if (n === undefined || !equalBytes(n.masterSecret, genuine.masterSecret) || !equalBytes(n.tlsUnique, genuine.tlsUnique)) {
    throw new FuzzFinding('property', `${s.name}: the handshake completed with a master secret or Finished the recorded run did not have, on ${preview(input)}`);
  }
  if (!peerFinishedSeen) {
    throw new FuzzFinding('property', `${s.name}: the handshake completed without the peer's genuine Finished record, on ${preview(input)}`);
  }
}

const finishedInPrefix = new Map<Scenario, boolean>();

/** Whether the peer's genuine Finished is in the replayed prefix (once per scenario). */
function peerFinishedInPrefixOf(s: Scenario, rec: Recording): boolean {
  let known = finishedInPrefix.get(s);
  if (known === undefined) {
    const peer: Side = s.role === 'server' ? 'client' : 'server';
    const finishedFlight = rec.flights[peer].findIndex((f) => f.some((d) => rec.finishedRecords[peer].some((r) => includes(d, r))));
    known = finishedFlight >= 0 && s.prefixFlights > finishedFlight;
    finishedInPrefix.set(s, known);
  }
  return known;
}

interface Prefixed {
  /** The endpoint after the prefix, never run again: each exec runs on a copy. */
  readonly endpoint: Endpoint;
  /** Its random source's cursor (the copies share its configuration), and where it stood then. */
  readonly cursor: Cursor;
  readonly at: number;
  /** Its configuration and all it reaches: shared by the copies, which only read it. */
  readonly shared: ReadonlySet<object>;
  /**
   * What taking the endpoint through the prefix counted (istanbul guidance), added to each exec
   * that starts from a copy: an exec counts the same as when it replayed the prefix itself.
   */
  readonly counts: SavedCounts | undefined;
}

const prefixed = new Map<Scenario, Prefixed>();
let fromSnapshots = true;

/**
 * Whether each exec starts from a copy of the endpoint taken through the prefix once (default), or
 * builds the endpoint and replays the prefix itself; the two answer every input the same way
 * (engine-snapshot.test.ts), the copy in a fraction of the time.
 */
export function useEngineSnapshots(on: boolean, options: { resumeAfterMs?: number } = {}): void {
  fromSnapshots = on;
  resumeAfterMs = options.resumeAfterMs ?? RESUME_AFTER_MS;
}

/** The endpoint after the scenario's prefix: a copy of the one made on first use (snapshot.ts). */
function afterPrefix(s: Scenario, rec: Recording): Endpoint {
  if (!fromSnapshots) return prepare(s, rec);
  let p = prefixed.get(s);
  const store = istanbulInstalled();
  if (p === undefined) {
    const cursor: Cursor = { at: COOKIE_SECRET_BYTES };
    const before = store?.saveCounts();
    const endpoint = prepare(s, rec, cursor);
    // this exec has counted the prefix already
    const counts = store === undefined || before === undefined ? undefined : countsSince(before, store.saveCounts());
    p = { endpoint, cursor, at: cursor.at, shared: reachable(endpoint.config), counts };
    prefixed.set(s, p);
  } else if (p.counts !== undefined) {
    store?.addCounts(p.counts);
  }
  // the copy draws from the stream where the endpoint stood after the prefix, as a fresh one would
  p.cursor.at = p.at;
  return deepCopy(p.endpoint, p.shared);
}

/** What an exec sent and reported, for tests that compare two ways of running it. */
export type EngineObserver = (what: 'sent' | 'event', value: Uint8Array | EngineEvent) => void;

/**
 * Where an input can start from because an earlier input began with the same whole datagrams: the
 * endpoint after them (a copy, never run), with what the exec had seen by then. Made when those
 * datagrams took long (a ClientHello with its cookie makes the server generate a key share and
 * sign; a ClientKeyExchange makes it compute the shared secret): most inputs are mutants of a few
 * corpus entries, and a mutation past the first datagrams leaves them as they were.
 */
interface ResumePoint {
  readonly endpoint: Endpoint;
  /** The random cursor then. */
  readonly at: number;
  /** How many datagrams it stands after. */
  readonly frames: number;
  readonly completedBefore: boolean;
  readonly completions: number;
  /** What a completion within those datagrams negotiated: checked again against each input (its Finished may be elsewhere). */
  readonly negotiated: Negotiated | undefined;
  readonly delivered: readonly number[];
  /** What those datagrams made the endpoint send and report, for an observer. */
  readonly log: readonly ObservedItem[];
  /** What the exec had counted by then (istanbul guidance), added again to each exec that resumes here. */
  readonly counts: SavedCounts | undefined;
}

type ObservedItem = readonly ['sent', Uint8Array] | readonly ['event', EngineEvent];

/**
 * Datagrams that took this long (ms, together) are worth a resume point. A clock reading, so which
 * resume points a run makes depends on the machine; tests that count them set 0 (one after every
 * whole datagram) through useEngineSnapshots.
 */
const RESUME_AFTER_MS = 0.3;
let resumeAfterMs = RESUME_AFTER_MS;
/** Resume points kept per scenario (the oldest goes first). */
const MAX_RESUME_POINTS = 48;

/** Per scenario: its resume points, under the input bytes they stand after. */
const resumePoints = new Map<Scenario, PrefixCache<ResumePoint>>();
let resumes = 0;

/** How many execs resumed from a resume point, and how many resume points there are (for tests). */
export function engineResumeStats(): { resumed: number; points: number } {
  let points = 0;
  for (const cache of resumePoints.values()) points += cache.size;
  return { resumed: resumes, points };
}

/**
 * The end offsets of an input's leading whole frames (readFrames: a u16 length, then that many
 * bytes; a frame cut short by the end of the input is not whole, and a longer input would read it
 * otherwise). Two inputs with the same bytes up to a whole frame's end read the same datagrams up to it.
 */
function wholeFrameEnds(data: Uint8Array): number[] {
  const ends: number[] = [];
  let at = 0;
  while (ends.length < MAX_DATAGRAMS && at + 2 <= data.length) {
    const end = at + 2 + ((data[at] << 8) | data[at + 1]);
    if (end > data.length) break;
    ends.push(end);
    at = end;
  }
  return ends;
}

function resumePointsOf(s: Scenario): PrefixCache<ResumePoint> {
  let cache = resumePoints.get(s);
  if (cache === undefined) {
    cache = new PrefixCache(MAX_RESUME_POINTS);
    resumePoints.set(s, cache);
  }
  return cache;
}

function runScenario(s: Scenario, data: Uint8Array, observe?: EngineObserver): Endpoint {
  const rec = engineRecording();
  const peer: Side = s.role === 'server' ? 'client' : 'server';
  const frames = readFrames(data).slice(0, MAX_DATAGRAMS);
  const ends = fromSnapshots ? wholeFrameEnds(data) : [];
  const resumed = fromSnapshots ? resumePoints.get(s)?.longest(data, ends) : undefined;
  const peerFinishedInPrefix = peerFinishedInPrefixOf(s, rec);
  const peerFinishedSeen = peerFinishedInPrefix || rec.finishedRecords[peer].some((f) => includes(data, f));
  const genuineData = rec.appData[peer];
  let e: Endpoint;
  let completedBefore: boolean;
  let completions: number;
  let negotiated: Negotiated | undefined;
  const delivered = new Set<number>(resumed?.delivered);
  /** What this exec's datagrams made the endpoint send and report, kept for resume points. */
  const log: ObservedItem[] = resumed === undefined ? [] : [...resumed.log];
  if (resumed === undefined) {
    e = afterPrefix(s, rec);
    completedBefore = e.status === 'established';
    completions = completedBefore ? 1 : 0;
  } else {
    resumes++;
    e = deepCopy(resumed.endpoint, prefixed.get(s)!.shared);
    prefixed.get(s)!.cursor.at = resumed.at;
    if (resumed.counts !== undefined) istanbulInstalled()?.addCounts(resumed.counts);
    ({ completedBefore, completions, negotiated } = resumed);
    for (const [what, value] of resumed.log) observe?.(what, value);
    // checked once already, against the input that made the resume point
    if (negotiated !== undefined) checkNegotiated(s, rec, negotiated, data, peerFinishedSeen);
  }

  const onEvent = (ev: EngineEvent): void => {
    if (ev.kind === 'handshake-complete') {
      completions++;
      if (completions > 1) throw new FuzzFinding('property', `${s.name}: the handshake completed twice, on ${preview(data)}`);
      checkNegotiated(s, rec, ev.negotiated, data, peerFinishedSeen);
      negotiated = ev.negotiated;
    } else if (ev.kind === 'data') {
      const k = genuineData.findIndex((g, i) => !delivered.has(i) && equalBytes(g, ev.data));
      if (k < 0) throw new FuzzFinding('property', `${s.name}: application data that is not the peer's (or came twice): ${preview(ev.data)}, on ${preview(data)}`);
      delivered.add(k);
    } else if (ev.kind === 'error' && ev.error.detail.kind === 'internal') {
      throw new FuzzFinding('crash', `${s.name}: peer input failed the connection with an internal error: ${describeError(ev.error.cause ?? ev.error)}, on ${preview(data)}`, { cause: ev.error });
    }
  };
  const drain = (inBytes: number, what: string): void => {
    let out = 0;
    for (let d = e.pollTransmit(); d !== undefined; d = e.pollTransmit()) {
      out += d.length;
      observe?.('sent', d);
      log.push(['sent', d]);
    }
    if (out > AMPLIFICATION_FACTOR * inBytes + FLIGHT_ALLOWANCE) {
      throw new FuzzFinding('property', `${s.name}: ${out} bytes sent in answer to ${what} of ${inBytes} bytes, on ${preview(data)}`);
    }
    for (let ev = e.pollEvent(); ev !== undefined; ev = e.pollEvent()) {
      observe?.('event', ev);
      log.push(['event', ev]);
      onEvent(ev);
    }
    const held = e.bufferedBytes();
    if (held > DEFAULT_MAX_BUFFERED_BYTES) {
      throw new FuzzFinding('memory', `${s.name}: ${held} bytes buffered, over the bound of ${DEFAULT_MAX_BUFFERED_BYTES}, on ${preview(data)}`);
    }
  };

  let spent = 0;
  for (let i = resumed?.frames ?? 0; i < frames.length; i++) {
    const d = frames[i];
    const started = performance.now();
    try {
      e.receive(d, NOW);
    } catch (err) {
      throw new FuzzFinding('crash', `${s.name}: receive threw ${describeError(err)} on datagram ${i} of ${preview(data)}`, { cause: err });
    }
    const took = performance.now() - started;
    if (took > WORK_LIMIT_MS) throw new FuzzFinding('hang', `${s.name}: datagram ${i} took ${took.toFixed(0)} ms (limit ${WORK_LIMIT_MS}), on ${preview(data)}`);
    drain(d.length, `datagram ${i}`);
    spent += took;
    if (spent >= resumeAfterMs && i < ends.length) {
      spent = 0;
      resumePointsOf(s).add(data, ends[i], {
        endpoint: deepCopy(e, prefixed.get(s)!.shared),
        at: prefixed.get(s)!.cursor.at,
        frames: i + 1,
        completedBefore,
        completions,
        negotiated,
        delivered: [...delivered],
        log: [...log],
        counts: istanbulInstalled()?.saveCounts(),
      });
    }
  }
  // One retransmission timer, as time would fire it.
  const deadline = e.nextTimeout();
  if (deadline !== undefined) {
    try {
      e.handleTimeout(deadline);
    } catch (err) {
      throw new FuzzFinding('crash', `${s.name}: handleTimeout threw ${describeError(err)} after ${preview(data)}`, { cause: err });
    }
    drain(0, 'the retransmission timer');
  }
  const statusAfter: string = e.status;
  if (!completedBefore && statusAfter === 'established' && completions === 0) {
    throw new FuzzFinding('property', `${s.name}: established without a handshake-complete event, on ${preview(data)}`);
  }
  return e;
}

const scenarios = new Map<string, Scenario>();

/** Runs an engine target's input and returns the endpoint's status at the end (for tests). */
export function engineStatusAfter(targetName: string, data: Uint8Array): string {
  return engineRun(targetName, data).status;
}

/** Runs an engine target's input (findings throw) and returns the endpoint as it is at the end (for tests). */
export function engineRun(targetName: string, data: Uint8Array, observe?: EngineObserver): Endpoint {
  const s = scenarios.get(targetName);
  if (s === undefined) throw new Error(`no engine target ${targetName}`);
  return runScenario(s, data, observe);
}

function scenarioTarget(s: Scenario): FuzzTarget {
  scenarios.set(s.name, s);
  let seedCache: Uint8Array[] | undefined;
  const peerDirection = s.role === 'server' ? 'from-client' : 'from-server';
  const seeds = (): Uint8Array[] => {
    if (seedCache !== undefined) return seedCache;
    const rec = engineRecording();
    const peerFlights = rec.flights[s.role === 'server' ? 'client' : 'server'].slice(s.prefixFlights);
    const out: Uint8Array[] = [];
    // The rest of the genuine conversation, one more flight at a time.
    for (let n = 1; n <= peerFlights.length; n++) out.push(writeFrames(peerFlights.slice(0, n).flat()));
    // Each later flight alone, and the next flight's datagrams one by one.
    for (const f of peerFlights.slice(1)) out.push(writeFrames(f));
    for (const d of peerFlights[0] ?? []) out.push(writeFrames([d]));
    // Real datagrams of other implementations, the same direction.
    for (const d of transcriptDatagrams(peerDirection)) out.push(writeFrames([d]));
    for (const d of spread(corpusDatagrams(peerDirection), 64)) out.push(writeFrames([d]));
    seedCache = out;
    return out;
  };
  return {
    name: s.name,
    description: s.description,
    fuzz: (data) => {
      runScenario(s, data);
    },
    seeds,
    mutate(data: Uint8Array, rng: Rng) {
      const all = seeds();
      if (rng() < 0.03) return pick(rng, all);
      return mutateFlight(data, rng, { donors: all });
    },
  };
}

export const engineServerAfterClientHello = scenarioTarget({
  name: 'engine-server-after-clienthello',
  description: 'server Endpoint (cookie exchange on) fed datagrams after a valid ClientHello it answered with a HelloVerifyRequest',
  role: 'server',
  prefixFlights: 1,
});

export const engineServerAfterFlight3 = scenarioTarget({
  name: 'engine-server-after-flight3',
  description: 'server Endpoint fed datagrams after the ClientHello with its cookie (it has sent ServerHello ... ServerHelloDone)',
  role: 'server',
  prefixFlights: 2,
});

export const engineServerEstablished = scenarioTarget({
  name: 'engine-server-established',
  description: "server Endpoint fed datagrams after the client's last flight (handshake complete, Finished sent)",
  role: 'server',
  prefixFlights: 3,
});

export const engineClientAfterClientHello = scenarioTarget({
  name: 'engine-client-after-clienthello',
  description: 'client Endpoint fed datagrams after it sent its ClientHello',
  role: 'client',
  prefixFlights: 0,
});

export const engineClientAfterFlight2 = scenarioTarget({
  name: 'engine-client-after-flight2',
  description: 'client Endpoint fed datagrams after a HelloVerifyRequest (it has sent the ClientHello with the cookie)',
  role: 'client',
  prefixFlights: 1,
});

export const engineClientAfterFlight4 = scenarioTarget({
  name: 'engine-client-after-flight4',
  description: "client Endpoint fed datagrams after the server's ServerHello ... ServerHelloDone (it has sent its Finished)",
  role: 'client',
  prefixFlights: 2,
});

export const engineClientEstablished = scenarioTarget({
  name: 'engine-client-established',
  description: "client Endpoint fed datagrams after the server's Finished (handshake complete)",
  role: 'client',
  prefixFlights: 3,
});
