/**
 * What the server probes share: outcomes the RFCs allow (silence, a fatal alert, one of several),
 * ClientHellos with a given outcome, the verify_data a renegotiation binds, record holding, and the
 * forged values (an off-curve point, a stray ClientKeyExchange).
 */
import { AlertLevel, HandshakeType, ProtocolVersion } from '../../reference/wire/enums.ts';
import { readServerHello, writeClientHello } from '../../reference/wire/hello.ts';
import { writeClientKeyExchange } from '../../reference/wire/key-exchange.ts';
import { decode } from '../../reference/wire/reader.ts';
import { encode } from '../../reference/wire/writer.ts';
import { ExpectAlert, ExpectNoMessage } from '../conversation/nodes-common.ts';
import { ClientHelloGenerator, type ClientHelloOptions, defaultClientExtensions, ExpectHelloVerifyRequest } from '../conversation/nodes-client.ts';
import type { Peer } from '../conversation/peer.ts';
import { Expect, Generator, ProbeFailure } from '../conversation/tree.ts';
import { afterServerHello, Chain, clientFlight5, exchangeData, expectServerFinished } from './flows.ts';
import type { ProbeContext } from './types.ts';


export const utf8 = new TextEncoder();
export const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** How long a probe listens for an answer that may be silence (an alert comes at once when it comes). */
export const QUIET_MS = 1500;

/** Nothing new arrives within `ms`: the implementation dropped what it got (retransmissions of earlier flights aside). */
export function quiet(ms = QUIET_MS): ExpectNoMessage {
  return new ExpectNoMessage(ms);
}

/** A fatal alert, one of `descriptions` (any, when undefined), waited for up to `ms`. */
export function fatal(descriptions?: number | readonly number[], ms = QUIET_MS): ExpectAlert {
  const a = new ExpectAlert(AlertLevel.fatal, descriptions);
  a.timeoutMs = ms;
  return a;
}

/**
 * Alternatives at one point: the first's timeout is the wait (the runner waits once, then tries each
 * in turn), so the longest comes first. Returns the first.
 */
export function oneOf(first: Expect, ...rest: Expect[]): Expect {
  for (const r of rest) first.or(r);
  return first;
}

/**
 * A ClientHello shaped by `hello`, then the answer `outcome` (an expectation with its
 * alternatives): straight away, or after a cookie exchange and the same ClientHello with the cookie
 * (a server that checks cookies first answers a bad ClientHello with a HelloVerifyRequest, and
 * judges it only once it comes back with the cookie, RFC 6347 §4.2.1).
 */
export function helloThen(hello: ClientHelloOptions, outcome: Expect, chain: Chain = new Chain()): Chain {
  chain.then(new ClientHelloGenerator(hello));
  const hvr = new ExpectHelloVerifyRequest();
  hvr.timeoutMs = outcome.timeoutMs;
  hvr.add(new ClientHelloGenerator(hello)).add(outcome);
  hvr.or(outcome);
  return chain.then(hvr);
}

/** The rest of a full handshake after the ServerHello the chain stands at, then data both ways. */
export function completeAfterServerHello(ctx: ProbeContext, chain: Chain): Chain {
  return exchangeData(expectServerFinished(clientFlight5(afterServerHello(ctx, chain))));
}

/** The verify_data of both Finished messages of the handshake just completed (RFC 5746 §3.1), read from the transcript. */
export function finishedVerifyData(peer: Peer): { client: Uint8Array; server: Uint8Array } {
  const bytes = peer.transcript.bytes();
  const found: Uint8Array[] = [];
  for (let at = 0; at + 12 <= bytes.length; ) {
    const length = (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (bytes[at] === HandshakeType.finished) found.push(bytes.slice(at + 12, at + 12 + length));
    at += 12 + length;
  }
  const [client, server] = found.slice(-2);
  if (client === undefined || server === undefined) throw new Error('the transcript holds no two Finished messages: run a full handshake first');
  return { client, server };
}

/**
 * RFC 5746 §3.5: a client renegotiating on an established connection sends a ClientHello under the
 * current epoch, its message_seq starting again at 0 (RFC 6347 §4.2.2), with no cookie, a fresh
 * random, and renegotiation_info holding its own verify_data from the handshake just done.
 */
export class RenegotiationHelloGenerator extends Generator {
  readonly name = 'ClientHelloGenerator';
  override describe(): string {
    return 'ClientHelloGenerator(renegotiation, renegotiation_info = client verify_data)';
  }
  generate(peer: Peer): void {
    const { client } = finishedVerifyData(peer);
    const extensions = defaultClientExtensions(peer.ctx.alpn).map((e) => (e.kind === 'renegotiation_info' ? { ...e, renegotiatedConnection: client } : e));
    new ClientHelloGenerator({ extensions, messageSeq: 0, sameRandom: false, cookie: new Uint8Array(0) }).generate(peer);
  }
}

/** RFC 5746 §3.7: a renegotiating ServerHello binds to the previous handshake with both verify_data values. */
export function checkRenegotiationBinding(body: Uint8Array, peer: Peer): string | undefined {
  const sh = decode(body, 'ServerHello', readServerHello);
  const ri = sh.extensions?.find((e) => e.kind === 'renegotiation_info');
  const { client, server } = finishedVerifyData(peer);
  const want = Buffer.concat([client, server]);
  if (ri?.kind !== 'renegotiation_info') return 'it carries no renegotiation_info (RFC 5746 §3.7)';
  if (!want.equals(Buffer.from(ri.renegotiatedConnection))) {
    return `renegotiation_info is ${Buffer.from(ri.renegotiatedConnection).toString('hex')}, not client_verify_data + server_verify_data ${want.toString('hex')}`;
  }
  return undefined;
}

/** A ClientKeyExchange body with an ECDHE point; the harness never sends it where one is due. */
export const strayClientKeyExchange = (): Uint8Array =>
  encode((w) => writeClientKeyExchange(w, { keyExchange: 'ecdhe', ecdhYc: Uint8Array.of(4, ...new Array<number>(64).fill(1)) }));

/** 04 || x = 1 || y = 1: 65 bytes shaped like an uncompressed P-256 point, but not on the curve. */
export const OFF_CURVE_P256 = Uint8Array.of(4, ...new Array<number>(31).fill(0), 1, ...new Array<number>(31).fill(0), 1);

/** The length of the ClientHello body the harness would send for `hello` (random and all), for a forged length field. */
export function clientHelloLength(ctx: ProbeContext, hello: ClientHelloOptions = {}): number {
  const extensions = hello.extensions === null ? undefined : [...(hello.extensions ?? defaultClientExtensions(ctx.alpn)), ...(hello.extraExtensions ?? [])];
  const body = encode((w) =>
    writeClientHello(w, {
      legacyVersion: hello.version ?? ProtocolVersion.DTLSv1_2,
      random: new Uint8Array(32),
      sessionId: hello.sessionId ?? new Uint8Array(0),
      cookie: hello.cookie ?? new Uint8Array(0),
      cipherSuites: [...(hello.suites ?? [ctx.suite])],
      compressionMethods: [...(hello.compression ?? [0])],
      extensions,
    }),
  );
  return body.length;
}

/** Data the probes send, distinct so that a substring of one is never another. */
export const TAMPERED = 'dtlsprobe tampered record\n';
export const INTACT = 'dtlsprobe intact record\n';

/**
 * Records taken out of the flight being built, to go in a later flight: `hold()` takes the last
 * queued record, `release()` queues it again as it was (same epoch, sequence number and bytes).
 */
export class Held {
  private readonly records: Peer['outbox'] = [];
  hold(): Generator {
    const records = this.records;
    return new (class extends Generator {
      readonly name = 'HoldRecord';
      override describe(): string {
        return 'HoldRecord(last: send it later)';
      }
      generate(peer: Peer): void {
        const last = peer.outbox.pop();
        if (last === undefined) throw new ProbeFailure('HoldRecord: the flight being built is empty');
        records.push(last);
      }
    })();
  }
  release(): Generator {
    const records = this.records;
    return new (class extends Generator {
      readonly name = 'SendHeldRecord';
      override describe(): string {
        return 'SendHeldRecord';
      }
      generate(peer: Peer): void {
        peer.outbox.push(...records.splice(0));
      }
    })();
  }
}
