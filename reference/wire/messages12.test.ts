import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { hexFixture } from '../../testkit/hex.ts';
import { sharedPath, sharedTest } from '../../testkit/shared.ts';
import { DecodeError } from './errors.ts';
import { type HandshakeFragment, readHandshakeFragment } from './handshake-header.ts';
import * as m from './messages12.ts';
import { type Reader, decode } from './reader.ts';
import { type Writer, encode } from './writer.ts';

/** Handshake bodies sit in the `body` field of a handshake fragment; fixtures decode from there. */
const ROOT = 'body';

function exact<T>(t: ExecutionContext, bytes: Uint8Array, read: (r: Reader) => T, write: (w: Writer, v: T) => void, expected: T): void {
  const value = decode(bytes, ROOT, read);
  t.deepEqual(value, expected);
  t.deepEqual(encode((w) => write(w, value)), bytes, 'write(read(b)) gives b back');
}

function rejects<T>(t: ExecutionContext, bytes: Uint8Array, read: (r: Reader) => T, path: string, reason?: RegExp): void {
  const err = t.throws(() => decode(bytes, ROOT, read), { instanceOf: DecodeError });
  t.is(err?.path, path);
  if (reason !== undefined) t.regex(err?.reason ?? '', reason);
}

// ---------------------------------------------------------------------------------------------
// HelloVerifyRequest: OpenSSL 3.0 `s_server -dtls1_2`, first flight.

const HVR_OPENSSL = hexFixture(`
  feff     # server_version = DTLSv1_0 (RFC 6347 §4.2.1: what servers send, whatever they negotiate)
  14       # cookie.<length> = 20
  3f1ccdb462a46f50102735adff9e250964f53ec5 # cookie
`);

test('[RFC6347-4.2.1] reads and re-encodes the HelloVerifyRequest OpenSSL sends', (t) => {
  exact(t, HVR_OPENSSL, m.readHelloVerifyRequest, m.writeHelloVerifyRequest, {
    serverVersion: 0xfeff,
    cookie: HVR_OPENSSL.slice(3),
  });
});

test('[RFC6347-4.2.1] HelloVerifyRequest: an empty cookie is well formed (cookie<0..2^8-1>)', (t) => {
  exact(t, hexFixture('fefd 00'), m.readHelloVerifyRequest, m.writeHelloVerifyRequest, {
    serverVersion: 0xfefd,
    cookie: new Uint8Array(0),
  });
});

test('HelloVerifyRequest: a cookie longer than the body is rejected at cookie', (t) => {
  rejects(t, HVR_OPENSSL.slice(0, 10), m.readHelloVerifyRequest, 'body.HelloVerifyRequest.cookie', /truncated/);
});

test('HelloVerifyRequest: a missing cookie length is rejected at cookie.<length>', (t) => {
  rejects(t, hexFixture('feff'), m.readHelloVerifyRequest, 'body.HelloVerifyRequest.cookie.<length>');
});

test('HelloVerifyRequest: a byte after the cookie is rejected as trailing', (t) => {
  rejects(t, hexFixture('feff 00 00'), m.readHelloVerifyRequest, 'body', /1 trailing byte/);
});

// ---------------------------------------------------------------------------------------------
// Certificate: Chromium 123's server Certificate (pion/dtls fingerprint capture).

const CERTIFICATE_CHROMIUM = hexFixture(`
  00011e   # certificate_list.<length> = 286
  00011b   # certificate_list[0].<length> = 283
  308201173081bda003020102020900c320d088e3db7235300a06082a8648ce3d # certificate_list[0]: DER, self-signed, CN=WebRTC
  0403023011310f300d06035504030c06576562525443301e170d323430343137
  3139333130315a170d3234303531383139333130315a3011310f300d06035504
  030c065765625254433059301306072a8648ce3d020106082a8648ce3d030107
  03420004f437fa5fc219f91ca473941c7e31587771d86ca5e423ad5e39abd65e
  445d2c7a363edb34c7822ba7026476e54a2032b248af61b6fecfd7470ae7f4f6
  7f344386300a06082a8648ce3d0403020349003046022100e222121613decc70
  72e581fdb789b79f1e18c9054b9b7efbf559b62e783b5ab3022100ef389f25ba
  aa16ac06e7484982246a0c81ec2e83fa04bea16b8f3ebbf738d100
`);

test('[RFC5246-7.4.2] reads and re-encodes the Certificate Chromium sends', (t) => {
  exact(t, CERTIFICATE_CHROMIUM, m.readCertificate, m.writeCertificate, {
    certificateList: [CERTIFICATE_CHROMIUM.slice(6)],
  });
  t.is(CERTIFICATE_CHROMIUM[6], 0x30, 'the entry is a DER SEQUENCE');
});

test('[RFC5246-7.4.6] an empty certificate_list (client without a certificate) is well formed', (t) => {
  exact(t, hexFixture('000000 # certificate_list.<length> = 0'), m.readCertificate, m.writeCertificate, {
    certificateList: [],
  });
});

test('[RFC5246-7.4.2] Certificate: a zero-length ASN.1Cert is rejected (opaque<1..2^24-1>)', (t) => {
  const bytes = hexFixture(`
    000003   # certificate_list.<length> = 3
    000000   # certificate_list[0].<length> = 0: below the minimum 1
  `);
  rejects(t, bytes, m.readCertificate, 'body.Certificate.certificate_list[0]', /outside 1\.\./);
});

test('Certificate: an entry running past certificate_list is rejected at that entry', (t) => {
  const bytes = hexFixture(`
    000004   # certificate_list.<length> = 4
    000002   # certificate_list[0].<length> = 2, but only 1 byte is left in the list
    30       # certificate_list[0]
  `);
  rejects(t, bytes, m.readCertificate, 'body.Certificate.certificate_list[0]', /truncated/);
});

test('Certificate: a truncated message is rejected at certificate_list', (t) => {
  rejects(t, CERTIFICATE_CHROMIUM.slice(0, 100), m.readCertificate, 'body.Certificate.certificate_list', /truncated/);
});

test('Certificate: a byte after certificate_list is rejected as trailing', (t) => {
  const bytes = new Uint8Array([...CERTIFICATE_CHROMIUM, 0]);
  rejects(t, bytes, m.readCertificate, 'body', /trailing/);
});

// ---------------------------------------------------------------------------------------------
// CertificateRequest

const CERTIFICATE_REQUEST_CHROMIUM = hexFixture(`
  02       # certificate_types.<length> = 2
  01       # certificate_types[0] = rsa_sign
  40       # certificate_types[1] = ecdsa_sign
  0012     # supported_signature_algorithms.<length> = 18
  0403     # ecdsa_secp256r1_sha256
  0804     # rsa_pss_rsae_sha256
  0401     # rsa_pkcs1_sha256
  0503     # ecdsa_secp384r1_sha384
  0805     # rsa_pss_rsae_sha384
  0501     # rsa_pkcs1_sha384
  0806     # rsa_pss_rsae_sha512
  0601     # rsa_pkcs1_sha512
  0201     # rsa_pkcs1_sha1
  0000     # certificate_authorities.<length> = 0
`);

test('[RFC5246-7.4.4] reads and re-encodes the CertificateRequest Chromium sends (no CAs)', (t) => {
  exact(t, CERTIFICATE_REQUEST_CHROMIUM, m.readCertificateRequest, m.writeCertificateRequest, {
    certificateTypes: [1, 64],
    supportedSignatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
    certificateAuthorities: [],
  });
});

const CA_NAME = hexFixture('30143112301006035504030c0964746c7370726f6265');

const CERTIFICATE_REQUEST_OPENSSL = hexFixture(`
  03       # certificate_types.<length> = 3
  01       # certificate_types[0] = rsa_sign
  02       # certificate_types[1] = dss_sign
  40       # certificate_types[2] = ecdsa_sign
  0028     # supported_signature_algorithms.<length> = 40
  0403     # ecdsa_secp256r1_sha256
  0503     # ecdsa_secp384r1_sha384
  0603     # ecdsa_secp521r1_sha512
  0807     # ed25519
  0808     # ed448
  0809     # rsa_pss_pss_sha256
  080a     # rsa_pss_pss_sha384
  080b     # rsa_pss_pss_sha512
  0804     # rsa_pss_rsae_sha256
  0805     # rsa_pss_rsae_sha384
  0806     # rsa_pss_rsae_sha512
  0401     # rsa_pkcs1_sha256
  0501     # rsa_pkcs1_sha384
  0601     # rsa_pkcs1_sha512
  0303     # ecdsa_sha224 (not in SignatureScheme: kept as a number)
  0301     # rsa_pkcs1_sha224 (not in SignatureScheme)
  0302     # dsa_sha224 (not in SignatureScheme)
  0402     # dsa_sha256 (not in SignatureScheme)
  0502     # dsa_sha384 (not in SignatureScheme)
  0602     # dsa_sha512 (not in SignatureScheme)
  0018     # certificate_authorities.<length> = 24
  0016     # certificate_authorities[0].<length> = 22
  30143112301006035504030c0964746c7370726f6265 # certificate_authorities[0]: DER Name, CN=dtlsprobe
`);

test('[RFC5246-7.4.4] reads and re-encodes OpenSSL\'s CertificateRequest, CA names and unknown schemes kept', (t) => {
  exact(t, CERTIFICATE_REQUEST_OPENSSL, m.readCertificateRequest, m.writeCertificateRequest, {
    certificateTypes: [1, 2, 64],
    supportedSignatureAlgorithms: [
      0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805,
      0x0806, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
    ],
    certificateAuthorities: [CA_NAME],
  });
});

test('[RFC5246-7.4.4] CertificateRequest: empty certificate_types is rejected (<1..2^8-1>)', (t) => {
  const bytes = hexFixture(`
    00       # certificate_types.<length> = 0: below the minimum 1
    0002     # supported_signature_algorithms.<length> = 2
    0403     # ecdsa_secp256r1_sha256
    0000     # certificate_authorities.<length> = 0
  `);
  rejects(t, bytes, m.readCertificateRequest, 'body.CertificateRequest.certificate_types', /below the minimum 1/);
});

test('[RFC5246-7.4.4] CertificateRequest: empty supported_signature_algorithms is rejected (<2..2^16-2>)', (t) => {
  const bytes = hexFixture(`
    01 40    # certificate_types = [ecdsa_sign]
    0000     # supported_signature_algorithms.<length> = 0: below the minimum 2
    0000     # certificate_authorities.<length> = 0
  `);
  rejects(t, bytes, m.readCertificateRequest, 'body.CertificateRequest.supported_signature_algorithms', /below the minimum 2/);
});

test('CertificateRequest: an odd supported_signature_algorithms length is rejected at the half entry', (t) => {
  const bytes = hexFixture(`
    01 40    # certificate_types = [ecdsa_sign]
    0003     # supported_signature_algorithms.<length> = 3: one and a half entries
    0403 04  # ecdsa_secp256r1_sha256, then half a scheme
    0000     # certificate_authorities.<length> = 0
  `);
  rejects(t, bytes, m.readCertificateRequest, 'body.CertificateRequest.supported_signature_algorithms[1]', /truncated/);
});

test('[RFC5246-7.4.4] CertificateRequest: a zero-length DistinguishedName is rejected (<1..2^16-1>)', (t) => {
  const bytes = hexFixture(`
    01 40    # certificate_types = [ecdsa_sign]
    0002 0403 # supported_signature_algorithms = [ecdsa_secp256r1_sha256]
    0002     # certificate_authorities.<length> = 2
    0000     # certificate_authorities[0].<length> = 0: below the minimum 1
  `);
  rejects(t, bytes, m.readCertificateRequest, 'body.CertificateRequest.certificate_authorities[0]', /outside 1\.\./);
});

test('CertificateRequest: a message cut before certificate_authorities is rejected there', (t) => {
  const cut = CERTIFICATE_REQUEST_CHROMIUM.slice(0, CERTIFICATE_REQUEST_CHROMIUM.length - 2);
  rejects(t, cut, m.readCertificateRequest, 'body.CertificateRequest.certificate_authorities.<length>', /truncated/);
});

// ---------------------------------------------------------------------------------------------
// CertificateVerify: Chromium's (DTLS 1.2) and wolfSSL's (DTLS 1.3), one codec.

const CERTIFICATE_VERIFY_CHROMIUM = hexFixture(`
  0403     # algorithm = ecdsa_secp256r1_sha256
  0047     # signature.<length> = 71
  3045022062906e52103bb81d1b48a7f828365cce446a5379668053b5dd30f177 # signature (DER ECDSA-Sig-Value)
  84e4a6820221008f1d39ac8ed995e4453540038fe91358c7b50606318526131f
  c9ee81eb01ce30
`);

test('[RFC5246-7.4.8] reads and re-encodes the CertificateVerify Chromium sends', (t) => {
  exact(t, CERTIFICATE_VERIFY_CHROMIUM, m.readCertificateVerify, m.writeCertificateVerify, {
    algorithm: 0x0403,
    signature: CERTIFICATE_VERIFY_CHROMIUM.slice(4),
  });
});

test('CertificateVerify: a signature longer than the body is rejected at signature', (t) => {
  rejects(t, CERTIFICATE_VERIFY_CHROMIUM.slice(0, 40), m.readCertificateVerify, 'body.CertificateVerify.signature', /truncated/);
});

test('CertificateVerify: a lone algorithm byte is rejected at algorithm', (t) => {
  rejects(t, hexFixture('04'), m.readCertificateVerify, 'body.CertificateVerify.algorithm', /truncated/);
});

/**
 * A decrypted DTLS 1.3 record of the illustrated-dtls capture (DTLSInnerPlaintext): one whole
 * handshake message, then the inner content type, handshake (22).
 */
function dtls13Message(file: string): HandshakeFragment {
  const inner = new Uint8Array(readFileSync(sharedPath('vectors', 'illustrated-dtls', 'captures', 'caps', file)));
  if (inner[inner.length - 1] !== 22) throw new Error(`${file}: not a handshake record`);
  return decode(inner.subarray(0, inner.length - 1), 'DTLSInnerPlaintext', readHandshakeFragment);
}

sharedTest(
  '[RFC8446-4.4.3] the DTLS 1.3 CertificateVerify of wolfSSL (illustrated-dtls) reads with the same codec',
  ['vectors', 'illustrated-dtls', 'captures', 'caps', 'record-cverify'],
  (t) => {
    const fragment = dtls13Message('record-cverify');
    t.is(fragment.msgType, 15);
    const cv = decode(fragment.body, ROOT, m.readCertificateVerify);
    t.is(cv.algorithm, 0x0804, 'rsa_pss_rsae_sha256');
    t.is(cv.signature.length, 256);
    t.deepEqual(encode((w) => m.writeCertificateVerify(w, cv)), fragment.body);
  },
);

// ---------------------------------------------------------------------------------------------
// Finished

const FINISHED_OPENSSL = hexFixture(`
  c40884e5fcfe61e193b7618e # verify_data (12 bytes, decrypted from OpenSSL's client flight)
`);

test('[RFC5246-7.4.9] Finished: verify_data is all of the body (12 bytes in DTLS 1.2)', (t) => {
  exact(t, FINISHED_OPENSSL, m.readFinished, m.writeFinished, { verifyData: FINISHED_OPENSSL });
});

sharedTest(
  '[RFC8446-4.4.4] Finished: the 32-byte verify_data of wolfSSL\'s DTLS 1.3 server',
  ['vectors', 'illustrated-dtls', 'captures', 'caps', 'record-sfin'],
  (t) => {
    const fragment = dtls13Message('record-sfin');
    t.is(fragment.msgType, 20);
    const fin = decode(fragment.body, ROOT, m.readFinished);
    t.is(fin.verifyData.length, 32);
    t.deepEqual(encode((w) => m.writeFinished(w, fin)), fragment.body);
  },
);

test('Finished: the codec leaves the length check to the handshake (empty verify_data reads)', (t) => {
  exact(t, new Uint8Array(0), m.readFinished, m.writeFinished, { verifyData: new Uint8Array(0) });
});

// ---------------------------------------------------------------------------------------------
// NewSessionTicket (RFC 5077), as OpenSSL sends it after a PSK handshake.

const NEW_SESSION_TICKET_OPENSSL = hexFixture(`
  00001c20 # ticket_lifetime_hint = 7200
  00b0     # ticket.<length> = 176
  50abc770bdd4e4beca302907904697263002cfe6968de3e1ede06e0a9cbaedef # ticket
  0aab9e0afcf60c2a97d189a30002da9fd9f3d24fa554db470b067518d201e7b7
  348a0b47ef43e905071c2a5ead6de3ab0231691613949a6afd93c20d70a2b91a
  7e4bf44b78af929c126cccd20ef5580e3af0f9c161e1e86c4cf7c2bba0fbfaee
  9b79da4b6fc1677750fecf5f496db9146347bacf0da8981e715e656a9f13129c
  a793d21207c8b653c6aea11ccfe313aa
`);

test('[RFC5077-3.3] reads and re-encodes the NewSessionTicket OpenSSL sends', (t) => {
  exact(t, NEW_SESSION_TICKET_OPENSSL, m.readNewSessionTicket, m.writeNewSessionTicket, {
    ticketLifetimeHint: 7200,
    ticket: NEW_SESSION_TICKET_OPENSSL.slice(6),
  });
});

test('[RFC5077-3.3] NewSessionTicket: an empty ticket is well formed (the server withdraws the ticket)', (t) => {
  exact(t, hexFixture('00000000 0000'), m.readNewSessionTicket, m.writeNewSessionTicket, {
    ticketLifetimeHint: 0,
    ticket: new Uint8Array(0),
  });
});

test('NewSessionTicket: a short lifetime hint is rejected at ticket_lifetime_hint', (t) => {
  rejects(t, hexFixture('0000 1c'), m.readNewSessionTicket, 'body.NewSessionTicket.ticket_lifetime_hint', /truncated/);
});

test('NewSessionTicket: a truncated ticket is rejected at ticket', (t) => {
  rejects(t, NEW_SESSION_TICKET_OPENSSL.slice(0, 50), m.readNewSessionTicket, 'body.NewSessionTicket.ticket', /truncated/);
});

// ---------------------------------------------------------------------------------------------
// KeyUpdate and the empty messages

test('[RFC8446-4.6.3] KeyUpdate: request_update is one byte, unknown values kept', (t) => {
  exact(t, hexFixture('01 # request_update = update_requested'), m.readKeyUpdate, m.writeKeyUpdate, { requestUpdate: 1 });
  exact(t, hexFixture('00 # update_not_requested'), m.readKeyUpdate, m.writeKeyUpdate, { requestUpdate: 0 });
  exact(t, hexFixture('07 # unknown'), m.readKeyUpdate, m.writeKeyUpdate, { requestUpdate: 7 });
});

test('KeyUpdate: an empty body is rejected at request_update, a second byte as trailing', (t) => {
  rejects(t, new Uint8Array(0), m.readKeyUpdate, 'body.KeyUpdate.request_update', /truncated/);
  rejects(t, hexFixture('01 01'), m.readKeyUpdate, 'body', /trailing/);
});

const EMPTY_MESSAGES: [string, (r: Reader) => m.EmptyMessage, (w: Writer, v: m.EmptyMessage) => void][] = [
  ['HelloRequest', m.readHelloRequest, m.writeHelloRequest],
  ['ServerHelloDone', m.readServerHelloDone, m.writeServerHelloDone],
  ['EndOfEarlyData', m.readEndOfEarlyData, m.writeEndOfEarlyData],
];

for (const [name, read, write] of EMPTY_MESSAGES) {
  test(`${name}: the empty body reads as {} and writes nothing`, (t) => {
    exact(t, new Uint8Array(0), read, write, {});
  });
  test(`${name}: any body byte is rejected as trailing`, (t) => {
    rejects(t, hexFixture('00'), read, 'body', /1 trailing byte/);
  });
}
