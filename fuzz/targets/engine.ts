/**
 * The sans-IO engine (reference/engine.ts `Endpoint`) fed arbitrary datagrams after a valid
 * prefix, as a server and as a client.
 *
 * Once per process a deterministic reference pair (OpenSSL's P-256 test certificate from
 * vectors/certs, seeded randomness, virtual time 0)
 * runs a whole handshake and one application record each way; its datagrams, grouped into flights,
 * are the prefixes and the seeds. Each execution builds a fresh endpoint with the same seeded
 * configuration, replays the peer's flights of the prefix (the endpoint answers exactly as in the
 * recorded run), then feeds the fuzz input: a framed list of datagrams (`readFrames`).
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
import { readFileSync } from 'node:fs';
import { pemDecode } from '../../reference/crypto/pem.ts';
import { PrivateKey } from '../../reference/crypto/private-key.ts';
import { type RandomSource, seededRandom } from '../../reference/crypto/random.ts';
import { type EngineEvent, Endpoint } from '../../reference/engine.ts';
import type { Credentials, EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import { CookieJar } from '../../reference/handshake/dtls12/cookie.ts';
import type { Negotiated } from '../../reference/handshake/dtls12/context.ts';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../../reference/handshake/reassembly.ts';
import { ContentType } from '../../reference/wire/enums.ts';
import { readDatagram, writeDatagram } from '../../reference/wire/records.ts';
import { Pair } from '../../testkit/pair.ts';
import { mutateFlight, pick, readFrames, writeFrames, type Rng } from '../mutate.ts';
import { FuzzFinding, type FuzzTarget, equalBytes, preview } from '../target.ts';
import { corpusDatagrams, repoPath, spread, transcriptDatagrams } from './support.ts';

/** The most a single datagram may take to handle before it counts as a hang. */
export const WORK_LIMIT_MS = 2_000;
/** Datagrams of one input that are fed; the rest is ignored. */
export const MAX_DATAGRAMS = 64;
/** What we may send in answer to one datagram: a multiple of its size plus a whole flight. */
const AMPLIFICATION_FACTOR = 3;
const FLIGHT_ALLOWANCE = 8 * 1024;

const SEED = 'dtlsprobe fuzz';
const NOW = 0;

let credentials: Credentials | undefined;

/** The server's certificate: OpenSSL's self-signed P-256 fixture (read synchronously, once). */
function serverCredentials(): Credentials {
  credentials ??= {
    chain: [pemDecode(readFileSync(repoPath('vectors', 'certs', 'openssl-p256.pem'), 'utf8'), 'CERTIFICATE')],
    privateKey: PrivateKey.fromPem(readFileSync(repoPath('vectors', 'certs', 'openssl-p256.key.pem'), 'utf8')),
  };
  return credentials;
}

/**
 * `seededRandom(seed)`'s stream, computed once and handed out again from any position: `from(n)` is
 * a source that returns exactly what a fresh `seededRandom(seed)` returns after its first n bytes.
 * Every exec needs the recorded run's bytes again; this saves a ChaCha20 run per draw.
 */
class ReplayedRandom {
  private stream = new Uint8Array(0);
  private readonly source: RandomSource;

  constructor(seed: string) {
    this.source = seededRandom(seed);
  }

  from(start: number): RandomSource {
    let at = start;
    return (length) => {
      if (!Number.isSafeInteger(length) || length < 0) throw new Error(`random: length must be a non-negative integer, got ${length}`);
      const end = at + length;
      if (end > this.stream.length) {
        const grown = new Uint8Array(Math.max(end, this.stream.length * 2, 4096));
        grown.set(this.stream);
        grown.set(this.source(grown.length - this.stream.length), this.stream.length);
        this.stream = grown;
      }
      const out = this.stream.slice(at, end);
      at = end;
      return out;
    };
  }
}

/** The cookie secret is the first draw of an endpoint's random source (resolveConfig makes the jar). */
const COOKIE_SECRET_BYTES = 32;

/**
 * One side's configuration, built once per process: the same bytes a fresh `seededRandom` and a
 * fresh CookieJar would give, without re-deriving them per exec. The jar is shared: at virtual
 * time 0 (and within its 5-minute rotation) a shared jar makes and checks the cookies a fresh one
 * would, and its secret is the stream's first 32 bytes, as when resolveConfig makes it.
 */
function sideConfig(role: Side): () => EndpointConfig {
  const random = new ReplayedRandom(`${SEED} ${role}`);
  const cookieJar = new CookieJar({ random: random.from(0) });
  const fixed = role === 'server' ? { certificate: serverCredentials(), peerAddress: '192.0.2.1:5684' } : {};
  return () => ({ role, random: random.from(COOKIE_SECRET_BYTES), cookieJar, ...fixed });
}

let configs: Record<Side, () => EndpointConfig> | undefined;

function configFor(role: Side): EndpointConfig {
  configs ??= { server: sideConfig('server'), client: sideConfig('client') };
  return configs[role]();
}

function serverConfig(): EndpointConfig {
  return configFor('server');
}

function clientConfig(): EndpointConfig {
  return configFor('client');
}

type Side = 'client' | 'server';

interface Recording {
  /** Each side's flights, in order, as the datagrams it sent. */
  readonly flights: Record<Side, Uint8Array[][]>;
  readonly negotiated: Record<Side, Negotiated>;
  /** The epoch-1 handshake records (the Finished) each side sent, as whole records. */
  readonly finishedRecords: Record<Side, Uint8Array[]>;
  /** The application data each side sent. */
  readonly appData: Record<Side, Uint8Array[]>;
}

function record(): Recording {
  const client = new Endpoint(clientConfig());
  const server = new Endpoint(serverConfig());
  const p = new Pair(client, server);
  client.connect(NOW);
  p.run();
  if (client.status !== 'established' || server.status !== 'established') {
    throw new Error(`fuzz engine recording: the reference handshake did not complete (client ${client.status}, server ${server.status})`);
  }
  const appData: Record<Side, Uint8Array[]> = { client: [new TextEncoder().encode('ping from the client')], server: [new TextEncoder().encode('pong from the server')] };
  client.send(appData.client[0]);
  p.transfer('client');
  server.send(appData.server[0]);
  p.transfer('server');
  const flights: Record<Side, Uint8Array[][]> = { client: [], server: [] };
  let last: Side | undefined;
  for (const w of p.wire) {
    if (w.from !== last) flights[w.from].push([]);
    flights[w.from][flights[w.from].length - 1].push(w.bytes);
    last = w.from;
  }
  const finishedRecords: Record<Side, Uint8Array[]> = { client: [], server: [] };
  for (const w of p.wire) {
    for (const r of readDatagram(w.bytes)) {
      if (r.format === 'plaintext' && r.type === ContentType.handshake && r.epoch === 1) finishedRecords[w.from].push(writeDatagram([r]));
    }
  }
  const negotiated = { client: client.negotiated, server: server.negotiated };
  if (negotiated.client === undefined || negotiated.server === undefined) throw new Error('fuzz engine recording: nothing negotiated');
  return { flights, negotiated: { client: negotiated.client, server: negotiated.server }, finishedRecords, appData };
}

let recording: Recording | undefined;

/** The recorded run (made on first use, once per process). */
export function engineRecording(): Recording {
  recording ??= record();
  return recording;
}

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
function prepare(s: Scenario, rec: Recording): Endpoint {
  const e = new Endpoint(s.role === 'server' ? serverConfig() : clientConfig());
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

function runScenario(s: Scenario, data: Uint8Array): Endpoint {
  const rec = engineRecording();
  const peer: Side = s.role === 'server' ? 'client' : 'server';
  const e = prepare(s, rec);
  const completedBefore = e.status === 'established';
  const peerFinishedInPrefix = peerFinishedInPrefixOf(s, rec);
  const peerFinishedSeen = peerFinishedInPrefix || rec.finishedRecords[peer].some((f) => includes(data, f));
  const genuineData = rec.appData[peer];
  const delivered = new Set<number>();
  let completions = completedBefore ? 1 : 0;
  const frames = readFrames(data).slice(0, MAX_DATAGRAMS);

  const onEvent = (ev: EngineEvent): void => {
    if (ev.kind === 'handshake-complete') {
      completions++;
      if (completions > 1) throw new FuzzFinding('property', `${s.name}: the handshake completed twice, on ${preview(data)}`);
      checkNegotiated(s, rec, ev.negotiated, data, peerFinishedSeen);
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
    for (let d = e.pollTransmit(); d !== undefined; d = e.pollTransmit()) out += d.length;
    if (out > AMPLIFICATION_FACTOR * inBytes + FLIGHT_ALLOWANCE) {
      throw new FuzzFinding('property', `${s.name}: ${out} bytes sent in answer to ${what} of ${inBytes} bytes, on ${preview(data)}`);
    }
    for (let ev = e.pollEvent(); ev !== undefined; ev = e.pollEvent()) onEvent(ev);
    const held = e.bufferedBytes();
    if (held > DEFAULT_MAX_BUFFERED_BYTES) {
      throw new FuzzFinding('memory', `${s.name}: ${held} bytes buffered, over the bound of ${DEFAULT_MAX_BUFFERED_BYTES}, on ${preview(data)}`);
    }
  };

  for (const [i, d] of frames.entries()) {
    const started = performance.now();
    try {
      e.receive(d, NOW);
    } catch (err) {
      throw new FuzzFinding('crash', `${s.name}: receive threw ${describeError(err)} on datagram ${i} of ${preview(data)}`, { cause: err });
    }
    const took = performance.now() - started;
    if (took > WORK_LIMIT_MS) throw new FuzzFinding('hang', `${s.name}: datagram ${i} took ${took.toFixed(0)} ms (limit ${WORK_LIMIT_MS}), on ${preview(data)}`);
    drain(d.length, `datagram ${i}`);
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
  const s = scenarios.get(targetName);
  if (s === undefined) throw new Error(`no engine target ${targetName}`);
  return runScenario(s, data).status;
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
