/**
 * The server's cookie exchange (RFC 6347 §4.2.1, §3.2.1): a HelloVerifyRequest comes before any
 * other flight, is small, mirrors the ClientHello's record number, carries a sensible
 * server_version, is never resent on a timer but is resent for a retransmitted ClientHello; and a
 * ClientHello whose cookie does not check out never gets a ServerHello.
 */
import { AlertLevel } from '../../reference/wire/enums.ts';
import type { Incoming } from '../conversation/incoming.ts';
import { ExpectAlert, ExpectNoMessage } from '../conversation/nodes-common.ts';
import { RetransmitFlight } from '../conversation/nodes-flight.ts';
import { AdvanceClock, ExpectAmplificationLimit, ExpectNoRetransmission } from '../conversation/nodes-timing.ts';
import {
  ClientHelloGenerator,
  type ClientHelloOptions,
  ExpectHelloVerifyRequest,
  ExpectHelloVerifyRequestAgain,
  ExpectServerHello,
} from '../conversation/nodes-client.ts';
import type { Peer } from '../conversation/peer.ts';
import { type Expect, Generator, ProbeFailure } from '../conversation/tree.ts';
import { afterServerHello, Chain, clientFlight5, exchangeData, expectServerFinished } from './flows.ts';
import type { Probe, ProbeContext } from './types.ts';

const DTLS10 = 0xfeff;
const DTLS12 = 0xfefd;

/** A HelloVerifyRequest that also must come in the record numbered `recordSeq`, and in one fragment. */
class ExpectHelloVerifyRequestIn extends ExpectHelloVerifyRequest {
  constructor(private readonly where: { recordSeq?: number; unfragmented?: boolean }) {
    super();
  }
  override describe(): string {
    const parts = [this.where.recordSeq === undefined ? '' : `record ${this.where.recordSeq}`, this.where.unfragmented === true ? 'one fragment' : ''].filter((s) => s !== '');
    return `ExpectHelloVerifyRequest(${parts.join(', ')})`;
  }
  override process(m: Incoming | undefined, peer: Peer): void {
    if (m?.kind === 'handshake' && this.where.recordSeq !== undefined && m.recordSeq !== this.where.recordSeq) {
      throw new ProbeFailure(`the HelloVerifyRequest came in record ${m.recordSeq}, not in ${this.where.recordSeq}, the ClientHello's record number`);
    }
    if (m?.kind === 'handshake' && this.where.unfragmented === true && m.fragments !== 1) {
      throw new ProbeFailure(`the HelloVerifyRequest came in ${m.fragments} fragments`);
    }
    super.process(m, peer);
  }
}

/** A ServerHello that must come in the record numbered `recordSeq`. */
class ExpectServerHelloIn extends ExpectServerHello {
  constructor(private readonly recordSeq: number) {
    super();
  }
  override describe(): string {
    return `ExpectServerHello(record ${this.recordSeq})`;
  }
  override process(m: Incoming | undefined, peer: Peer): void {
    if (m?.kind === 'handshake' && m.recordSeq !== this.recordSeq) {
      throw new ProbeFailure(`the initial ServerHello came in record ${m.recordSeq}, not in ${this.recordSeq}, the ClientHello's record number`);
    }
    super.process(m, peer);
  }
}

/** A ClientHello whose cookie is the server's, changed by `forge` (the same parameters otherwise). */
class ClientHelloForgedCookie extends Generator {
  readonly name = 'ClientHelloGenerator';
  constructor(
    private readonly forge: (cookie: Uint8Array) => Uint8Array,
    private readonly what: string,
  ) {
    super();
  }
  override describe(): string {
    return `ClientHelloGenerator(${this.what})`;
  }
  generate(peer: Peer): void {
    new ClientHelloGenerator({ cookie: this.forge(peer.cookie) }).generate(peer);
  }
}

const flipLastByte = (cookie: Uint8Array): Uint8Array => cookie.map((b, i) => (i === cookie.length - 1 ? b ^ 0x01 : b));

/** From a ClientHello the server will take, on to the end of a handshake with data exchanged. */
function completeHandshake(ctx: ProbeContext, chain: Chain, hello: ClientHelloOptions = {}): Chain {
  chain.then(new ClientHelloGenerator(hello), new ExpectServerHello());
  return exchangeData(expectServerFinished(clientFlight5(afterServerHello(ctx, chain))));
}

/**
 * What a server may do with a ClientHello whose cookie it cannot accept, other than a ServerHello:
 * a HelloVerifyRequest (what RFC 6347 §4.2.1 advises), a fatal alert, or nothing. A repeated
 * HelloVerifyRequest whose message_seq and record number are those of the first one is taken by
 * the harness for a retransmission and shows up here as silence.
 */
function noServerHello(waitMs = 2000): Expect {
  const hvr = new ExpectHelloVerifyRequest();
  hvr.timeoutMs = waitMs;
  return hvr.or(new ExpectAlert(AlertLevel.fatal)).or(new ExpectNoMessage(waitMs));
}

export const SERVER_COOKIE: readonly Probe[] = [
  {
    name: 'cookie-exchange-first',
    group: 'server-cookie',
    role: 'server',
    title: 'The server answers the first ClientHello with a HelloVerifyRequest and completes the handshake once the cookie comes back',
    requirements: ['RFC6347-4.2.1-cookie-default', 'RFC6347-4.2.1-cookie-verify'],
    needs: ['cookie'],
    build: (ctx) => completeHandshake(ctx, new Chain().then(new ClientHelloGenerator(), new ExpectHelloVerifyRequest())).root,
  },
  {
    // RFC 6347 §4.2.1 says both that a DTLS 1.2 server SHOULD put DTLS 1.0 there and that it MUST
    // put the version it would give in its ServerHello (DTLS 1.2): each of the two values obeys
    // one of those sentences, so either passes here; anything else obeys neither.
    name: 'hvr-server-version',
    group: 'server-cookie',
    role: 'server',
    title: 'HelloVerifyRequest.server_version is DTLS 1.0 or DTLS 1.2',
    requirements: ['RFC6347-4.2.1-hvr-version', 'RFC6347-4.2.1-hvr-version-serverhello'],
    needs: ['cookie'],
    build: () => new Chain().then(new ClientHelloGenerator(), new ExpectHelloVerifyRequest({ version: [DTLS10, DTLS12] })).root,
  },
  {
    name: 'hvr-server-version-dtls10',
    group: 'server-cookie',
    role: 'server',
    title: 'HelloVerifyRequest.server_version is DTLS 1.0 (0xfeff), whatever version the server negotiates',
    requirements: ['RFC6347-4.2.1-hvr-version'],
    needs: ['cookie'],
    build: () => new Chain().then(new ClientHelloGenerator(), new ExpectHelloVerifyRequest({ version: DTLS10 })).root,
  },
  {
    name: 'hvr-record-seq-mirrored',
    group: 'server-cookie',
    role: 'server',
    title: 'The HelloVerifyRequest takes the record sequence number of the ClientHello it answers',
    requirements: ['RFC6347-4.2.1-seq-mirror'],
    needs: ['cookie'],
    build: () => new Chain().then(new ClientHelloGenerator({ recordSeq: 7 }), new ExpectHelloVerifyRequestIn({ recordSeq: 7 })).root,
  },
  {
    name: 'server-hello-record-seq-mirrored',
    group: 'server-cookie',
    role: 'server',
    title: 'After the cookie exchange, the initial ServerHello takes the record sequence number of the ClientHello that carried the cookie',
    requirements: ['RFC6347-4.2.1-seq-mirror'],
    needs: ['cookie'],
    build: (ctx) => {
      const chain = new Chain().then(new ClientHelloGenerator({ recordSeq: 7 }), new ExpectHelloVerifyRequest(), new ClientHelloGenerator({ recordSeq: 12 }), new ExpectServerHelloIn(12));
      return exchangeData(expectServerFinished(clientFlight5(afterServerHello(ctx, chain)))).root;
    },
  },
  {
    // RFC 6347 §4.2.4.1: a timer would fire after about a second, twice that the next time; 4 s
    // covers the first two expiries of any sensible timer.
    name: 'hvr-not-retransmitted',
    group: 'server-cookie',
    role: 'server',
    title: 'The server never retransmits a HelloVerifyRequest on a timer',
    requirements: ['RFC6347-3.2.1-hvr-no-retransmit'],
    needs: ['cookie'],
    build: () => new Chain().then(new ClientHelloGenerator(), new ExpectHelloVerifyRequest(), new ExpectNoRetransmission(4000)).root,
  },
  {
    name: 'hvr-resent-for-retransmitted-hello',
    group: 'server-cookie',
    role: 'server',
    title: 'A retransmitted first ClientHello gets a HelloVerifyRequest again, and the handshake then completes',
    requirements: ['RFC6347-3.2.1-hvr-on-retransmission'],
    needs: ['cookie'],
    build: (ctx) =>
      completeHandshake(ctx, new Chain().then(new ClientHelloGenerator(), new ExpectHelloVerifyRequest(), new RetransmitFlight(), new ExpectHelloVerifyRequestAgain({ timeoutMs: 3000 }))).root,
  },
  {
    // Before a cookie comes back the server only knows a source address that may be forged: what
    // it sends then must not outweigh what it got (RFC 6347 §4.2.1: the exchange counters the
    // server being used as an amplifier; §3.2.1: the HelloVerifyRequest is small, one fragment).
    // A ClientHello with a bad cookie is also unverified: it may get another HelloVerifyRequest.
    name: 'hvr-no-amplification',
    group: 'server-cookie',
    role: 'server',
    title: 'Until a cookie is verified, the server sends no more bytes than the ClientHellos it received, in an unfragmented HelloVerifyRequest',
    requirements: ['RFC6347-4.2.1-amplification', 'RFC6347-3.2.1-hvr-small'],
    needs: ['cookie'],
    build: () =>
      new Chain().then(
        new ClientHelloGenerator(),
        new ExpectHelloVerifyRequestIn({ unfragmented: true }),
        new ClientHelloForgedCookie(flipLastByte, 'cookie with its last bit flipped'),
        new AdvanceClock(2000),
        new ExpectAmplificationLimit({ factor: 1, settleMs: 1000 }),
      ).root,
  },
  {
    name: 'cookie-wrong-no-server-hello',
    group: 'server-cookie',
    role: 'server',
    title: 'A ClientHello whose cookie has one bit flipped never gets a ServerHello: a new HelloVerifyRequest, a fatal alert or silence',
    requirements: ['RFC6347-4.2.1-cookie-verify'],
    needs: ['cookie'],
    build: () => new Chain().then(new ClientHelloGenerator(), new ExpectHelloVerifyRequest(), new ClientHelloForgedCookie(flipLastByte, 'cookie with its last bit flipped'), noServerHello()).root,
  },
  {
    name: 'cookie-wrong-new-hvr',
    group: 'server-cookie',
    role: 'server',
    title: 'A ClientHello with a cookie that does not verify is treated as one without a cookie: a new HelloVerifyRequest, after which the handshake completes',
    requirements: ['RFC6347-4.2.1-cookie-mismatch'],
    needs: ['cookie'],
    build: (ctx) =>
      completeHandshake(
        ctx,
        new Chain().then(
          new ClientHelloGenerator(),
          new ExpectHelloVerifyRequest(),
          new ClientHelloForgedCookie(flipLastByte, 'cookie with its last bit flipped'),
          new ExpectHelloVerifyRequestAgain({ timeoutMs: 3000 }),
        ),
      ).root,
  },
  {
    name: 'cookie-garbage-first-hello',
    group: 'server-cookie',
    role: 'server',
    title: 'A first ClientHello carrying a cookie the server never issued gets no ServerHello; after a HelloVerifyRequest the handshake completes',
    requirements: ['RFC6347-4.2.1-cookie-verify'],
    needs: ['cookie'],
    build: (ctx) => {
      const garbage = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
      const chain = new Chain().then(new ClientHelloGenerator({ cookie: garbage }));
      const answer = noServerHello();
      // the HelloVerifyRequest alternative (the first of them) goes on with the cookie it gave
      completeHandshake(ctx, new Chain(answer));
      chain.then(answer);
      return chain.root;
    },
  },
  {
    name: 'cookie-bound-to-random',
    group: 'server-cookie',
    role: 'server',
    title: 'The server checks the returned cookie against the ClientHello: the cookie with a different random gets no ServerHello',
    requirements: ['RFC6347-4.2.1-cookie-parameters'],
    needs: ['cookie'],
    build: () => new Chain().then(new ClientHelloGenerator(), new ExpectHelloVerifyRequest(), new ClientHelloGenerator({ sameRandom: false }), noServerHello()).root,
  },
];
