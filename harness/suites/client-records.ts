/**
 * Client probes of how flight 4 may reach the client (RFC 6347 §4.1.1, §4.2.2, §4.2.3): the
 * Certificate in small fragments, reversed, repeated and overlapping; the whole flight in one
 * datagram or one record; records reordered and duplicated. Then the record layer after the
 * handshake (§4.1, §4.1.2.6, §4.1.2.7, §4.2.4): replays, a bad MAC, a record of a future epoch,
 * plaintext at epoch 0, and data that overtakes our Finished.
 *
 * Where RFC 6347 §4.1.2.7 lets an implementation answer an invalid record with a fatal alert
 * instead of dropping it silently, both are accepted; the silent branch then checks that the
 * connection still delivers data.
 */
import { AlertDescription, AlertLevel, ContentType } from '../../reference/wire/enums.ts';
import { ApplicationDataGenerator, ChangeCipherSpecGenerator, ExpectAlert, ExpectChangeCipherSpec, ExpectDelivery, ExpectFinished, ExpectNoDelivery, ExpectNoMessage, FinishedGenerator, RawRecordGenerator } from '../conversation/nodes-common.ts';
import { DuplicateRecords, FragmentMessage, FragmentWithOverlap, Impair, MergeRecords, RearrangeQueued, ReorderFlight, ReplayLastFlight, RetransmitFlight } from '../conversation/nodes-flight.ts';
import {
  CertificateGenerator,
  ExpectClientKeyExchange,
  ServerHelloDoneGenerator,
  ServerHelloGenerator,
  ServerKeyExchangeGenerator,
} from '../conversation/nodes-server.ts';
import type { Node } from '../conversation/tree.ts';
import { clientCompletes, completedHandshake, deliveredAfter } from './client-handshake.ts';
import { Chain, cookieExchangeWithClient, expectClientFlight5, serverFlight6 } from './flows.ts';
import type { Probe, ProbeContext } from './types.ts';

const GROUP = 'client-records';
const utf8 = new TextEncoder();

/**
 * Flight 4 of a certificate suite (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone)
 * after the cookie exchange, with `afterCertificate` run while the Certificate is the last record
 * queued, and `beforeSending` once the whole flight is queued.
 */
function flight4(o: { afterCertificate?: Node[]; beforeSending?: Node[] } = {}): Chain {
  return cookieExchangeWithClient().then(
    new ServerHelloGenerator(),
    new CertificateGenerator(),
    ...(o.afterCertificate ?? []),
    new ServerKeyExchangeGenerator(),
    new ServerHelloDoneGenerator(),
    ...(o.beforeSending ?? []),
  );
}

/**
 * How long the client may take over flight 4 before its flight 5 is due. Some clients take tens of
 * milliseconds per datagram (GnuTLS about 70 on a real clock), and a Certificate cut small makes
 * dozens of them.
 */
const FLIGHT4_MS = 10_000;

/** The client's flight 5 after a flight 4 of many records (see FLIGHT4_MS). */
function expectFlight5(chain: Chain): Chain {
  const cke = new ExpectClientKeyExchange();
  cke.timeoutMs = FLIGHT4_MS;
  return chain.then(cke, new ExpectChangeCipherSpec(), new ExpectFinished());
}

/** The rest of the handshake after flight 4 is queued. */
function finish(ctx: ProbeContext, chain: Chain): Chain {
  return clientCompletes(ctx, serverFlight6(expectFlight5(chain)));
}

/** Certificate fragments of this many body bytes: many records even for a short chain. */
const FRAGMENT = 64;
/** Fragments for a flight packed into one datagram: a few records (a server packs a flight's tail, not dozens of pieces). */
const PACKED_FRAGMENT = 256;

/**
 * After something the client must drop, two allowed outcomes (RFC 6347 §4.1.2.7): a fatal alert
 * (`alert` narrows its description), or silence, after which `data` still reaches the client's
 * application.
 */
function droppedOrFatal(chain: Chain, data: string, alert?: number, dataOptions: ConstructorParameters<typeof ApplicationDataGenerator>[1] = {}): Chain {
  const fatal = new ExpectAlert(AlertLevel.fatal, alert);
  fatal.timeoutMs = 1000;
  const silent = new ExpectNoMessage(1000);
  fatal.or(silent);
  chain.then(fatal);
  return chain.at(silent).then(new ApplicationDataGenerator(data, dataOptions), new ExpectDelivery(data));
}

/** The epoch-1 sequence number of our first record after flight 6 (the Finished took 0). */
const FIRST_DATA_SEQ = 1;

export const CLIENT_RECORDS_PROBES: readonly Probe[] = [
  // --- flight 4 in pieces (RFC 6347 §4.2.3)
  {
    name: 'certificate-fragmented',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'A Certificate sent in 64-byte fragments, each in its own record and datagram, is reassembled and the handshake completes',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) => finish(ctx, flight4({ afterCertificate: [new FragmentMessage({ size: FRAGMENT })] })).root,
  },
  {
    name: 'certificate-fragments-reversed',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Certificate fragments sent last first are reassembled and the handshake completes',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) =>
      finish(ctx, flight4({ afterCertificate: [new FragmentMessage({ size: FRAGMENT }), new RearrangeQueued({ from: 1, order: 'reverse' })] })).root,
  },
  {
    name: 'certificate-fragments-interleaved',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Certificate fragments sent out of order (every second one first) are reassembled and the handshake completes',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) =>
      finish(ctx, flight4({ afterCertificate: [new FragmentMessage({ size: FRAGMENT }), new RearrangeQueued({ from: 1, order: 'interleave' })] })).root,
  },
  {
    name: 'certificate-fragments-repeated',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Certificate fragments each sent twice, in records of their own, are reassembled once and the handshake completes',
    requirements: ['RFC6347-4.2.3-reassembly', 'RFC6347-4.2.3-overlap'],
    build: (ctx) =>
      finish(ctx, flight4({ afterCertificate: [new FragmentMessage({ size: FRAGMENT }), new RearrangeQueued({ from: 1, repeat: true })] })).root,
  },
  {
    name: 'certificate-fragments-overlapping',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Certificate fragments of 96 bytes that overlap their neighbours by 32 are reassembled and the handshake completes',
    requirements: ['RFC6347-4.2.3-overlap', 'RFC6347-4.2.3-reassembly'],
    build: (ctx) => finish(ctx, flight4({ afterCertificate: [new FragmentWithOverlap({ size: 96, overlap: 32 })] })).root,
  },
  {
    name: 'flight4-one-datagram',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Flight 4 with its four records in one datagram is taken whole and the handshake completes',
    requirements: ['RFC6347-4.1.1-records-per-datagram', 'RFC6347-4.2.3-shared-record'],
    build: (ctx) => {
      const chain = flight4({ beforeSending: [new Impair({ pack: true })] }).then(new ExpectClientKeyExchange(), new Impair({ pack: false }));
      return clientCompletes(ctx, serverFlight6(chain.then(new ExpectChangeCipherSpec(), new ExpectFinished()))).root;
    },
  },
  {
    name: 'flight4-one-record',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Flight 4 with its four handshake messages in one record is taken whole and the handshake completes',
    requirements: ['RFC6347-4.2.3-shared-record'],
    build: (ctx) => finish(ctx, flight4({ beforeSending: [new MergeRecords('all')] })).root,
  },
  {
    name: 'flight4-fragments-one-datagram',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Flight 4 in one datagram, its Certificate cut into 256-byte fragments each in a record of its own, is taken whole and the handshake completes',
    requirements: ['RFC6347-4.1.1-records-per-datagram', 'RFC6347-4.2.3-reassembly'],
    build: (ctx) => {
      const chain = flight4({ afterCertificate: [new FragmentMessage({ size: PACKED_FRAGMENT })], beforeSending: [new Impair({ pack: true })] }).then(
        new ExpectClientKeyExchange(),
        new Impair({ pack: false }),
      );
      return clientCompletes(ctx, serverFlight6(chain.then(new ExpectChangeCipherSpec(), new ExpectFinished()))).root;
    },
  },

  // --- flight 4 records reordered and duplicated (RFC 6347 §4.2.2)
  // A message above next_receive_seq SHOULD be queued but MAY be dropped: a client that queues
  // answers at once; one that drops the early ServerHelloDone gets the flight again after two
  // seconds of silence, in the same order, and then has everything it needs.
  {
    name: 'flight4-reordered',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Flight 4 with the ServerHelloDone sent before the Certificate and ServerKeyExchange completes the handshake: the client queues the early message, or drops it and takes the flight again',
    requirements: ['RFC6347-4.2.2-queue-future', 'RFC6347-4.2.2-next-receive-seq'],
    build: (ctx) => {
      const chain = flight4().then(new ReorderFlight([0, 3, 1, 2]));
      const queued = new ExpectClientKeyExchange();
      queued.timeoutMs = 2000;
      const dropped = new ExpectNoMessage(2000);
      queued.or(dropped);
      chain.then(queued);
      const ccs = new ExpectChangeCipherSpec();
      queued.add(ccs);
      dropped.add(new RetransmitFlight()).add(new ExpectClientKeyExchange()).add(ccs);
      return clientCompletes(ctx, serverFlight6(chain.at(ccs).then(new ExpectFinished()))).root;
    },
  },
  {
    name: 'flight4-records-duplicated',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Flight 4 with every record sent twice, byte for byte, completes the handshake: the copies are dropped',
    requirements: ['RFC6347-4.1.2.6-replay', 'RFC6347-4.2.2-next-receive-seq'],
    build: (ctx) => {
      const chain = flight4().then(new DuplicateRecords('all'));
      return finish(ctx, chain).root;
    },
  },

  // --- the record layer after the handshake (RFC 6347 §4.1, §4.1.2.6, §4.1.2.7)
  {
    name: 'app-data-replayed',
    group: GROUP,
    role: 'client',
    title: 'An application data record sent again byte for byte after it was delivered is dropped without an alert, and later data is still delivered',
    requirements: ['RFC6347-4.1.2.6-replay'],
    build: (ctx) => {
      const text = 'dtlsprobe record to replay\n';
      // what the application received is one stream: a replay that got through shows as the text twice in a row
      const chain = deliveredAfter(completedHandshake(ctx), text).then(new ReplayLastFlight(), new ExpectNoDelivery(text + text), new ExpectNoMessage(1000));
      return deliveredAfter(chain, 'dtlsprobe after the replay\n').root;
    },
  },
  // RFC 6347 §3.3 calls replay detection optional, yet §4.1.2.6 says a receiver MUST reject a
  // duplicate sequence number: this probe holds the client to §4.1.2.6. The record is a new one
  // (other content, valid tag) under a sequence number the client already accepted, so only the
  // replay check can stop it.
  {
    name: 'app-data-sequence-reused',
    group: GROUP,
    role: 'client',
    title: 'An authentic application data record under a sequence number the client already accepted is not delivered, and later data is',
    requirements: ['RFC6347-4.1.2.6-replay', 'RFC6347-4.1.2.6-replay-window'],
    build: (ctx) => {
      const chain = deliveredAfter(completedHandshake(ctx), 'dtlsprobe first record\n').then(
        new ApplicationDataGenerator('dtlsprobe same sequence number\n', { sequenceNumber: FIRST_DATA_SEQ }),
        new ExpectNoDelivery('dtlsprobe same sequence number\n'),
        new ExpectNoMessage(500),
      );
      return deliveredAfter(chain, 'dtlsprobe after the replay\n').root;
    },
  },
  {
    name: 'bad-mac-discarded',
    group: GROUP,
    role: 'client',
    title: 'An application data record whose tag does not verify is not delivered; the client drops it silently and still delivers later data, or ends with a fatal bad_record_mac',
    requirements: ['RFC6347-4.1.2.7-bad-mac', 'RFC6347-4.1.2.7-discard-invalid'],
    build: (ctx) => {
      const chain = completedHandshake(ctx).then(
        new ApplicationDataGenerator('dtlsprobe forged record\n', { corruptTag: true }),
        new ExpectNoDelivery('dtlsprobe forged record\n'),
      );
      return droppedOrFatal(chain, 'dtlsprobe after the forged record\n', AlertDescription.bad_record_mac).root;
    },
  },
  {
    name: 'bad-mac-keeps-sequence-number',
    group: GROUP,
    role: 'client',
    title: 'A record whose tag does not verify leaves the replay window as it was: an authentic record under the same sequence number is then delivered',
    requirements: ['RFC6347-4.1.2.6-window-update-after-mac', 'RFC6347-4.1.2.7-bad-mac'],
    build: (ctx) => {
      const chain = completedHandshake(ctx).then(
        new ApplicationDataGenerator('dtlsprobe forged record\n', { corruptTag: true, sequenceNumber: FIRST_DATA_SEQ }),
        new ExpectNoDelivery('dtlsprobe forged record\n'),
      );
      return droppedOrFatal(chain, 'dtlsprobe authentic record, same number\n', AlertDescription.bad_record_mac, { sequenceNumber: FIRST_DATA_SEQ }).root;
    },
  },
  {
    name: 'future-epoch-discarded',
    group: GROUP,
    role: 'client',
    title: 'An application data record of epoch 2, which no ChangeCipherSpec opened, is not delivered; the client drops it and still delivers later data, or ends with a fatal alert',
    requirements: ['RFC6347-4.1.2.7-discard-invalid', 'RFC6347-4.1'],
    build: (ctx) => {
      const data = 'dtlsprobe epoch 2 record\n';
      const chain = completedHandshake(ctx).then(
        new RawRecordGenerator(ContentType.application_data, utf8.encode(data), { epoch: 2, protect: true, note: 'epoch 2' }),
        new ExpectNoDelivery(data),
      );
      return droppedOrFatal(chain, 'dtlsprobe after the epoch 2 record\n').root;
    },
  },
  {
    name: 'epoch0-data-after-handshake',
    group: GROUP,
    role: 'client',
    title: 'Unprotected application data at epoch 0 after the handshake is not delivered; the client drops it and still delivers later data, or ends with a fatal alert',
    requirements: ['RFC6347-4.1-old-epoch', 'RFC6347-4.1.2.7-discard-invalid'],
    build: (ctx) => {
      const data = 'dtlsprobe plaintext at epoch 0\n';
      const chain = completedHandshake(ctx).then(new ApplicationDataGenerator(data, { epoch: 0 }), new ExpectNoDelivery(data));
      return droppedOrFatal(chain, 'dtlsprobe after the plaintext record\n').root;
    },
  },
  {
    name: 'app-data-before-server-finished',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'Application data of epoch 1 that comes after our ChangeCipherSpec but before our Finished is not delivered while the Finished is missing, and the handshake completes when it comes',
    requirements: ['RFC6347-4.2.4-data-before-finished', 'RFC6347-4.1-epoch-buffer'],
    build: (ctx) => {
      const data = 'dtlsprobe data ahead of Finished\n';
      const chain = expectClientFlight5(flight4()).then(new ChangeCipherSpecGenerator(), new ApplicationDataGenerator(data), new ExpectNoDelivery(data), new FinishedGenerator());
      return clientCompletes(ctx, chain).root;
    },
  },
];
