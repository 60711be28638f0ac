import test from 'ava';
import { DtlsError, alertFor } from '../errors.ts';
import { AlertDescription, CipherSuite, ContentType, ProtocolVersion } from '../wire/enums.ts';
import { type DtlsPlaintext, type DtlsRecord, readDatagram, writeDatagram } from '../wire/records.ts';
import { CipherState, keysFromKeyBlock } from './cipher-state.ts';
import { DISCARD_REASONS, RecordLayer, type DiscardReason, type RecordLayerOptions, type UnprotectResult, packDatagrams } from './record-layer.ts';

const SUITE = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const KEY_BLOCK = Uint8Array.from({ length: 64 }, (_, i) => i);
const APP = ContentType.application_data;
const HS = ContentType.handshake;
const bytes = (n: number, fill = 0x61): Uint8Array => new Uint8Array(n).fill(fill);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A client and a server record layer; `secure()` moves both directions to epoch 1. */
function pair(options: RecordLayerOptions = {}, serverOptions: RecordLayerOptions = options) {
  const client = new RecordLayer(options);
  const server = new RecordLayer(serverOptions);
  const keys = { client: keysFromKeyBlock(SUITE, KEY_BLOCK, 'client'), server: keysFromKeyBlock(SUITE, KEY_BLOCK, 'server') };
  const secure = (): void => {
    client.installWriteEpoch(CipherState.forSuite(SUITE, keys.client.write));
    client.installReadEpoch(CipherState.forSuite(SUITE, keys.client.read));
    server.installWriteEpoch(CipherState.forSuite(SUITE, keys.server.write));
    server.installReadEpoch(CipherState.forSuite(SUITE, keys.server.read));
  };
  return { client, server, keys, secure };
}

function ok(t: { fail(m: string): void }, r: UnprotectResult): { epoch: number; seq: number; type: number; payload: Uint8Array } {
  if (r.kind !== 'ok') {
    t.fail(`expected ok, got ${JSON.stringify(r)}`);
    throw new Error('not ok');
  }
  return r;
}

const discarded = (reason: DiscardReason): UnprotectResult => ({ kind: 'discard', reason });

/** A record with one fragment byte changed. */
function tamper(record: DtlsRecord, at: number): DtlsRecord {
  if (record.format !== 'plaintext') throw new Error('plaintext records only');
  const fragment = record.fragment.slice();
  fragment[at] ^= 0x80;
  return { ...record, fragment };
}

test('[RFC6347-4.1-epoch-zero] epoch 0 carries plaintext with sequence numbers 0, 1, 2', (t) => {
  const { client, server } = pair();
  const records = [0, 1, 2].map((i) => client.protect(HS, bytes(10, i)));
  t.deepEqual(records.map((r) => (r.format === 'plaintext' ? [r.epoch, r.sequenceNumber, r.version] : [])), [[0, 0, 0xfefd], [0, 1, 0xfefd], [0, 2, 0xfefd]]);
  for (const [i, r] of records.entries()) t.deepEqual(ok(t, server.unprotect(r)).payload, bytes(10, i));
  t.throws(() => client.protect(APP, text('too early')), { instanceOf: DtlsError, message: /epoch 0/ });
});

test('[RFC6347-4.1-seq-per-epoch] every epoch starts at sequence number 0; an older epoch keeps counting', (t) => {
  const { client, server, secure } = pair();
  client.protect(HS, bytes(5));
  client.protect(HS, bytes(5));
  secure();
  t.is(client.writeEpoch, 1);
  t.is(client.nextSequenceNumber(), 0);
  t.is(client.nextSequenceNumber(0), 2);
  const finished = client.protect(HS, bytes(12));
  const retransmittedCke = client.protect(HS, bytes(5), { epoch: 0 }); // a flight that spans epochs
  t.like(finished, { epoch: 1, sequenceNumber: 0 });
  t.like(retransmittedCke, { epoch: 0, sequenceNumber: 2 });
  t.like(ok(t, server.unprotect(finished)), { epoch: 1, seq: 0, type: HS });
  t.like(ok(t, server.unprotect(retransmittedCke)), { epoch: 0, seq: 2 }, 'RFC 6347 §4.1: the old epoch is accepted until the handshake completes');
  client.forgetOldWriteEpochs();
  t.throws(() => client.protect(HS, bytes(1), { epoch: 0 }), { instanceOf: DtlsError, message: /no keys for write epoch 0/ });
});

test('[RFC6347-4.1-seq-no-wrap] sequence numbers stop at 2^48 - 1 with a DtlsError; they never go back', (t) => {
  const { client, server, secure } = pair();
  secure();
  client.setNextSequenceNumber(2 ** 48 - 1);
  const last = client.protect(APP, text('last'));
  t.like(ok(t, server.unprotect(last)), { seq: 2 ** 48 - 1 });
  const error = t.throws(() => client.protect(APP, text('one too many')), { instanceOf: DtlsError, message: /exhausted/ });
  t.is(error?.detail.kind, 'internal');
  t.throws(() => client.setNextSequenceNumber(5), { instanceOf: DtlsError, message: /next sequence number/ });
});

test('[RFC6347-4.2.1-seq-mirror] a server can start its epoch-0 numbers at the ClientHello\'s', (t) => {
  const server = new RecordLayer();
  server.setNextSequenceNumber(1);
  t.like(server.protect(HS, bytes(3)), { epoch: 0, sequenceNumber: 1 });
});

test('[RFC6347-4.1-epoch-no-wrap] installing past epoch 65535 is refused', (t) => {
  const layer = new RecordLayer();
  const state = CipherState.forSuite(SUITE, keysFromKeyBlock(SUITE, KEY_BLOCK, 'client').write);
  for (let e = 1; e <= 0xffff; e++) {
    layer.installWriteEpoch(state);
    if (e % 1024 === 0) layer.forgetOldWriteEpochs();
  }
  t.is(layer.writeEpoch, 0xffff);
  t.throws(() => layer.installWriteEpoch(state), { instanceOf: DtlsError, message: /wrap/ });
});

test('[RFC6347-4.1.2.7-discard-invalid] bad-mac: any changed byte; the window does not move', (t) => {
  const { client, server, secure } = pair();
  secure();
  const record = client.protect(APP, text('genuine'));
  for (const at of [0, 8, 12, 20]) t.deepEqual(server.unprotect(tamper(record, at)), discarded('bad-mac'));
  t.deepEqual(server.unprotect({ ...record, sequenceNumber: 1 } as DtlsRecord), discarded('bad-mac'));
  // RFC 6347 §4.1.2.6: the forgeries did not mark sequence number 0 as seen.
  t.deepEqual(ok(t, server.unprotect(record)).payload, text('genuine'));
  t.is(server.stats().discarded['bad-mac'], 5);
});

test('[RFC6347-4.1.2.7-discard-invalid] bad-length: shorter than nonce + tag, or cut off by the datagram', (t) => {
  const { client, server, secure } = pair();
  secure();
  const record = client.protect(APP, text('x')) as DtlsPlaintext;
  t.deepEqual(server.unprotect({ ...record, fragment: record.fragment.subarray(0, 23) }), discarded('bad-length'));
  const datagram = writeDatagram([client.protect(APP, text('first')), client.protect(APP, text('second'))]);
  const results = server.unprotectDatagram(datagram.subarray(0, datagram.length - 3));
  t.is(results.length, 2);
  t.deepEqual(ok(t, results[0]).payload, text('first'));
  t.deepEqual(results[1], discarded('bad-length'));
  t.deepEqual(server.unprotectDatagram(datagram.subarray(0, 5)), [discarded('bad-length')], 'cut inside the header');
});

test('[RFC6347-4.1.2.7-discard-invalid] unknown-epoch: two epochs ahead, or an epoch already forgotten', (t) => {
  const { client, server, secure } = pair();
  const hello = client.protect(HS, bytes(4));
  secure();
  t.deepEqual(server.unprotect({ ...(client.protect(APP, text('a')) as DtlsPlaintext), epoch: 3 }), discarded('unknown-epoch'));
  server.forgetOldReadEpochs();
  t.deepEqual(server.unprotect(hello), discarded('unknown-epoch'));
});

test('[RFC6347-4.1.2.6-replay-window] replayed and too-old records are discarded before decryption', (t) => {
  const { client, server, secure } = pair();
  secure();
  const first = client.protect(APP, text('0'));
  t.like(server.unprotect(first), { kind: 'ok' });
  t.deepEqual(server.unprotect(first), discarded('replayed'));
  client.setNextSequenceNumber(100);
  t.like(server.unprotect(client.protect(APP, text('100'))), { kind: 'ok', seq: 100 });
  // 36 = 100 - 64 is left of a 64-wide window; we never sent it, the window refuses it unopened.
  t.deepEqual(server.unprotect({ ...(first as DtlsPlaintext), sequenceNumber: 36 }), discarded('too-old'));
  t.deepEqual(server.unprotect(first), discarded('too-old'));
});

test('[RFC8449-4-receive-limit] oversize: fatal record_overflow by default, a discard when configured', (t) => {
  for (const oversizeIsFatal of [true, false]) {
    const { client, server, secure } = pair({}, { oversizeIsFatal });
    server.setRecordSizeLimits({ receive: 64 });
    secure(); // client did not learn the limit: it may send 2^14
    t.like(server.unprotect(client.protect(APP, bytes(64))), { kind: 'ok' }, 'exactly the limit');
    const result = server.unprotect(client.protect(APP, bytes(65)));
    if (oversizeIsFatal) {
      if (result.kind !== 'fatal') return t.fail(JSON.stringify(result));
      t.deepEqual(alertFor(result.error), { level: 2, description: AlertDescription.record_overflow });
    } else {
      t.deepEqual(result, discarded('oversize'));
    }
    t.is(server.stats().discarded.oversize, 1);
  }
  const plain = new RecordLayer();
  const huge: DtlsRecord = { format: 'plaintext', type: HS, version: 0xfefd, epoch: 0, sequenceNumber: 0, fragment: bytes(2 ** 14 + 1) };
  t.deepEqual(plain.unprotect(huge), discarded('oversize'), 'unprotected: over 2^14, never fatal');
});

test('[RFC8449-4-send-limit] our records respect the peer\'s limit: refused by protect, split by protectApplicationData', (t) => {
  const { client, server, secure } = pair();
  client.setRecordSizeLimits({ send: 100 });
  secure();
  t.is(client.maxPayload(), 100);
  t.throws(() => client.protect(APP, bytes(101)), { instanceOf: DtlsError, message: /record size limit 100/ });
  const records = client.protectApplicationData(bytes(250));
  t.deepEqual(records.map((r) => (r.format === 'plaintext' ? r.fragment.length - 24 : -1)), [100, 100, 50]);
  t.deepEqual(records.map((r) => ok(t, server.unprotect(r)).payload.length), [100, 100, 50]);
  t.is(client.protectApplicationData(new Uint8Array(0)).length, 1, 'an empty write is one empty record');
  // An MTU of 100: 13 header + 8 explicit nonce + 16 tag leave 63 bytes.
  t.is(client.maxPayload({ mtu: 100 }), 63);
  for (const d of packDatagrams(client.protectApplicationData(bytes(200), { mtu: 100 }), 100)) t.true(d.length <= 100);
  t.throws(() => client.setRecordSizeLimits({ send: 63 }), { instanceOf: DtlsError });
});

test('[RFC9146-3-cid-records] with CIDs both ways records are tls12_cid; the limit covers the inner plaintext', (t) => {
  const { client, server, secure } = pair();
  const clientCid = Uint8Array.of(0xc1, 0xc1);
  const serverCid = Uint8Array.of(0x5e, 0x5e, 0x5e, 0x5e);
  client.setConnectionIds({ send: serverCid, receive: clientCid });
  server.setConnectionIds({ send: clientCid, receive: serverCid });
  client.setRecordSizeLimits({ send: 100 });
  const hello = client.protect(HS, bytes(3));
  t.is(hello.format, 'plaintext', 'RFC 9146 §3: plaintext payloads never use the CID format');
  secure();
  const record = client.protect(APP, text('with cid'), { padding: 4 });
  if (record.format !== 'tls12_cid') return t.fail('expected a tls12_cid record');
  t.deepEqual(record.cid, serverCid);
  const wire = writeDatagram([hello, record]);
  t.is(wire[16], ContentType.tls12_cid);
  const results = server.unprotectDatagram(wire);
  t.like(results[0], { kind: 'ok', epoch: 0, type: HS });
  t.like(ok(t, results[1]), { epoch: 1, type: APP, payload: text('with cid') });
  t.like(ok(t, client.unprotect(server.protect(ContentType.alert, Uint8Array.of(1, 0)))), { type: ContentType.alert });
  t.is(client.maxPayload(), 99, 'content + real_type fit the limit');
  t.is(client.maxPayload({ padding: 10 }), 89);
  t.throws(() => client.protect(APP, bytes(96), { padding: 4 }), { instanceOf: DtlsError });
});

test('[RFC9146-3-cid-expected] bad-cid: CID missing, unexpected, not ours, or on a plaintext record', (t) => {
  const cid = Uint8Array.of(1, 2, 3);
  const withCid = pair();
  withCid.client.setConnectionIds({ send: cid });
  withCid.server.setConnectionIds({ receive: cid });
  withCid.secure();
  const good = withCid.client.protect(APP, text('x'));
  if (good.format !== 'tls12_cid') return t.fail('expected tls12_cid');
  t.deepEqual(withCid.server.unprotect({ ...good, cid: Uint8Array.of(1, 2, 4) }), discarded('bad-cid'));
  t.deepEqual(withCid.server.unprotect({ ...good, epoch: 0 }), discarded('bad-cid'));
  const plainFormat: DtlsRecord = { format: 'plaintext', type: APP, version: 0xfefd, epoch: 1, sequenceNumber: 9, fragment: good.encContent };
  t.deepEqual(withCid.server.unprotect(plainFormat), discarded('bad-cid'));
  t.like(withCid.server.unprotect(good), { kind: 'ok' });
  const noCid = pair();
  noCid.secure();
  t.deepEqual(noCid.server.unprotect(good), discarded('bad-cid'));
  t.is(withCid.server.stats().discarded['bad-cid'], 3);
});

test('[RFC6347-4.1.2.7-discard-invalid] bad-format: a DTLS 1.3 unified header, an unknown content type', (t) => {
  const layer = new RecordLayer();
  const unified: DtlsRecord = {
    format: 'unified', cid: undefined, sequenceNumberBits: 8, lengthPresent: true, epochBits: 1, sequenceNumber: 0, encryptedRecord: bytes(20),
  };
  t.deepEqual(layer.unprotect(unified), discarded('bad-format'));
  t.deepEqual(layer.unprotectDatagram(Uint8Array.of(0x30, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa)), [discarded('bad-format')]);
});

test('[RFC6347-4.1-epoch-buffer] next-epoch records wait for their keys, bounded; then come back in order', (t) => {
  const { client, server, keys } = pair({}, { maxBufferedRecords: 3 });
  client.installWriteEpoch(CipherState.forSuite(SUITE, keys.client.write));
  const early = ['finished', 'data 1', 'data 2', 'data 3'].map((s) => client.protect(s === 'finished' ? HS : APP, text(s)));
  t.deepEqual(server.unprotect(early[0]), { kind: 'buffered', epoch: 1, seq: 0 });
  t.deepEqual(server.unprotect(early[1]), { kind: 'buffered', epoch: 1, seq: 1 });
  t.deepEqual(server.unprotect(early[1]), { kind: 'buffered', epoch: 1, seq: 1 }, 'a duplicate waits too');
  t.deepEqual(server.unprotect(early[2]), discarded('buffer-full'));
  t.deepEqual(server.unprotect({ ...(early[3] as DtlsPlaintext), epoch: 2 }), discarded('unknown-epoch'));
  const { epoch, released } = server.installReadEpoch(CipherState.forSuite(SUITE, keys.server.read));
  t.is(epoch, 1);
  t.is(released.length, 3);
  t.like(released[0], { kind: 'ok', seq: 0, type: HS, payload: text('finished') });
  t.like(released[1], { kind: 'ok', seq: 1, payload: text('data 1') });
  t.deepEqual(released[2], discarded('replayed'));
  t.like(server.unprotect(early[2]), { kind: 'ok', seq: 2 }, 'the dropped one is welcome when it comes again');
  t.is(server.stats().buffered, 3);
  t.deepEqual(server.installReadEpoch(CipherState.forSuite(SUITE, keys.server.read)).released, [], 'nothing waits for epoch 2');
});

test('[RFC6347-4.1.1-records-per-datagram] records pack into datagrams up to the MTU and all come out', (t) => {
  const { client, server, secure } = pair();
  const flight = [client.protect(HS, bytes(40, 1)), client.protect(ContentType.change_cipher_spec, Uint8Array.of(1))];
  secure();
  flight.push(client.protect(HS, bytes(40, 2)), ...client.protectApplicationData(bytes(300, 3), { mtu: 200 }));
  const sizes = flight.map((r) => writeDatagram([r]).length);
  t.deepEqual(sizes, [53, 14, 77, 13 + 8 + 163 + 16, 13 + 8 + 137 + 16]);
  const datagrams = packDatagrams(flight, 200);
  t.deepEqual(datagrams.map((d) => d.length), [53 + 14 + 77, 200, 174]);
  t.is(readDatagram(datagrams[0]).length, 3);
  const results = datagrams.flatMap((d) => server.unprotectDatagram(d));
  t.deepEqual(results.map((r) => (r.kind === 'ok' ? `${r.epoch}/${r.seq}/${r.payload.length}` : r.kind)), ['0/0/40', '0/1/1', '1/0/40', '1/1/163', '1/2/137']);
  t.throws(() => packDatagrams(flight, 100), { instanceOf: DtlsError, message: /does not fit an MTU of 100/ });
  t.deepEqual(packDatagrams([], 1200), []);
});

test('[RFC6347-4.1.2.7-discard-invalid] stats count every reason, deliveries, buffering and sends', (t) => {
  const { client, server, secure, keys } = pair({}, { maxBufferedRecords: 0 });
  const hello = client.protect(HS, bytes(8));
  server.unprotect(hello); // accepted
  server.unprotect(hello); // replayed
  client.installWriteEpoch(CipherState.forSuite(SUITE, keys.client.write));
  server.unprotect(client.protect(APP, text('early'))); // buffer-full (no room)
  secure(); // client now writes epoch 2, server reads epoch 1 ...
  server.unprotect(client.protect(APP, text('skipped an epoch'))); // ... so epoch 2 is the next one: buffer-full again
  const stats = server.stats();
  t.deepEqual(Object.keys(stats.discarded).sort(), [...DISCARD_REASONS].sort());
  t.is(stats.accepted, 1);
  t.is(stats.discarded.replayed, 1);
  t.is(stats.discarded['buffer-full'], 2);
  t.is(stats.buffered, 0);
  t.is(client.stats().sent, 3);
  (stats.discarded as Record<DiscardReason, number>).replayed = 99;
  t.is(server.stats().discarded.replayed, 1, 'stats() is a snapshot');
});

test('[RFC6347-4.1.2.6-window-size] configuration errors are DtlsErrors', (t) => {
  t.throws(() => new RecordLayer({ replayWindowSize: 32 }), { instanceOf: DtlsError });
  t.throws(() => new RecordLayer({ maxBufferedRecords: -1 }), { instanceOf: DtlsError });
  t.throws(() => new RecordLayer().setRecordSizeLimits({ receive: 2 ** 14 + 1 }), { instanceOf: DtlsError });
  t.is(new RecordLayer({ version: ProtocolVersion.DTLSv1_0 }).protect(HS, bytes(1)).format, 'plaintext');
});
