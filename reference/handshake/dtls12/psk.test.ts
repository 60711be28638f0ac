/**
 * The PSK key exchanges (RFC 4279, RFC 5489) and the CCM suites, reference client against
 * reference server in memory on virtual time: every suite completes and carries data, the hint is
 * optional for plain PSK and always carried for ECDHE_PSK, and each failure ends with its alert.
 */
import test from 'ava';
import type { EngineEvent } from '../../engine.ts';
import { Endpoint } from '../../engine.ts';
import type { DtlsError } from '../../errors.ts';
import { AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup } from '../../wire/enums.ts';
import { readHandshakeFragments } from '../../wire/handshake-header.ts';
import { readServerKeyExchange } from '../../wire/key-exchange.ts';
import { decode } from '../../wire/reader.ts';
import { readRecords } from '../../wire/records.ts';
import { type Pair, referencePair } from '../../../testkit/pair.ts';
import { hexFixture } from '../../../testkit/hex.ts';
import { mapRecords } from '../../../testkit/forge.ts';
import type { EndpointConfig, PskCredentials } from './config.ts';
import { plainPskPremasterSecret, pskPremasterSecret } from './psk.ts';

const S = CipherSuite;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const KEY = hexFixture('00112233445566778899aabbccddeeff');
const CLIENT1: PskCredentials = { identity: utf8('client1'), key: KEY };
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
/** A server that knows client1 only. */
const lookup = (identity: Uint8Array): Uint8Array | undefined => (same(identity, CLIENT1.identity) ? KEY : undefined);

const PSK_SUITES: readonly number[] = [
  S.TLS_PSK_WITH_AES_128_CCM_8,
  S.TLS_PSK_WITH_AES_128_GCM_SHA256,
  S.TLS_PSK_WITH_AES_128_CCM,
  S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
];
const CCM_CERTIFICATE_SUITES = [S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM];

/** A PSK client and a server without a certificate. */
function pskPair(suite: number, client: Partial<EndpointConfig> = {}, server: Partial<EndpointConfig> = {}, seed = `psk ${suite}`): Promise<Pair> {
  return referencePair(
    { cipherSuites: [suite], psk: CLIENT1, ...client },
    { cipherSuites: [suite], certificate: undefined, pskLookup: lookup, ...server },
    seed,
  );
}

const dataOf = (events: EngineEvent[]): string[] => events.flatMap((e) => (e.kind === 'data' ? [new TextDecoder().decode(e.data)] : []));
const sentAlert = (events: EngineEvent[]): number | undefined => {
  const e = events.find((x) => x.kind === 'alert' && x.from === 'us');
  return e?.kind === 'alert' ? e.description : undefined;
};
const errorOf = (events: EngineEvent[]): DtlsError | undefined => {
  const e = events.find((x) => x.kind === 'error');
  return e?.kind === 'error' ? e.error : undefined;
};

/** The epoch-0 handshake messages the server sent, type and body, in order. */
function serverMessages(p: Pair): { msgType: number; body: Uint8Array }[] {
  return p.wire
    .filter((w) => w.from === 'server')
    .flatMap((w) => decode(w.bytes, 'datagram', readRecords))
    .flatMap((rec) => (rec.format === 'plaintext' && rec.type === ContentType.handshake && rec.epoch === 0 ? [rec] : []))
    .flatMap((rec) => decode(rec.fragment, 'fragments', readHandshakeFragments))
    .map((f) => ({ msgType: f.msgType, body: f.body }));
}

for (const suite of [...PSK_SUITES, ...CCM_CERTIFICATE_SUITES]) {
  const psk = PSK_SUITES.includes(suite);
  const ids = psk ? '[RFC4279-2-no-certificate] [RFC4279-2-premaster] [RFC5489-2-premaster] ' : '[RFC6655-3-ccm-nonce] ';
  test(`${ids}${CipherSuite.nameOf(suite)}: handshake, data both ways, equal exports, close_notify`, async (t) => {
    const p = psk ? await pskPair(suite) : await referencePair({ cipherSuites: [suite] }, { cipherSuites: [suite] }, `ccm ${suite}`);
    p.run();
    t.is(p.client.status, 'established', errorOf(p.events.client)?.message ?? errorOf(p.events.server)?.message);
    t.is(p.server.status, 'established');
    const c = p.client.negotiated;
    const s = p.server.negotiated;
    if (c === undefined || s === undefined) return;
    t.is(c.cipherSuite, suite);
    t.is(s.cipherSuite, suite);
    t.true(c.extendedMasterSecret, 'RFC 7627 applies to PSK suites too');
    if (psk) {
      t.deepEqual(c.pskIdentity, CLIENT1.identity);
      t.deepEqual(s.pskIdentity, CLIENT1.identity);
      t.deepEqual(c.peerChain, [], 'no certificate on the wire');
      t.is(c.serverCertificate, undefined);
      t.is(p.client.channelBinding('tls-server-end-point'), undefined);
      t.is(c.group, suite === S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256 ? NamedGroup.x25519 : undefined);
    }

    p.client.send(utf8('ping'));
    p.transfer('client');
    p.server.send(utf8('pong'));
    p.transfer('server');
    t.deepEqual(dataOf(p.events.server), ['ping']);
    t.deepEqual(dataOf(p.events.client), ['pong']);
    const label = 'EXPERIMENTAL dtlsprobe';
    t.deepEqual(p.client.exportKeyingMaterial(label, undefined, 32), p.server.exportKeyingMaterial(label, undefined, 32));
    t.deepEqual(p.client.channelBinding('tls-exporter'), p.server.channelBinding('tls-exporter'));

    p.client.close();
    p.transfer('client');
    t.true(p.events.server.some((e) => e.kind === 'peer-closed'));
  });
}

test('[RFC4279-2-premaster] plain PSK: other_secret is N zero bytes, each part behind its 2-byte length', (t) => {
  t.deepEqual(
    plainPskPremasterSecret(hexFixture('010203')),
    hexFixture(`
      0003    # other_secret length
      000000  # other_secret: zeros, as long as the PSK
      0003    # psk length
      010203  # psk
    `),
  );
});

test('[RFC5489-2-premaster] ECDHE_PSK: other_secret is the ECDH shared secret Z', (t) => {
  t.deepEqual(
    pskPremasterSecret(hexFixture('aabbccdd'), hexFixture('0102')),
    hexFixture(`
      0004      # other_secret length
      aabbccdd  # Z
      0002      # psk length
      0102      # psk
    `),
  );
});

test('[RFC4279-2-hint] [RFC4279-5.2-hint-default] plain PSK without a hint: no ServerKeyExchange, and the client goes on', async (t) => {
  const hints: (Uint8Array | undefined)[] = [];
  const p = await pskPair(S.TLS_PSK_WITH_AES_128_CCM_8, { psk: (hint) => (hints.push(hint), CLIENT1) });
  p.run();
  t.is(p.client.status, 'established');
  const types = serverMessages(p).map((m) => m.msgType);
  t.deepEqual(types.filter((m) => m !== HandshakeType.hello_verify_request), [HandshakeType.server_hello, HandshakeType.server_hello_done]);
  t.deepEqual(hints, [undefined]);
});

test('[RFC4279-2-hint] plain PSK with a hint: the ServerKeyExchange carries it, the client\'s selector picks the identity from it', async (t) => {
  const hints: (Uint8Array | undefined)[] = [];
  const keys = new Map([['gateway-7', KEY]]);
  const p = await pskPair(
    S.TLS_PSK_WITH_AES_128_GCM_SHA256,
    { psk: (hint) => (hints.push(hint), { identity: utf8(`${new TextDecoder().decode(hint)}/sensor-1`), key: KEY }) },
    { pskIdentityHint: utf8('gateway-7'), pskLookup: (id) => keys.get(new TextDecoder().decode(id).split('/')[0]) },
  );
  p.run();
  t.is(p.client.status, 'established', errorOf(p.events.server)?.message);
  const ske = serverMessages(p).find((m) => m.msgType === HandshakeType.server_key_exchange);
  if (ske === undefined) return t.fail('no ServerKeyExchange');
  t.deepEqual(decode(ske.body, 'ServerKeyExchange', (r) => readServerKeyExchange(r, 'psk')).pskIdentityHint, utf8('gateway-7'));
  t.deepEqual(hints, [utf8('gateway-7')]);
  t.deepEqual(p.server.negotiated?.pskIdentity, utf8('gateway-7/sensor-1'));
});

for (const hint of [undefined, utf8('coap-gw')]) {
  test(`[RFC5489-2-ske-always] ECDHE_PSK ${hint === undefined ? 'without' : 'with'} a hint: the ServerKeyExchange is sent, unsigned, its hint ${hint === undefined ? 'empty' : 'given'}`, async (t) => {
    const hints: (Uint8Array | undefined)[] = [];
    const suite = S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256;
    const p = await pskPair(suite, { psk: (h) => (hints.push(h), CLIENT1) }, hint === undefined ? {} : { pskIdentityHint: hint });
    p.run();
    t.is(p.client.status, 'established');
    const ske = serverMessages(p).find((m) => m.msgType === HandshakeType.server_key_exchange);
    if (ske === undefined) return t.fail('no ServerKeyExchange');
    const m = decode(ske.body, 'ServerKeyExchange', (r) => readServerKeyExchange(r, 'ecdhe_psk'));
    t.deepEqual(m.pskIdentityHint, hint ?? new Uint8Array(0));
    t.is(m.params.namedCurve, NamedGroup.x25519);
    t.deepEqual(hints, [hint], 'an empty hint reaches the selector as none');
  });
}

for (const suite of [S.TLS_PSK_WITH_AES_128_CCM_8, S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256]) {
  test(`[RFC4279-2-unknown-identity] ${CipherSuite.nameOf(suite)}: an identity the server does not know ends with unknown_psk_identity on both sides`, async (t) => {
    const p = await pskPair(suite, { psk: { identity: utf8('stranger'), key: KEY } });
    p.run();
    t.is(p.server.status, 'failed');
    t.is(sentAlert(p.events.server), AlertDescription.unknown_psk_identity);
    t.regex(errorOf(p.events.server)?.message ?? '', /unknown PSK identity "stranger"/);
    t.is(p.client.status, 'failed');
    t.deepEqual(errorOf(p.events.client)?.detail, { kind: 'alert-received', level: 2, description: AlertDescription.unknown_psk_identity });
    t.is(p.now, 0, 'at once: no retransmission was needed to learn it');
  });

  test(`[RFC6347-4.1.2.7-bad-mac] ${CipherSuite.nameOf(suite)}: a wrong key makes the client's Finished undecryptable; the server drops it, and fails with bad_record_mac once the client resends it`, async (t) => {
    const p = await pskPair(suite, { psk: { identity: CLIENT1.identity, key: utf8('not the key') } });
    p.run();
    // The Finished record fails authentication under the server's keys: dropped, not fatal
    // (RFC 6347 §4.1.2.7). When the client's timer resends flight 5 and its Finished fails again,
    // the keys disagree for good (§4.2.7: persistent bad messages): fatal bad_record_mac.
    t.is(p.server.status, 'failed');
    t.is(p.server.stats().records.discarded['bad-mac'], 2);
    t.is(sentAlert(p.events.server), AlertDescription.bad_record_mac);
    t.is(p.client.status, 'failed');
    t.deepEqual(errorOf(p.events.client)?.detail, { kind: 'alert-received', level: 2, description: AlertDescription.bad_record_mac });
    t.is(p.now, 1000, 'after the client\'s first retransmission (1 s)');
  });
}

test('[RFC4279-5.3-lengths] a 128-byte identity and a 64-byte key work, and so do 1000 and 300 bytes', async (t) => {
  for (const [idLength, keyLength] of [[128, 64], [1000, 300]]) {
    const psk = { identity: new Uint8Array(idLength).fill(0x61), key: new Uint8Array(keyLength).fill(7) };
    const p = await pskPair(S.TLS_PSK_WITH_AES_128_CCM_8, { psk }, { pskLookup: (id) => (same(id, psk.identity) ? psk.key : undefined) }, `lengths ${idLength}`);
    p.run();
    t.is(p.client.status, 'established', `${idLength}/${keyLength}`);
    t.is(p.server.negotiated?.pskIdentity?.length, idLength);
  }
});

test('[RFC4279-2-no-certificate] a PSK suite sends no CertificateRequest, even from a server that requires client certificates', async (t) => {
  const p = await pskPair(S.TLS_PSK_WITH_AES_128_CCM, {}, { clientAuth: 'required' });
  p.run();
  t.is(p.server.status, 'established');
  t.false(serverMessages(p).some((m) => m.msgType === HandshakeType.certificate_request || m.msgType === HandshakeType.certificate));
});

test('a server with PSK and certificate suites picks by its own preference among what the client offers', async (t) => {
  const both = { cipherSuites: [S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, S.TLS_PSK_WITH_AES_128_CCM_8], pskLookup: lookup };
  const certificateFirst = await referencePair({ cipherSuites: [S.TLS_PSK_WITH_AES_128_CCM_8, S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8], psk: CLIENT1 }, both);
  certificateFirst.run();
  t.is(certificateFirst.server.negotiated?.cipherSuite, S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
  // Without a certificate the server serves the PSK suite instead.
  const pskOnly = await referencePair({ cipherSuites: [S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, S.TLS_PSK_WITH_AES_128_CCM_8], psk: CLIENT1 }, { ...both, certificate: undefined });
  pskOnly.run();
  t.is(pskOnly.server.negotiated?.cipherSuite, S.TLS_PSK_WITH_AES_128_CCM_8);
});

test('a selector that has no PSK for the server ends the handshake with handshake_failure', async (t) => {
  const p = await pskPair(S.TLS_PSK_WITH_AES_128_CCM_8, { psk: () => undefined });
  p.run();
  t.is(p.client.status, 'failed');
  t.is(sentAlert(p.events.client), AlertDescription.handshake_failure);
  t.deepEqual(errorOf(p.events.server)?.detail, { kind: 'alert-received', level: 2, description: AlertDescription.handshake_failure });
});

test('a selector answer with an empty identity is a configuration error naming it', async (t) => {
  const p = await pskPair(S.TLS_PSK_WITH_AES_128_CCM_8, { psk: () => ({ identity: new Uint8Array(0), key: KEY }) });
  p.run();
  t.is(p.client.status, 'failed');
  t.regex(errorOf(p.events.client)?.message ?? '', /psk \(the selector's answer\)\.identity must be 1\.\.65535 bytes, got 0/);
  t.is(sentAlert(p.events.client), AlertDescription.internal_error);
});

test('configuration errors name the PSK field', (t) => {
  const suites = { cipherSuites: [S.TLS_PSK_WITH_AES_128_CCM_8] };
  const client = (c: Partial<EndpointConfig>): Endpoint => new Endpoint({ role: 'client', ...suites, ...c });
  const server = (c: Partial<EndpointConfig>): Endpoint => new Endpoint({ role: 'server', ...suites, ...c });
  t.throws(() => client({ psk: { identity: new Uint8Array(0), key: KEY } }), { message: /psk\.identity must be 1\.\.65535 bytes, got 0/ });
  t.throws(() => client({ psk: { identity: new Uint8Array(65536), key: KEY } }), { message: /psk\.identity must be 1\.\.65535 bytes, got 65536/ });
  t.throws(() => client({ psk: { identity: utf8('a'), key: new Uint8Array(0) } }), { message: /psk\.key must be 1\.\.65535 bytes/ });
  t.throws(() => client({}), { message: /configuration: psk is required to offer TLS_PSK_WITH_AES_128_CCM_8/ });
  t.throws(() => server({}), { message: /configuration: pskLookup is required to accept TLS_PSK_WITH_AES_128_CCM_8/ });
  t.throws(() => server({ pskLookup: lookup, pskIdentityHint: new Uint8Array(65536) }), { message: /pskIdentityHint must be 0\.\.65535 bytes/ });
  t.notThrows(() => server({ pskLookup: lookup, pskIdentityHint: new Uint8Array(0) }));
  t.notThrows(() => client({ psk: { identity: new Uint8Array(65535), key: KEY } }));
});

test('[RFC6347-4.2.4-waiting-read-retransmit] a lost Finished: the resent flight\'s ChangeCipherSpec is a retransmission, not an early CCS, and the handshake completes', async (t) => {
  // The first flight 5 arrives without its Finished record (epoch 1); the server took the CCS and
  // waits for the Finished. The client's timer resends CKE, CCS and Finished: the CCS is old news.
  let dropped = false;
  const p = await referencePair({}, {}, 'lost finished');
  p.run({
    alter: {
      client: (d) => {
        if (dropped) return [d];
        const kept = mapRecords(d, (records) => records.filter((r) => r.epoch === 0));
        if (kept.length === d.length) return [d];
        dropped = true;
        return [kept];
      },
    },
  });
  t.true(dropped);
  t.is(p.server.status, 'established', errorOf(p.events.server)?.message);
  t.is(p.client.status, 'established');
  t.is(p.server.stats().records.discarded['bad-mac'], 0);
});
