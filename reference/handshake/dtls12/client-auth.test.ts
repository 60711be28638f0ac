/**
 * Certificate suites, signature schemes and client authentication (RFC 5246 §7.4.2-§7.4.8,
 * RFC 8422), reference client against reference server in memory on virtual time. Both sides send
 * chains (leaf + intermediate) from unrelated PKIs and verify them against the other's root only.
 * Table-driven: every certificate suite × each signature scheme its key can make × client
 * authentication none / requested / required; then the failures, each with its exact alert.
 */
import test, { type ExecutionContext } from 'ava';
import type { EngineEvent } from '../../engine.ts';
import { verifySync } from '../../crypto/signature-sync.ts';
import { parseCertificate } from '../../crypto/x509.ts';
import type { KeyAlgorithm } from '../../crypto/public-key.ts';
import { peerVerifier } from '../../api/peer-verifier.ts';
import { TlsCertificate } from '../../api/tls-certificate.ts';
import { TlsFileDatabase } from '../../api/tls-database.ts';
import { certificateNames } from '../../api/tls-verify.ts';
import { AlertDescription, CipherSuite, ClientCertificateType, ContentType, HandshakeType, SignatureScheme } from '../../wire/enums.ts';
import { type HandshakeFragment, readHandshakeFragments } from '../../wire/handshake-header.ts';
import { readServerKeyExchange } from '../../wire/key-exchange.ts';
import { type CertificateRequest, readCertificate, readCertificateRequest, readCertificateVerify, writeCertificateRequest, writeCertificateVerify } from '../../wire/messages12.ts';
import { decode } from '../../wire/reader.ts';
import { readRecords } from '../../wire/records.ts';
import { encode } from '../../wire/writer.ts';
import { type ChainPki, testChainPki } from '../../../testkit/credentials.ts';
import { mapFragments } from '../../../testkit/forge.ts';
import { type Pair, type Side, referencePair } from '../../../testkit/pair.ts';
import type { EndpointConfig } from './config.ts';
import { signParams } from './key-exchange.ts';
import { Transcript } from './transcript.ts';

const S = CipherSuite;
const SS = SignatureScheme;
type Mode = 'none' | 'requested' | 'required';
const MODES: readonly Mode[] = ['none', 'requested', 'required'];

/** A key and the schemes it can sign with here: TLS 1.2 scheme names, RFC 8422 for EdDSA, RFC 8446 for rsa_pss_rsae. */
interface KeyRow {
  readonly key: KeyAlgorithm;
  readonly suites: readonly number[];
  readonly schemes: readonly number[];
}

const ECDSA_SUITES = [
  S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
  S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
];
const RSA_SUITES = [S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256];

const KEYS: readonly KeyRow[] = [
  { key: 'P-256', suites: ECDSA_SUITES, schemes: [SS.ecdsa_secp256r1_sha256] },
  { key: 'P-384', suites: ECDSA_SUITES, schemes: [SS.ecdsa_secp384r1_sha384] },
  { key: 'Ed25519', suites: ECDSA_SUITES, schemes: [SS.ed25519] },
  { key: 'RSA', suites: RSA_SUITES, schemes: [SS.rsa_pss_rsae_sha256, SS.rsa_pss_rsae_sha384, SS.rsa_pkcs1_sha256, SS.rsa_pkcs1_sha384] },
];

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const dataOf = (events: EngineEvent[]): string[] => events.flatMap((e) => (e.kind === 'data' ? [new TextDecoder().decode(e.data)] : []));
/** The alert we sent, or the fatal alert the peer sent (which ends in an error event). */
const alertOf = (events: EngineEvent[], from: 'us' | 'peer'): number | undefined => {
  if (from === 'us') {
    const e = events.find((x) => x.kind === 'alert' && x.from === 'us');
    return e?.kind === 'alert' ? e.description : undefined;
  }
  const e = events.find((x) => x.kind === 'error');
  const detail = e?.kind === 'error' ? e.error.detail : undefined;
  return detail?.kind === 'alert-received' ? detail.description : undefined;
};
const errorOf = (p: Pair): string | undefined => {
  const e = [...p.events.client, ...p.events.server].find((x) => x.kind === 'error');
  return e?.kind === 'error' ? e.error.message : undefined;
};

/** A database trusting `roots`, and the verifier an endpoint uses with it. */
function trusting(roots: readonly Uint8Array[], peer: 'client' | 'server'): EndpointConfig['verifyPeer'] {
  const database = TlsFileDatabase.newFromCertificates(roots.map((der) => TlsCertificate.newFromDer(der)));
  return peerVerifier(database, peer === 'server' ? { peer, identity: 'localhost' } : { peer });
}

/** The DER subject of a certificate: what certificate_authorities names. */
const subjectOf = (der: Uint8Array): Uint8Array => certificateNames(der).subject;

interface Setup {
  readonly suite: number;
  readonly schemes: readonly number[];
  readonly mode: Mode;
  readonly server: ChainPki;
  /** The client's chain; undefined: the client has no certificate. */
  readonly client: ChainPki | undefined;
  /** The roots the server trusts for client certificates. Default: the client PKI's. */
  readonly clientRoots?: readonly Uint8Array[];
}

/** Client and server limited to one suite and `schemes`, each trusting the other's root. */
function certificatePair(s: Setup, seed: string, client: Partial<EndpointConfig> = {}): Promise<Pair> {
  const clientRoots = s.clientRoots ?? (s.client === undefined ? [] : [s.client.root]);
  return referencePair(
    {
      cipherSuites: [s.suite],
      signatureSchemes: [...s.schemes],
      ...(s.client === undefined ? {} : { certificate: s.client.credentials }),
      verifyPeer: trusting([s.server.root], 'server'),
      ...client,
    },
    {
      cipherSuites: [s.suite],
      signatureSchemes: [...s.schemes],
      certificate: s.server.credentials,
      clientAuth: s.mode,
      certificateAuthorities: clientRoots.map(subjectOf),
      verifyPeer: trusting(clientRoots, 'client'),
    },
    seed,
  );
}

/** The whole epoch-0 handshake messages `from` sent, reassembled, in message_seq order. */
function messages(p: Pair, from: Side): { msgType: number; messageSeq: number; body: Uint8Array }[] {
  const bySeq = new Map<number, { msgType: number; messageSeq: number; body: Uint8Array }>();
  for (const w of p.wire.filter((d) => d.from === from)) {
    for (const rec of decode(w.bytes, 'datagram', readRecords)) {
      if (rec.format !== 'plaintext' || rec.type !== ContentType.handshake || rec.epoch !== 0) continue;
      for (const f of decode(rec.fragment, 'fragments', readHandshakeFragments)) {
        let m = bySeq.get(f.messageSeq);
        if (m === undefined || m.msgType !== f.msgType) {
          m = { msgType: f.msgType, messageSeq: f.messageSeq, body: new Uint8Array(f.length) };
          bySeq.set(f.messageSeq, m);
        }
        m.body.set(f.body, f.fragmentOffset);
      }
    }
  }
  return [...bySeq.values()].sort((a, b) => a.messageSeq - b.messageSeq);
}

const bodyOf = (p: Pair, from: Side, msgType: number): Uint8Array | undefined => messages(p, from).find((m) => m.msgType === msgType)?.body;

/** Runs the handshake, then a line each way. */
function handshakeAndTalk(p: Pair): void {
  p.run();
  if (p.client.status !== 'established' || p.server.status !== 'established') return;
  p.client.send(utf8('from the client'));
  p.server.send(utf8('from the server'));
  p.run({ until: () => dataOf(p.events.client).length > 0 && dataOf(p.events.server).length > 0 });
}

for (const row of KEYS) {
  for (const suite of row.suites) {
    for (const scheme of row.schemes) {
      for (const mode of MODES) {
        const ids = mode === 'none' ? '[RFC5246-7.4.2-chain] [RFC5246-7.4.1.4.1-choice]' : '[RFC5246-7.4.2-chain] [RFC5246-7.4.1.4.1-choice] [RFC5246-7.4.4-request] [RFC5246-7.4.8]';
        const title = `${ids} ${CipherSuite.nameOf(suite)} with a ${row.key} chain, ${SignatureScheme.nameOf(scheme)}, client authentication ${mode}: both chains verified, data both ways`;
        test(title, async (t) => {
          const server = await testChainPki(row.key, 'server');
          const client = await testChainPki(row.key, 'client');
          const p = await certificatePair({ suite, schemes: [scheme], mode, server, client }, `${suite} ${scheme} ${mode}`);
          handshakeAndTalk(p);
          t.is(p.client.status, 'established', errorOf(p));
          t.is(p.server.status, 'established', errorOf(p));
          const c = p.client.negotiated;
          const s = p.server.negotiated;
          if (c === undefined || s === undefined) return;
          t.is(c.cipherSuite, suite);
          t.deepEqual(dataOf(p.events.server), ['from the client']);
          t.deepEqual(dataOf(p.events.client), ['from the server']);

          // The server sent leaf + intermediate; the client reached the root through them.
          const serverCertificate = bodyOf(p, 'server', HandshakeType.certificate);
          t.deepEqual(serverCertificate && decode(serverCertificate, 'Certificate', readCertificate).certificateList, [...server.credentials.chain]);
          t.is(c.peerChain.length, 2);
          t.true(c.peerVerified);
          const ske = bodyOf(p, 'server', HandshakeType.server_key_exchange);
          t.is(ske && decode(ske, 'ServerKeyExchange', (r) => readServerKeyExchange(r, 'ecdhe')).signedParams.algorithm, scheme);

          const request = bodyOf(p, 'server', HandshakeType.certificate_request);
          if (mode === 'none') {
            t.is(request, undefined, 'no CertificateRequest when none is wanted');
            t.is(bodyOf(p, 'client', HandshakeType.certificate), undefined);
            t.is(s.peerChain.length, 0);
            return;
          }
          const cr = request && decode(request, 'CertificateRequest', readCertificateRequest);
          t.deepEqual(cr?.certificateAuthorities, [subjectOf(client.root)]);
          t.deepEqual(cr?.supportedSignatureAlgorithms, [scheme]);
          t.deepEqual(c.acceptedCas, [subjectOf(client.root)]);
          t.true(c.sentClientCertificate);
          t.deepEqual(s.peerChain, client.credentials.chain);
          t.true(s.peerVerified);
          const cv = bodyOf(p, 'client', HandshakeType.certificate_verify);
          t.is(cv && decode(cv, 'CertificateVerify', readCertificateVerify).algorithm, scheme);
        });
      }
    }
  }
}

test('[RFC5246-7.4.1.4.1] TLS 1.2 reads ecdsa_secp384r1_sha384 as "ECDSA with SHA-384": a P-256 key signs with it', async (t) => {
  const server = await testChainPki('P-256', 'server');
  const client = await testChainPki('P-256', 'client');
  const p = await certificatePair({ suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, schemes: [SS.ecdsa_secp384r1_sha384], mode: 'required', server, client }, 'cross curve');
  handshakeAndTalk(p);
  t.is(p.server.status, 'established', errorOf(p));
  const cv = bodyOf(p, 'client', HandshakeType.certificate_verify);
  t.is(cv && decode(cv, 'CertificateVerify', readCertificateVerify).algorithm, SS.ecdsa_secp384r1_sha384);
});

test('[RFC5246-7.4.1.4.1-choice] the server signs with the first of its schemes the client offers, and the client with the first the server requests', async (t) => {
  const server = await testChainPki('RSA', 'server');
  const client = await testChainPki('RSA', 'client');
  const p = await certificatePair(
    { suite: S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, schemes: [SS.rsa_pkcs1_sha384, SS.rsa_pss_rsae_sha256], mode: 'required', server, client },
    'preference',
    { signatureSchemes: [SS.ecdsa_secp256r1_sha256, SS.rsa_pss_rsae_sha256, SS.rsa_pkcs1_sha384] },
  );
  handshakeAndTalk(p);
  t.is(p.server.status, 'established', errorOf(p));
  const ske = bodyOf(p, 'server', HandshakeType.server_key_exchange);
  t.is(ske && decode(ske, 'ServerKeyExchange', (r) => readServerKeyExchange(r, 'ecdhe')).signedParams.algorithm, SS.rsa_pkcs1_sha384, "the server's first preference");
  const cv = bodyOf(p, 'client', HandshakeType.certificate_verify);
  t.is(cv && decode(cv, 'CertificateVerify', readCertificateVerify).algorithm, SS.rsa_pss_rsae_sha256, "the client's first preference among those requested");
});

for (const mode of MODES) {
  test(`[RFC5246-7.4.6] a client without a certificate, client authentication ${mode}: ${mode === 'required' ? 'handshake_failure' : 'the handshake goes on unauthenticated'}`, async (t) => {
    const server = await testChainPki('P-256', 'server');
    const clientRoot = (await testChainPki('P-256', 'client')).root;
    const p = await certificatePair({ suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, schemes: [SS.ecdsa_secp256r1_sha256], mode, server, client: undefined, clientRoots: [clientRoot] }, `no cert ${mode}`);
    handshakeAndTalk(p);
    if (mode === 'required') {
      t.is(p.server.status, 'failed');
      t.is(alertOf(p.events.server, 'us'), AlertDescription.handshake_failure);
      t.is(alertOf(p.events.client, 'peer'), AlertDescription.handshake_failure);
      return;
    }
    t.is(p.server.status, 'established', errorOf(p));
    t.is(p.server.negotiated?.peerChain.length, 0);
    t.false(p.server.negotiated?.peerVerified);
    // RFC 5246 §7.4.6: asked, the client answers with an empty Certificate.
    const certificate = bodyOf(p, 'client', HandshakeType.certificate);
    t.is(certificate === undefined ? undefined : decode(certificate, 'Certificate', readCertificate).certificateList.length, mode === 'none' ? undefined : 0);
    t.deepEqual(dataOf(p.events.server), ['from the client']);
  });
}

/** A required client certificate that fails the server's verification, and the alert for why. */
async function refusedClient(t: ExecutionContext, client: ChainPki, clientRoots: readonly Uint8Array[], alert: number): Promise<void> {
  const server = await testChainPki('P-256', 'server');
  const p = await certificatePair(
    { suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, schemes: [SS.ecdsa_secp256r1_sha256], mode: 'required', server, client, clientRoots },
    `refused ${alert}`,
  );
  p.run();
  t.is(p.server.status, 'failed');
  t.is(alertOf(p.events.server, 'us'), alert, errorOf(p));
  t.is(p.client.status, 'failed');
  t.is(alertOf(p.events.client, 'peer'), alert);
}

test('[RFC5246-7.4.6-unacceptable] a required client chain from a CA the server does not trust fails with unknown_ca', async (t) => {
  const stranger = await testChainPki('P-256', 'stranger');
  await refusedClient(t, stranger, [(await testChainPki('P-256', 'client')).root], AlertDescription.unknown_ca);
});

test('[RFC5246-7.4.6-unacceptable] [RFC5246-7.4.2-chain] a required client leaf sent without its intermediate reaches no trusted CA: unknown_ca', async (t) => {
  const client = await testChainPki('P-256', 'client');
  const leafOnly = { ...client, credentials: { ...client.credentials, chain: client.credentials.chain.slice(0, 1) } };
  await refusedClient(t, leafOnly, [client.root], AlertDescription.unknown_ca);
});

test('[RFC5246-7.4.6-unacceptable] a required client chain whose intermediate carries a broken signature fails with bad_certificate', async (t) => {
  const client = await testChainPki('P-256', 'client');
  const intermediate = client.credentials.chain[1].slice();
  intermediate[intermediate.length - 1] ^= 1; // the last byte of the signature value
  const broken = { ...client, credentials: { ...client.credentials, chain: [client.credentials.chain[0], intermediate] } };
  await refusedClient(t, broken, [client.root], AlertDescription.bad_certificate);
});

/** Rewrites the CertificateRequest on its way to the client. */
const alterRequest = (change: (cr: CertificateRequest) => CertificateRequest) => (d: Uint8Array): Uint8Array[] => [
  mapFragments(d, (fs) =>
    fs.map((f) => {
      if (f.msgType !== HandshakeType.certificate_request) return f;
      const body = encode((w) => writeCertificateRequest(w, change(decode(f.body, 'CertificateRequest', readCertificateRequest))));
      return { ...f, length: body.length, body };
    }),
  ),
];

test('[RFC5246-7.4.6-types] a client whose key is not of a requested certificate type sends an empty Certificate', async (t) => {
  const server = await testChainPki('P-256', 'server');
  const client = await testChainPki('Ed25519', 'client');
  const p = await certificatePair(
    { suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, schemes: [SS.ecdsa_secp256r1_sha256, SS.ed25519], mode: 'required', server, client },
    'types honoured',
  );
  p.run({ alter: { server: alterRequest((cr) => ({ ...cr, certificateTypes: [ClientCertificateType.rsa_sign] })) } });
  const certificate = bodyOf(p, 'client', HandshakeType.certificate);
  t.is(certificate && decode(certificate, 'Certificate', readCertificate).certificateList.length, 0);
  t.is(alertOf(p.events.server, 'us'), AlertDescription.handshake_failure, errorOf(p));
});

test('[RFC5246-7.4.6-types] a client certificate of a type the server did not ask for fails with unsupported_certificate', async (t) => {
  const server = await testChainPki('RSA', 'server');
  const client = await testChainPki('Ed25519', 'client');
  // The server asks for rsa_sign only (its schemes are RSA ones); the client is told ecdsa_sign and ed25519.
  const p = await certificatePair(
    { suite: S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, schemes: [SS.rsa_pss_rsae_sha256], mode: 'required', server, client },
    'types ignored',
    { signatureSchemes: [SS.rsa_pss_rsae_sha256, SS.ed25519] },
  );
  p.run({ alter: { server: alterRequest((cr) => ({ ...cr, certificateTypes: [ClientCertificateType.ecdsa_sign], supportedSignatureAlgorithms: [SS.ed25519] })) } });
  const certificate = bodyOf(p, 'client', HandshakeType.certificate);
  t.deepEqual(certificate && decode(certificate, 'Certificate', readCertificate).certificateList, [...client.credentials.chain]);
  t.is(alertOf(p.events.server, 'us'), AlertDescription.unsupported_certificate, errorOf(p));
});

test('[RFC5246-7.4.2-suite-key] a server whose certificate key does not fit the suite is refused with unsupported_certificate', async (t) => {
  const rsa = await testChainPki('RSA', 'server');
  const ecdsa = await testChainPki('P-256', 'server');
  // The server picks ECDHE_RSA (the client offers nothing else) but presents its ECDSA chain.
  const p = await referencePair(
    { cipherSuites: [S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] },
    { cipherSuites: [S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256], certificate: rsa.credentials },
    'suite key',
  );
  p.run({
    alter: {
      server: (d) => [
        mapFragments(d, (fs) =>
          fs.map((f) => {
            if (f.msgType !== HandshakeType.certificate) return f;
            const body = encode((w) => w.opaque(3, encode((l) => ecdsa.credentials.chain.forEach((c) => l.opaque(3, c)))));
            return { ...f, length: body.length, body };
          }),
        ),
      ],
    },
  });
  t.is(p.client.status, 'failed');
  t.is(alertOf(p.events.client, 'us'), AlertDescription.unsupported_certificate, errorOf(p));
});

/**
 * RFC 5246 §7.4.8 (RFC 6347 §4.2.6): what the client signs, rebuilt from the wire: the ClientHello
 * that carried the cookie, everything the server sent but the HelloVerifyRequest, and the client's
 * Certificate and ClientKeyExchange.
 */
function signedTranscript(p: Pair): Uint8Array {
  const ours = messages(p, 'client');
  const hello = ours.filter((m) => m.msgType === HandshakeType.client_hello).at(-1);
  const transcript = new Transcript();
  for (const m of [
    ...(hello === undefined ? [] : [hello]),
    ...messages(p, 'server').filter((m) => m.msgType !== HandshakeType.hello_verify_request),
    ...ours.filter((m) => m.msgType === HandshakeType.certificate || m.msgType === HandshakeType.client_key_exchange),
  ]) {
    transcript.add(m.msgType, m.messageSeq, m.body);
  }
  return transcript.bytes();
}

test('[RFC5246-7.4.8] [RFC5246-7.2.2-decrypt-error] a CertificateVerify over the right transcript, signed with another key, fails with decrypt_error', async (t) => {
  const server = await testChainPki('P-256', 'server');
  const client = await testChainPki('P-256', 'client');
  const impostor = await testChainPki('P-256', 'stranger');
  const p = await certificatePair(
    { suite: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, schemes: [SS.ecdsa_secp256r1_sha256], mode: 'required', server, client },
    'forged cv',
    { mtu: 1500 },
  );
  let forged = 0;
  const forge = (f: HandshakeFragment): HandshakeFragment => {
    if (f.msgType !== HandshakeType.certificate_verify) return f;
    t.is(f.body.length, f.length, 'the CertificateVerify is in one fragment');
    const original = decode(f.body, 'CertificateVerify', readCertificateVerify);
    const signed = signedTranscript(p);
    const clientKey = parseCertificate(client.credentials.chain[0]).publicKey;
    t.true(verifySync(original.algorithm, clientKey, signed, original.signature, { anyCurve: true }), 'the rebuilt transcript is what the client signed');
    // The same transcript and scheme; only the key is not the one in the client's certificate.
    const signature = signParams(original.algorithm, impostor.credentials.privateKey, signed);
    const body = encode((w) => writeCertificateVerify(w, { algorithm: original.algorithm, signature }));
    forged++;
    return { ...f, length: body.length, body };
  };
  p.run({ alter: { client: (d) => [mapFragments(d, (fs) => fs.map(forge))] } });
  t.is(forged, 1);
  t.is(p.server.status, 'failed');
  t.is(alertOf(p.events.server, 'us'), AlertDescription.decrypt_error, errorOf(p));
  t.is(alertOf(p.events.client, 'peer'), AlertDescription.decrypt_error);
});
