/**
 * Connection IDs (RFC 9146), reference client against reference server in memory on virtual
 * time: every mix of "no CID support", "an empty CID" and "a CID" on each side, over several
 * AEADs; what the records on the wire look like in each direction; a CID that is not ours; and the
 * "newer datagram" signal a transport needs before it moves a peer to a new address.
 */
import test from 'ava';
import type { EngineEvent } from '../../engine.ts';
import { CipherSuite, ContentType } from '../../wire/enums.ts';
import { type DtlsRecord, readDatagram, writeDatagram } from '../../wire/records.ts';
import { type Pair, referencePair } from '../../../testkit/pair.ts';
import { hexFixture } from '../../../testkit/hex.ts';
import type { EndpointConfig, PskCredentials } from './config.ts';
import { NewestRecord, resolveConnectionId } from './connection-id.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));
const dataOf = (events: EngineEvent[]): string[] => events.flatMap((e) => (e.kind === 'data' ? [text(e.data)] : []));
const errorOf = (p: Pair): string | undefined => {
  const e = p.error('client') ?? p.error('server');
  return e?.kind === 'error' ? e.error.message : undefined;
};

/** What a side is configured with: no connection_id at all, an empty CID, or a CID. */
type CidSetting = { readonly name: string; readonly cid: Uint8Array | undefined };
const NONE: CidSetting = { name: 'no CID support', cid: undefined };
const EMPTY: CidSetting = { name: 'empty CID', cid: new Uint8Array(0) };
const CLIENT_CID: CidSetting = { name: '4-byte CID', cid: hexFixture('c1c1c1c1') };
const SERVER_CID: CidSetting = { name: '8-byte CID', cid: hexFixture('5e5e5e5e00000001') };

const KEY = hexFixture('00112233445566778899aabbccddeeff');
const PSK: PskCredentials = { identity: utf8('client1'), key: KEY };
const SUITES: readonly { readonly suite: number; readonly client?: Partial<EndpointConfig>; readonly server?: Partial<EndpointConfig> }[] = [
  { suite: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 },
  { suite: CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 },
  { suite: CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, client: { psk: PSK }, server: { certificate: undefined, pskLookup: () => KEY } },
];

/** Every record one side sent, read with the CID length the other side expects. */
function recordsFrom(p: Pair, from: 'client' | 'server', cidLength: number | undefined): DtlsRecord[] {
  return p.wire.filter((w) => w.from === from).flatMap((w) => readDatagram(w.bytes, { cidLength }));
}

/** The protected records one side sent (after its ChangeCipherSpec): their format and CID. */
function protectedRecords(records: readonly DtlsRecord[]): { format: string; cid: string | undefined }[] {
  return records
    .filter((r) => r.format === 'tls12_cid' || (r.format === 'plaintext' && r.epoch > 0))
    .map((r) => ({ format: r.format, cid: r.format === 'tls12_cid' ? hex(r.cid) : undefined }));
}

/** Whether CIDs flow toward `receiver` (configured on both sides, and the receiver's is not empty). */
function cidToward(receiver: CidSetting, sender: CidSetting): boolean {
  return receiver.cid !== undefined && sender.cid !== undefined && receiver.cid.length > 0;
}

async function established(client: CidSetting, server: CidSetting, s: (typeof SUITES)[number]): Promise<Pair> {
  const p = await referencePair(
    { cipherSuites: [s.suite], connectionId: client.cid, ...s.client },
    { cipherSuites: [s.suite], connectionId: server.cid, ...s.server },
    `cid ${client.name} ${server.name} ${s.suite}`,
  );
  p.run();
  return p;
}

for (const s of SUITES) {
  for (const client of [NONE, EMPTY, CLIENT_CID]) {
    for (const server of [NONE, EMPTY, SERVER_CID]) {
      const title = `[RFC9146-3-offer] [RFC9146-3-answer] [RFC9146-3-cid-records] [RFC9146-3-rfc6347-format] ${CipherSuite.nameOf(s.suite)}: client ${client.name}, server ${server.name}: negotiated, records shaped per direction, data both ways`;
      test(title, async (t) => {
        const p = await established(client, server, s);
        t.is(p.client.status, 'established', errorOf(p));
        t.is(p.server.status, 'established');
        const negotiated = client.cid !== undefined && server.cid !== undefined;
        const c = p.client.negotiated?.connectionIds;
        const srv = p.server.negotiated?.connectionIds;
        if (negotiated) {
          t.deepEqual({ send: hex(c?.send), receive: hex(c?.receive) }, { send: hex(server.cid), receive: hex(client.cid) });
          t.deepEqual({ send: hex(srv?.send), receive: hex(srv?.receive) }, { send: hex(client.cid), receive: hex(server.cid) });
        } else {
          t.is(c, undefined);
          t.is(srv, undefined);
        }

        p.client.send(utf8('ping'));
        p.transfer('client');
        p.server.send(utf8('pong'));
        p.transfer('server');
        t.deepEqual(dataOf(p.events.server), ['ping']);
        t.deepEqual(dataOf(p.events.client), ['pong']);

        // Client -> server: tls12_cid carrying the server's CID when the server asked for one.
        const fromClient = recordsFrom(p, 'client', cidToward(server, client) ? server.cid?.length : undefined);
        const toServer = protectedRecords(fromClient);
        t.true(toServer.length >= 2, 'Finished and data');
        const expectToServer = cidToward(server, client) ? { format: 'tls12_cid', cid: hex(server.cid) } : { format: 'plaintext', cid: undefined };
        t.deepEqual(toServer, toServer.map(() => expectToServer));
        const fromServer = recordsFrom(p, 'server', cidToward(client, server) ? client.cid?.length : undefined);
        const toClient = protectedRecords(fromServer);
        const expectToClient = cidToward(client, server) ? { format: 'tls12_cid', cid: hex(client.cid) } : { format: 'plaintext', cid: undefined };
        t.deepEqual(toClient, toClient.map(() => expectToClient));
        // Plaintext (epoch 0) records never use the CID format: every tls12_cid record is protected.
        t.true([...fromClient, ...fromServer].every((r) => r.format !== 'tls12_cid' || r.epoch > 0));
        t.is(p.client.stats().records.discarded['bad-cid'], 0);
        t.is(p.server.stats().records.discarded['bad-cid'], 0);
        // The client's Finished follows its ClientKeyExchange in one datagram: it must parse with the CID.
        t.is(p.server.stats().records.discarded['bad-length'], 0);
        t.is(p.client.stats().retransmissions + p.server.stats().retransmissions, 0);
      });
    }
  }
}

test('[RFC9146-3-cid-expected] a tls12_cid record whose CID is not ours is discarded, not delivered', async (t) => {
  const p = await established(CLIENT_CID, SERVER_CID, SUITES[0]);
  t.is(p.server.status, 'established', errorOf(p));
  p.client.send(utf8('to someone else'));
  p.transfer('client', (d) => {
    const records = readDatagram(d, { cidLength: 8 }).map((r) => (r.format === 'tls12_cid' ? { ...r, cid: hexFixture('5e5e5e5e00000002') } : r));
    return [writeDatagram(records)];
  });
  t.deepEqual(dataOf(p.events.server), []);
  t.is(p.server.stats().records.discarded['bad-cid'], 1);
  p.client.send(utf8('to the server'));
  p.transfer('client');
  t.deepEqual(dataOf(p.events.server), ['to the server']);
});

test('[RFC9146-3-cid-expected] with a CID expected, a record in the RFC 6347 format is discarded', async (t) => {
  // The server asked for a CID; a record of the client's rewritten without it (same bytes otherwise).
  const p = await established(CLIENT_CID, SERVER_CID, SUITES[0]);
  p.client.send(utf8('stripped'));
  p.transfer('client', (d) => {
    const records = readDatagram(d, { cidLength: 8 }).map((r) =>
      r.format === 'tls12_cid' ? { format: 'plaintext' as const, type: ContentType.application_data, version: r.version, epoch: r.epoch, sequenceNumber: r.sequenceNumber, fragment: r.encContent } : r,
    );
    return [writeDatagram(records)];
  });
  t.deepEqual(dataOf(p.events.server), []);
  t.is(p.server.stats().records.discarded['bad-cid'], 1);
});

test('[RFC9146-6-address-update] lastDatagramWasNewer: set by a newer authenticated datagram, not by a replay, a reordered one or a forgery', async (t) => {
  const p = await established(CLIENT_CID, SERVER_CID, SUITES[0]);
  t.is(p.server.status, 'established', errorOf(p));
  const sent: Uint8Array[] = [];
  for (const m of ['one', 'two', 'three']) {
    p.client.send(utf8(m));
    for (let d = p.client.pollTransmit(); d !== undefined; d = p.client.pollTransmit()) sent.push(d);
  }
  const [one, two, three] = sent;
  p.server.receive(two, p.now);
  t.true(p.server.lastDatagramWasNewer, 'the newest record so far');
  p.server.receive(one, p.now);
  t.false(p.server.lastDatagramWasNewer, 'authentic and new to the replay window, but older than "two"');
  p.server.receive(two, p.now);
  t.false(p.server.lastDatagramWasNewer, 'a replay');
  const forged = three.slice();
  forged[forged.length - 1] ^= 1;
  p.server.receive(forged, p.now);
  t.false(p.server.lastDatagramWasNewer, 'does not authenticate');
  p.server.receive(three, p.now);
  t.true(p.server.lastDatagramWasNewer);
  p.drainEvents();
  t.deepEqual(dataOf(p.events.server), ['two', 'one', 'three']);
});

test('NewestRecord orders by epoch, then sequence number', (t) => {
  const n = new NewestRecord();
  t.true(n.advance(1, 5));
  t.false(n.advance(1, 5));
  t.false(n.advance(1, 4));
  t.true(n.advance(1, 6));
  t.true(n.advance(2, 0));
  t.false(n.advance(1, 100));
});

test('connectionId configuration: 0..255 bytes', (t) => {
  t.is(resolveConnectionId(undefined), undefined);
  t.deepEqual(resolveConnectionId(new Uint8Array(0)), new Uint8Array(0));
  t.is(resolveConnectionId(new Uint8Array(255))?.length, 255);
  t.throws(() => resolveConnectionId(new Uint8Array(256)), { message: /connectionId must be a Uint8Array of 0\.\.255 bytes/ });
});
