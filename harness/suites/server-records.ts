/**
 * The server's record layer (RFC 6347 §4.1, §4.1.1, §4.1.2.6, §4.1.2.7): flight 5 reordered,
 * several records in one datagram, replayed records and records outside the replay window, a jump
 * far ahead in sequence numbers, and a record of an epoch that does not exist yet.
 */
import { ContentType } from '../../reference/wire/enums.ts';
import { ApplicationDataGenerator, ExpectChangeCipherSpec, ExpectDelivery, ExpectFinished, ExpectNoDelivery, ExpectNoMessage, RawRecordGenerator } from '../conversation/nodes-common.ts';
import { Impair, ReorderFlight, ReplayLastFlight, RetransmitFlight } from '../conversation/nodes-flight.ts';
import type { Node } from '../conversation/tree.ts';
import { type Chain, clientFlight5, exchangeData, expectServerFinished, handshakeWithServer, toServerHelloDone } from './flows.ts';
import type { Probe } from './types.ts';

/**
 * The server's flight 6; or, when it stays silent for `waitMs` (it dropped records it could not
 * place yet, RFC 6347 §4.1 allows that), flight 5 again, up to `rounds` times.
 */
export function serverFinishedAfterRetransmissions(chain: Chain, rounds: number, waitMs = 2000): Chain {
  let attach: Node = chain.tail;
  const done = new ExpectFinished();
  for (let i = 0; i <= rounds; i++) {
    const ccs = new ExpectChangeCipherSpec();
    ccs.add(done);
    if (i < rounds) {
      ccs.timeoutMs = waitMs;
      const silence = new ExpectNoMessage(waitMs);
      attach.add(ccs.or(silence));
      attach = silence.add(new RetransmitFlight());
    } else {
      attach.add(ccs);
    }
  }
  return chain.at(done);
}

/** Far beyond any replay window a receiver would keep (RFC 6347 §4.1.2.6: 32 at least, 64 by default). */
const FAR_AHEAD = 10_000;

export const SERVER_RECORDS: readonly Probe[] = [
  {
    // Finished, then ChangeCipherSpec, then ClientKeyExchange: the server may hold what it cannot
    // place yet or drop it (RFC 6347 §4.1, §4.2.2); if it drops, flight 5 comes again (reversed
    // again) after two seconds of silence, up to twice.
    name: 'flight5-reordered',
    group: 'server-records',
    role: 'server',
    title: 'The server completes the handshake when the records of flight 5 arrive in reverse order',
    requirements: ['RFC6347-4.2.2-queue-future', 'RFC6347-4.1-epoch-buffer'],
    build: (ctx) => exchangeData(serverFinishedAfterRetransmissions(clientFlight5(toServerHelloDone(ctx)).then(new ReorderFlight('reverse')), 2)).root,
  },
  {
    // An echo shows a second delivery as a second echo. Without one, what the application reports
    // it read (s_server prints it as it comes; in-process peers collect it) is one stream: a
    // replay delivered shows up as the text twice in a row, since nothing else is sent in
    // between, and the data sent next must follow the first copy directly (which also shows that
    // the stream is the data as read, so that the check before it could have seen the copy).
    name: 'replayed-application-data',
    group: 'server-records',
    role: 'server',
    title: 'An application data record replayed byte for byte (same epoch and sequence number) is not delivered a second time',
    requirements: ['RFC6347-4.1.2.6-replay'],
    build: (ctx) => {
      const first = 'dtlsprobe replayed record\n';
      const next = 'dtlsprobe after the replay\n';
      const echo = ctx.iut.features.includes('echo');
      return handshakeWithServer(ctx).then(
        new ApplicationDataGenerator(first),
        new ExpectDelivery(first),
        new ReplayLastFlight(),
        new ExpectNoDelivery(echo ? first : first + first, 1500),
        new ApplicationDataGenerator(next),
        new ExpectDelivery(echo ? next : first + next),
      ).root;
    },
  },
  {
    name: 'record-below-replay-window',
    group: 'server-records',
    role: 'server',
    title: 'After a record numbered 10000, a new record numbered 5 (left of any replay window) is discarded and the connection carries on',
    requirements: ['RFC6347-4.1.2.6-replay-window'],
    build: (ctx) =>
      handshakeWithServer(ctx).then(
        new ApplicationDataGenerator('dtlsprobe record 10000\n', { sequenceNumber: FAR_AHEAD }),
        new ExpectDelivery('dtlsprobe record 10000\n'),
        new ApplicationDataGenerator('dtlsprobe stale record 5\n', { sequenceNumber: 5 }),
        new ExpectNoDelivery('dtlsprobe stale record 5\n', 1500),
        new ApplicationDataGenerator('dtlsprobe record 10001\n', { sequenceNumber: FAR_AHEAD + 1 }),
        new ExpectDelivery('dtlsprobe record 10001\n'),
      ).root,
  },
  {
    name: 'record-seq-far-ahead',
    group: 'server-records',
    role: 'server',
    title: 'A record whose sequence number jumps far ahead (2^40) is accepted, and so is the one after it',
    requirements: ['RFC6347-4.1.2.6-replay-window'],
    build: (ctx) =>
      handshakeWithServer(ctx).then(
        new ApplicationDataGenerator('dtlsprobe record 2^40\n', { sequenceNumber: 2 ** 40 }),
        new ExpectDelivery('dtlsprobe record 2^40\n'),
        new ApplicationDataGenerator('dtlsprobe record 2^40+1\n', { sequenceNumber: 2 ** 40 + 1 }),
        new ExpectDelivery('dtlsprobe record 2^40+1\n'),
      ).root,
  },
  {
    name: 'records-packed-in-datagram',
    group: 'server-records',
    role: 'server',
    title: 'The server takes several records from one datagram: all of flight 5, then two application data records',
    requirements: ['RFC6347-4.1.1-records-per-datagram'],
    build: (ctx) =>
      expectServerFinished(clientFlight5(toServerHelloDone(ctx).then(new Impair({ pack: true })))).then(
        new ApplicationDataGenerator('dtlsprobe packed record 1\n'),
        new ApplicationDataGenerator('dtlsprobe packed record 2\n'),
        new ExpectDelivery('dtlsprobe packed record 1\n'),
        new ExpectDelivery('dtlsprobe packed record 2\n'),
        new Impair({ pack: false }),
      ).root,
  },
  {
    // No epoch 2 exists (no renegotiation): the record cannot be opened, and is dropped like any
    // invalid record (RFC 6347 §4.1.2.7), or held for an epoch that never comes (§4.1).
    name: 'future-epoch-record-ignored',
    group: 'server-records',
    role: 'server',
    title: 'An application data record of epoch 2, which no handshake has set up, is not delivered and does not break the connection',
    requirements: ['RFC6347-4.1.2.7-discard-invalid', 'RFC6347-4.1-epoch-buffer'],
    build: (ctx) =>
      exchangeData(
        handshakeWithServer(ctx).then(
          new RawRecordGenerator(ContentType.application_data, new TextEncoder().encode('dtlsprobe epoch 2\n'), { epoch: 2, protect: true, note: 'epoch 2' }),
          new ExpectNoDelivery('dtlsprobe epoch 2\n', 1500),
        ),
        'dtlsprobe after epoch 2\n',
      ).root,
  },
];
