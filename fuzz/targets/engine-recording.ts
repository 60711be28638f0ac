/**
 * The engine targets' recorded run: a deterministic reference pair (OpenSSL's P-256 test
 * certificate from vectors/certs, seeded randomness, virtual time 0) runs a whole handshake and one
 * application record each way, once per process. Its datagrams, grouped into flights, are the
 * targets' prefixes and seeds, and `configFor` gives an endpoint the same seeded configuration, so
 * that replaying the peer's flights makes it answer exactly as in the recording.
 */
import { readFileSync } from 'node:fs';
import { pemDecode } from '../../reference/crypto/pem.ts';
import { PrivateKey } from '../../reference/crypto/private-key.ts';
import { type RandomSource, seededRandom } from '../../reference/crypto/random.ts';
import { Endpoint } from '../../reference/engine.ts';
import type { Credentials, EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import { CookieJar } from '../../reference/handshake/dtls12/cookie.ts';
import type { Negotiated } from '../../reference/handshake/dtls12/context.ts';
import { ContentType } from '../../reference/wire/enums.ts';
import { readDatagram, writeDatagram } from '../../reference/wire/records.ts';
import { Pair } from '../../testkit/pair.ts';
import { repoPath } from './support.ts';

const SEED = 'dtlsprobe fuzz';
/** The recorded run's virtual time, and every exec's. */
export const NOW = 0;

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
    return this.at({ at: start });
  }

  /** A source that reads the stream from `cursor.at` on, and moves it: set it back to replay. */
  at(cursor: Cursor): RandomSource {
    return (length) => {
      if (!Number.isSafeInteger(length) || length < 0) throw new Error(`random: length must be a non-negative integer, got ${length}`);
      const end = cursor.at + length;
      if (end > this.stream.length) {
        const grown = new Uint8Array(Math.max(end, this.stream.length * 2, 4096));
        grown.set(this.stream);
        grown.set(this.source(grown.length - this.stream.length), this.stream.length);
        this.stream = grown;
      }
      const out = this.stream.slice(cursor.at, end);
      cursor.at = end;
      return out;
    };
  }
}

/** Where a replayed random source is in its stream. */
export interface Cursor {
  at: number;
}

/** The cookie secret is the first draw of an endpoint's random source (resolveConfig makes the jar). */
export const COOKIE_SECRET_BYTES = 32;

/**
 * One side's configuration, built once per process: the same bytes a fresh `seededRandom` and a
 * fresh CookieJar would give, without re-deriving them per exec. The jar is shared: at virtual
 * time 0 (and within its 5-minute rotation) a shared jar makes and checks the cookies a fresh one
 * would, and its secret is the stream's first 32 bytes, as when resolveConfig makes it.
 */
function sideConfig(role: Side): (cursor: Cursor) => EndpointConfig {
  const random = new ReplayedRandom(`${SEED} ${role}`);
  const cookieJar = new CookieJar({ random: random.from(0) });
  const fixed = role === 'server' ? { certificate: serverCredentials(), peerAddress: '192.0.2.1:5684' } : {};
  return (cursor) => ({ role, random: random.at(cursor), cookieJar, ...fixed });
}

let configs: Record<Side, (cursor: Cursor) => EndpointConfig> | undefined;

/** A side's configuration, its random source reading the stream from `cursor` (by default a fresh endpoint's start). */
export function configFor(role: Side, cursor: Cursor = { at: COOKIE_SECRET_BYTES }): EndpointConfig {
  configs ??= { server: sideConfig('server'), client: sideConfig('client') };
  return configs[role](cursor);
}

function serverConfig(): EndpointConfig {
  return configFor('server');
}

function clientConfig(): EndpointConfig {
  return configFor('client');
}

export type Side = 'client' | 'server';

export interface Recording {
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
