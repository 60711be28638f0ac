/**
 * The server's timeout and retransmission (RFC 6347 §4.2.4, §4.2.4.1): flight 4 is resent on the
 * server's timer, first after about a second and then at doubling intervals, and at once when the
 * client's ClientHello comes again, without starting the handshake over; a partial flight 5 stops
 * nothing; the final flight is resent each time the client's flight 5 comes again.
 */
import { HandshakeType } from '../../reference/wire/enums.ts';
import { Impair, RetransmitFlight } from '../conversation/nodes-flight.ts';
import { AdvanceClock, ExpectFlightRetransmission, ExpectRetransmission, ExpectRetransmissionBackoff } from '../conversation/nodes-timing.ts';
import { clientFlight5, exchangeData, expectServerFinished, handshakeWithServer, toServerHelloDone } from './flows.ts';
import type { Probe, ProbeContext } from './types.ts';

/** Flight 4's first and last messages, whatever the suite puts between them. */
const FLIGHT4_ENDS = [HandshakeType.server_hello, HandshakeType.server_hello_done] as const;

/** The rest of the handshake after flight 4, with data exchanged. */
const finish = (chain: ReturnType<typeof toServerHelloDone>): ReturnType<typeof toServerHelloDone> => exchangeData(expectServerFinished(clientFlight5(chain)));

const toFlight4 = (ctx: ProbeContext): ReturnType<typeof toServerHelloDone> => toServerHelloDone(ctx);

export const SERVER_RETRANSMISSION: readonly Probe[] = [
  {
    // Any timer passes here (up to 6 s); its value is the next probes' business.
    name: 'flight4-retransmitted',
    group: 'server-retransmission',
    role: 'server',
    title: 'When the client stays silent after flight 4, the server sends the whole flight again on its timer, and the handshake then completes',
    requirements: ['RFC6347-4.2.4-timer-expiry'],
    build: (ctx) => finish(toFlight4(ctx).then(new ExpectFlightRetransmission({ msgTypes: FLIGHT4_ENDS, timeoutMs: 6000 }))).root,
  },
  {
    // The RFC's value is 1 s; 0.5..2 s leaves room for real clocks and schedulers.
    name: 'flight4-retransmit-initial-timeout',
    group: 'server-retransmission',
    role: 'server',
    title: 'The server first retransmits flight 4 about one second after sending it',
    requirements: ['RFC6347-4.2.4.1-timer-initial'],
    build: (ctx) =>
      toFlight4(ctx).then(
        new ExpectRetransmissionBackoff({ msgType: HandshakeType.server_hello, count: 1, firstMs: { min: 500, max: 2000 } }),
      ).root,
  },
  {
    // Three retransmissions: the second and third gaps must each be about twice the one before
    // (x1.5..x2.6, for real clocks); the first gap is the previous probe's business.
    name: 'flight4-retransmit-backoff',
    group: 'server-retransmission',
    role: 'server',
    title: 'The server doubles its retransmission timeout each time flight 4 goes unanswered',
    requirements: ['RFC6347-4.2.4.1-timer-double'],
    build: (ctx) =>
      toFlight4(ctx).then(
        new ExpectRetransmissionBackoff({ msgType: HandshakeType.server_hello, count: 3, firstMs: { min: 200, max: 4000 }, factor: { min: 1.5, max: 2.6 } }),
      ).root,
  },
  {
    // The client's ClientHello again means flight 4 was lost. RFC 6347 §4.2.4's state machine has
    // the server resend it at once (WAITING, "read retransmit"), but states no requirement
    // keyword; a server that leaves it to its timer (about 1 s, §4.2.4.1) gets flight 4 to the
    // client too. So, as client/flight4-repeated does for clients, either passes (the step log
    // says how long it took); a server that never resends, or starts over, fails.
    name: 'flight4-resent-on-hello-retransmission',
    group: 'server-retransmission',
    role: 'server',
    title: 'A retransmitted ClientHello makes the server resend flight 4 (at once, or on its timer), and the handshake then completes',
    requirements: ['RFC6347-4.2.4-waiting-read-retransmit'],
    build: (ctx) => finish(toFlight4(ctx).then(new RetransmitFlight(), new ExpectRetransmission({ msgType: HandshakeType.server_hello, timeoutMs: 3000 }))).root,
  },
  {
    // A server that took the repeated ClientHello (message_seq below next_receive_seq) for a new
    // one would start over with a new ServerHello random and key share, and the client's Finished,
    // computed over the first flight 4, would not verify.
    name: 'hello-retransmission-keeps-state',
    group: 'server-retransmission',
    role: 'server',
    title: 'A ClientHello retransmitted after flight 4 does not restart the handshake: the handshake completes on the first flight 4',
    requirements: ['RFC6347-4.2.2-next-receive-seq'],
    build: (ctx) => finish(toFlight4(ctx).then(new RetransmitFlight(), new AdvanceClock(1500))).root,
  },
  {
    // Only ClientKeyExchange arrives, after the client Certificate when the server asked for one
    // (ChangeCipherSpec and Finished, the last two records, are lost): a partial flight, so the
    // server keeps its timer and resends flight 4; then the client's whole flight 5 comes again.
    name: 'partial-flight5-keeps-timer',
    group: 'server-retransmission',
    role: 'server',
    title: 'After only part of flight 5 arrives, the server still retransmits flight 4 on its timer, and the handshake completes once flight 5 is resent',
    requirements: ['RFC6347-4.2.4-partial-read'],
    build: (ctx) =>
      exchangeData(
        expectServerFinished(
          clientFlight5(toFlight4(ctx)).then(new Impair({ drop: [-2, -1] }), new ExpectRetransmission({ msgType: HandshakeType.server_hello, timeoutMs: 6000 }), new RetransmitFlight()),
        ),
      ).root,
  },
  {
    // The harness sees the server's resent ChangeCipherSpec (epoch 0) as a retransmission at once;
    // its resent Finished is read with the data that follows.
    name: 'final-flight-resent',
    group: 'server-retransmission',
    role: 'server',
    title: 'Each time the client sends flight 5 again after the handshake, the server resends its ChangeCipherSpec and Finished, and the connection still carries data',
    requirements: ['RFC6347-4.2.4-final-flight-resend'],
    build: (ctx) =>
      exchangeData(
        handshakeWithServer(ctx).then(
          new RetransmitFlight(),
          new ExpectRetransmission({ msgType: 'change_cipher_spec', timeoutMs: 3000 }),
          new RetransmitFlight(),
          new ExpectRetransmission({ msgType: 'change_cipher_spec', timeoutMs: 3000 }),
        ),
      ).root,
  },
];
