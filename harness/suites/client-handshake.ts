/**
 * Client probes of the DTLS handshake machinery (RFC 6347 §4.2.1, §4.2.2, §4.2.4): the cookie
 * exchange in its variants (same parameters, a second HelloVerifyRequest, the longest and an empty
 * cookie, either version in HelloVerifyRequest), and retransmission: the client's timer and its
 * backoff, how it answers our repeated flights, and its silence once the handshake is over.
 *
 * Timing assertions hold on real clocks too: a first retransmission between 0.5 and 3 s, each later
 * gap 1.5 to 3 times the one before (RFC 6347 §4.2.4.1 asks for 1 s, doubling).
 */
import { HandshakeType } from '../../reference/wire/enums.ts';
import { ApplicationDataGenerator, ExpectApplicationData, ExpectDelivery, ExpectNoMessage } from '../conversation/nodes-common.ts';
import { Impair, RetransmitFlight } from '../conversation/nodes-flight.ts';
import { AdvanceClock, ExpectNoRetransmission, ExpectRetransmission, ExpectRetransmissionBackoff } from '../conversation/nodes-timing.ts';
import { ExpectClientHello, ExpectClientHelloWithCookie, HelloVerifyRequestGenerator } from '../conversation/nodes-server.ts';
import { Chain, cookieExchangeWithClient, expectClientFlight5, handshakeWithClient, serverFlight4, serverFlight6 } from './flows.ts';
import type { Probe, ProbeContext } from './types.ts';

const GROUP = 'client-handshake';

/** A first retransmission on a real clock: RFC 6347 §4.2.4.1 asks for 1 s; jitter and slow starts allowed. */
const FIRST_RETRANSMISSION_MS = { min: 500, max: 3000 };
/** The gap before a second retransmission: twice the first. */
const SECOND_RETRANSMISSION_MS = { min: 1000, max: 6000 };
/** Each later gap against the one before: doubling, within what a real clock blurs. */
const DOUBLING = { min: 1.5, max: 3 };

/**
 * After our flight 6: the client shows it completed the handshake. A client that sends data once
 * connected sends it now; any other is given a second of silence (no alert; a retransmitted flight
 * 5 would be recorded, not counted).
 */
export function clientCompletes(ctx: ProbeContext, chain: Chain): Chain {
  if (ctx.iut.features.includes('client-sends-data')) return chain.then(new ExpectApplicationData());
  return chain.then(new ExpectNoMessage(1000));
}

/** A full handshake with the cookie exchange, through the client's first data when it sends some. */
export function completedHandshake(ctx: ProbeContext): Chain {
  return clientCompletes(ctx, handshakeWithClient(ctx));
}

/** Flight 4 to the end of the handshake, from after the client's last ClientHello. */
function fromFlight4(ctx: ProbeContext, chain: Chain): Chain {
  return clientCompletes(ctx, serverFlight6(expectClientFlight5(serverFlight4(ctx, chain))));
}

/** Application data to the client after the handshake, and its application gets it. */
export function deliveredAfter(chain: Chain, data: string): Chain {
  return chain.then(new ApplicationDataGenerator(data), new ExpectDelivery(data));
}

const cookieOf = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + 1) & 0xff);

/** The cookie exchange with a HelloVerifyRequest shaped by `hvr`, then the whole handshake. */
function cookieProbe(ctx: ProbeContext, hvr: ConstructorParameters<typeof HelloVerifyRequestGenerator>[0]): Chain {
  const chain = new Chain().then(new ExpectClientHello({ cookie: 'absent' }), new HelloVerifyRequestGenerator(hvr), new ExpectClientHelloWithCookie({ messageSeq: 1 }));
  return fromFlight4(ctx, chain);
}

export const CLIENT_HANDSHAKE_PROBES: readonly Probe[] = [
  // --- the cookie exchange (RFC 6347 §4.2.1)
  {
    name: 'cookie-same-parameters',
    group: GROUP,
    role: 'client',
    title: 'The client answers a HelloVerifyRequest with a ClientHello (message_seq 1) that carries the cookie and repeats the version, random, session_id, suites and compression methods',
    requirements: ['RFC6347-4.2.1-cookie', 'RFC6347-4.2.2-message-seq'],
    build: (ctx) => cookieProbe(ctx, {}).root,
  },
  {
    name: 'cookie-second-hello-verify-request',
    group: GROUP,
    role: 'client',
    title: 'A second HelloVerifyRequest with a new cookie is answered with another ClientHello (message_seq 2) carrying the new cookie, and the handshake completes',
    requirements: ['RFC6347-4.2.1-new-cookie', 'RFC6347-4.2.1-cookie', 'RFC6347-4.2.2-message-seq'],
    build: (ctx) => {
      const chain = new Chain().then(
        new ExpectClientHello({ cookie: 'absent' }),
        new HelloVerifyRequestGenerator({ cookie: cookieOf(20) }),
        new ExpectClientHelloWithCookie({ messageSeq: 1 }),
        new HelloVerifyRequestGenerator({ cookie: cookieOf(32).reverse() }),
        new ExpectClientHelloWithCookie({ messageSeq: 2 }),
      );
      return fromFlight4(ctx, chain).root;
    },
  },
  {
    name: 'cookie-255-bytes',
    group: GROUP,
    role: 'client',
    title: 'A 255-byte cookie, the DTLS 1.2 maximum, comes back whole in the next ClientHello and the handshake completes',
    requirements: ['RFC6347-4.2.1-cookie-255', 'RFC6347-4.2.1-cookie'],
    build: (ctx) => cookieProbe(ctx, { cookie: cookieOf(255) }).root,
  },
  {
    name: 'cookie-hvr-version-dtls10',
    group: GROUP,
    role: 'client',
    title: 'A HelloVerifyRequest whose server_version is DTLS 1.0 (feff) does not keep the client from a DTLS 1.2 ServerHello: it returns the cookie and completes the handshake',
    requirements: ['RFC6347-4.2.1-hvr-version-client', 'RFC6347-4.2.1-cookie'],
    build: (ctx) => cookieProbe(ctx, { version: 0xfeff }).root,
  },
  {
    name: 'cookie-hvr-version-dtls12',
    group: GROUP,
    role: 'client',
    title: 'A HelloVerifyRequest whose server_version is DTLS 1.2 (fefd) is answered like one with DTLS 1.0, and the handshake completes',
    requirements: ['RFC6347-4.2.1-hvr-version-client', 'RFC6347-4.2.1-cookie'],
    build: (ctx) => cookieProbe(ctx, { version: 0xfefd }).root,
  },
  // RFC 6347 §4.2.1 gives HelloVerifyRequest `opaque cookie<0..2^8-1>`: an empty cookie is well
  // formed, and the client MUST send its ClientHello again "with the cookie added", here a
  // zero-length one. Nothing allows the client to refuse it, so the probe expects the ClientHello
  // (message_seq 1, same parameters) and a completed handshake.
  {
    name: 'cookie-empty',
    group: GROUP,
    role: 'client',
    title: 'A HelloVerifyRequest with an empty cookie, which cookie<0..2^8-1> allows, is answered with a ClientHello (message_seq 1, same parameters, empty cookie) and the handshake completes',
    requirements: ['RFC6347-4.2.1', 'RFC6347-4.2.1-cookie'],
    build: (ctx) => cookieProbe(ctx, { cookie: new Uint8Array(0) }).root,
  },

  // --- the client's retransmission timer (RFC 6347 §4.2.4, §4.2.4.1)
  {
    name: 'retransmit-client-hello',
    group: GROUP,
    role: 'client',
    title: 'A client whose ClientHello goes unanswered sends it again and again at doubling intervals (about 2 s, then 4 s), and completes the handshake once answered',
    requirements: ['RFC6347-4.2.4-timer-expiry', 'RFC6347-4.2.4.1-timer-double', 'RFC6347-4.2.4.1-timer-initial'],
    build: (ctx) => {
      // The first ClientHello can wait in the socket while a real client starts, so its arrival
      // time is not exact: the first gap is only bounded, and the doubling is measured between
      // retransmissions (1 s, 2 s, 4 s: the second and third gaps).
      const chain = new Chain().then(
        new ExpectClientHello({ cookie: 'absent' }),
        new ExpectRetransmission({ msgType: HandshakeType.client_hello, afterMs: { min: 0, max: FIRST_RETRANSMISSION_MS.max }, timeoutMs: FIRST_RETRANSMISSION_MS.max + 1000 }),
        new ExpectRetransmissionBackoff({ msgType: HandshakeType.client_hello, count: 2, firstMs: SECOND_RETRANSMISSION_MS, factor: DOUBLING }),
        new HelloVerifyRequestGenerator(),
        new ExpectClientHelloWithCookie({ messageSeq: 1 }),
      );
      return fromFlight4(ctx, chain).root;
    },
  },
  {
    name: 'retransmit-cookie-client-hello',
    group: GROUP,
    role: 'client',
    title: 'A client whose ClientHello with the cookie goes unanswered sends it again about a second later and completes the handshake once flight 4 comes',
    requirements: ['RFC6347-4.2.4-timer-expiry', 'RFC6347-4.2.4.1-timer-initial'],
    build: (ctx) => {
      const chain = cookieExchangeWithClient().then(
        new ExpectRetransmission({ msgType: HandshakeType.client_hello, afterMs: FIRST_RETRANSMISSION_MS, timeoutMs: FIRST_RETRANSMISSION_MS.max + 1000 }),
      );
      return fromFlight4(ctx, chain).root;
    },
  },
  {
    name: 'retransmit-flight5',
    group: GROUP,
    role: 'client',
    title: 'A client whose flight 5 goes unanswered sends it again about a second later, then after twice as long, and completes the handshake when flight 6 comes',
    requirements: ['RFC6347-4.2.4-timer-expiry', 'RFC6347-4.2.4.1-timer-initial', 'RFC6347-4.2.4.1-timer-double'],
    build: (ctx) => {
      const chain = expectClientFlight5(serverFlight4(ctx, cookieExchangeWithClient())).then(
        new ExpectRetransmissionBackoff({ msgType: HandshakeType.client_key_exchange, count: 2, firstMs: FIRST_RETRANSMISSION_MS, factor: DOUBLING }),
      );
      return clientCompletes(ctx, serverFlight6(chain)).root;
    },
  },
  {
    name: 'no-retransmit-after-handshake',
    group: GROUP,
    role: 'client',
    title: 'Once flight 6 has arrived the client is in FINISHED and sends nothing again: no flight 5 on a timer',
    requirements: ['RFC6347-4.2.4-final-flight-received'],
    build: (ctx) => completedHandshake(ctx).then(new ExpectNoRetransmission(3500)).root,
  },
  {
    name: 'flight4-repeated',
    group: GROUP,
    role: 'client',
    title: 'A client that sent flight 5 and gets flight 4 again sends flight 5 again (at once, or on its timer) and completes the handshake when flight 6 comes',
    requirements: ['RFC6347-4.2.4-waiting-read-retransmit', 'RFC6347-4.2.2-next-receive-seq'],
    build: (ctx) => {
      const chain = expectClientFlight5(serverFlight4(ctx, cookieExchangeWithClient())).then(
        new RetransmitFlight(),
        new ExpectRetransmission({ msgType: HandshakeType.client_key_exchange, timeoutMs: FIRST_RETRANSMISSION_MS.max }),
      );
      return clientCompletes(ctx, serverFlight6(chain)).root;
    },
  },
  {
    name: 'flight6-repeated',
    group: GROUP,
    role: 'client',
    title: 'A repeat of flight 6 after the handshake is discarded without an alert, and the connection still delivers data',
    requirements: ['RFC6347-4.2.2-next-receive-seq', 'RFC6347-4.2.4-final-flight-received'],
    build: (ctx) => deliveredAfter(completedHandshake(ctx).then(new RetransmitFlight(), new ExpectNoMessage(1000)), 'dtlsprobe after flight 6 again\n').root,
  },
  {
    name: 'flight4-server-hello-done-lost',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'When the ServerHelloDone of flight 4 is lost the client does not send flight 5, and it completes the handshake once flight 4 is sent again',
    requirements: ['RFC6347-4.2.4-partial-read', 'RFC6347-4.2.2-next-receive-seq'],
    build: (ctx) => {
      const chain = serverFlight4(ctx, cookieExchangeWithClient());
      // flight 4 of a certificate suite: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone
      chain.then(new Impair({ drop: [3] }), new ExpectNoMessage(2000), new RetransmitFlight());
      return clientCompletes(ctx, serverFlight6(expectClientFlight5(chain))).root;
    },
  },
  {
    name: 'client-hello-answered-late',
    group: GROUP,
    role: 'client',
    title: 'A HelloVerifyRequest that comes after the client has retransmitted its ClientHello is answered with one ClientHello carrying the cookie, and the handshake completes',
    requirements: ['RFC6347-4.2.1-cookie', 'RFC6347-4.2.4-timer-expiry'],
    build: (ctx) => {
      const chain = new Chain().then(
        new ExpectClientHello({ cookie: 'absent' }),
        new AdvanceClock(1500),
        new HelloVerifyRequestGenerator(),
        new ExpectClientHelloWithCookie({ messageSeq: 1 }),
      );
      return fromFlight4(ctx, chain).root;
    },
  },
];
