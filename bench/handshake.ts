/**
 * Handshakes per second, in one process and in memory (no sockets): the reference client against
 * the reference server, then werift-dtls's client against its server, the same wall time each
 * after a warm-up, one handshake at a time. Both run TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (c02b)
 * with x25519, one ECDSA P-256 certificate (the leaf alone: werift sends no chain) and the
 * HelloVerifyRequest cookie exchange.
 *
 *   node --import=tsx bench/handshake.ts [--seconds N] [--warmup N]     (npm run bench -- --seconds 5)
 */
import { performance } from 'node:perf_hooks';
import { pemEncode } from '../reference/crypto/index.ts';
import { type EngineEvent, Endpoint } from '../reference/engine.ts';
import { CookieJar } from '../reference/handshake/dtls12/cookie.ts';
import type { Credentials } from '../reference/handshake/dtls12/config.ts';
import { systemRandom } from '../reference/crypto/random.ts';
import { CipherSuite, NamedGroup } from '../reference/wire/enums.ts';
import { testPki } from '../testkit/credentials.ts';
import { type HandshakeCost, weriftHandshake } from './werift-pair.ts';

const SUITE = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const GROUP = NamedGroup.x25519;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number of seconds, got ${process.argv[i + 1]}`);
  return v;
}

/** One reference handshake, datagrams moved by hand until both sides are established. */
function referenceHandshake(certificate: Credentials, cookieJar: CookieJar): HandshakeCost {
  // The client also offers P-256, the curve of the certificate (RFC 8422 §5.3), as werift's client does.
  const client = new Endpoint({ role: 'client', cipherSuites: [SUITE], groups: [GROUP, NamedGroup.secp256r1] });
  const server = new Endpoint({ role: 'server', certificate, cipherSuites: [SUITE], groups: [GROUP], cookieJar, peerAddress: '127.0.0.1:40000' });
  const now = performance.now();
  client.connect(now);
  let datagrams = 0;
  let bytes = 0;
  for (let moved = true; moved && (client.status === 'handshaking' || server.status === 'handshaking'); ) {
    moved = false;
    for (const [from, to] of [[client, server], [server, client]] as const) {
      for (let d = from.pollTransmit(); d !== undefined; d = from.pollTransmit()) {
        to.receive(d, now);
        datagrams++;
        bytes += d.length;
        moved = true;
      }
    }
  }
  if (client.status !== 'established' || server.status !== 'established') {
    const error = [client, server].map((e) => [...drain(e)].find((ev) => ev.kind === 'error')).find((e) => e !== undefined);
    throw new Error(`reference handshake did not complete: client ${client.status}, server ${server.status} ${JSON.stringify(error)}`);
  }
  return { datagrams, bytes, cipherSuite: client.negotiated?.cipherSuite ?? 0, group: client.negotiated?.group ?? 0 };
}

function* drain(e: Endpoint): Generator<EngineEvent> {
  for (let ev = e.pollEvent(); ev !== undefined; ev = e.pollEvent()) yield ev;
}

interface Result {
  readonly name: string;
  readonly count: number;
  readonly seconds: number;
  readonly cost: HandshakeCost;
}

async function measure(name: string, run: () => HandshakeCost | Promise<HandshakeCost>, seconds: number, warmup: number): Promise<Result> {
  const warmEnd = performance.now() + warmup * 1000;
  let cost = await run();
  while (performance.now() < warmEnd) cost = await run();
  const start = performance.now();
  let count = 0;
  do {
    cost = await run();
    count++;
  } while (performance.now() - start < seconds * 1000);
  return { name, count, seconds: (performance.now() - start) / 1000, cost };
}

const seconds = option('seconds', 3);
const warmup = option('warmup', Math.min(1, seconds));
const { credentials } = await testPki('P-256');
const leafOnly: Credentials = { chain: [credentials.chain[0]], privateKey: credentials.privateKey };
const jar = new CookieJar({ random: systemRandom });
const pem = { cert: pemEncode('CERTIFICATE', credentials.chain[0]), key: credentials.privateKey.toPem() };

console.log(`handshake bench: ${CipherSuite.nameOf(SUITE)}, ${NamedGroup.nameOf(GROUP)}, one ECDSA P-256 certificate (no chain), cookie exchange, in memory (no sockets)`);
console.log(`${seconds} s per implementation after a ${warmup} s warm-up, one handshake at a time (node ${process.version})`);
const results = [
  await measure('reference (dtlsprobe)', () => referenceHandshake(leafOnly, jar), seconds, warmup),
  await measure('werift-dtls 0.5.8', () => weriftHandshake(pem), seconds, warmup),
];
console.log('');
console.log(`${''.padEnd(24)}${'handshakes/s'.padStart(14)}${'handshakes'.padStart(12)}${'datagrams/hs'.padStart(14)}${'bytes/hs'.padStart(10)}  suite, group`);
for (const r of results) {
  const rate = (r.count / r.seconds).toFixed(1);
  const negotiated = `${CipherSuite.nameOf(r.cost.cipherSuite)}, ${NamedGroup.nameOf(r.cost.group)}`;
  console.log(`${r.name.padEnd(24)}${rate.padStart(14)}${String(r.count).padStart(12)}${String(r.cost.datagrams).padStart(14)}${String(r.cost.bytes).padStart(10)}  ${negotiated}`);
}
const [ours, werift] = results.map((r) => r.count / r.seconds);
console.log('');
console.log(`ratio reference/werift: ${(ours / werift).toFixed(2)}`);
// werift leaves retransmission waits (timers/promises, not cancellable) pending for a few seconds.
process.exit(0);
