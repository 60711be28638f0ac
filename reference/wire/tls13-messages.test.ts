import test from 'ava';
import { ExtensionType, SignatureScheme } from './enums.ts';
import { DecodeError } from './errors.ts';
import { decode, hex, type Reader } from './reader.ts';
import {
  readCertificate13,
  readCertificateRequest13,
  readEncryptedExtensions,
  readNewSessionTicket13,
  writeCertificate13,
  writeCertificateRequest13,
  writeEncryptedExtensions,
  writeNewSessionTicket13,
} from './tls13-messages.ts';
import { type Writer, encode } from './writer.ts';

/** Bytes from hex strings (spaces allowed), one field per argument. */
function fromHex(...parts: string[]): Uint8Array {
  const s = parts.join('').replace(/\s+/g, '');
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError) return err;
    throw err;
  }
  throw new Error('expected a DecodeError');
}

/** Reads `bytes` and checks that writing the result gives them back. */
function exact<T>(t: { is: (a: string, b: string) => void }, bytes: Uint8Array, read: (r: Reader) => T, write: (w: Writer, m: T) => void): T {
  const m = decode(bytes, 'body', read);
  t.is(hex(encode((w) => write(w, m))), hex(bytes));
  return m;
}

// RFC 8448 §3, EncryptedExtensions.
const RFC8448_ENCRYPTED_EXTENSIONS = fromHex(
  '0022', //                 extensions length: 34
  '000a 0014 0012', //       supported_groups: 9 groups
  '001d 0017 0018 0019 0100 0101 0102 0103 0104',
  '001c 0002 4001', //       record_size_limit: 16385
  '0000 0000', //            server_name: empty (the server's acknowledgement)
);

test('[RFC8446-4.3.1] EncryptedExtensions of RFC 8448 §3: supported_groups, record_size_limit, an empty server_name', (t) => {
  const m = exact(t, RFC8448_ENCRYPTED_EXTENSIONS, readEncryptedExtensions, writeEncryptedExtensions);
  t.deepEqual(m.extensions, [
    { kind: 'supported_groups', namedGroupList: [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104] },
    { kind: 'record_size_limit', recordSizeLimit: 16385 },
    { kind: 'server_name', form: 'empty' },
  ]);
});

test('[RFC8446-4.2.10] EncryptedExtensions of RFC 8448 §4 accepts early data with an empty early_data', (t) => {
  const bytes = fromHex(hex(RFC8448_ENCRYPTED_EXTENSIONS).replace(/^0022/, '0026'), '002a 0000');
  const m = exact(t, bytes, readEncryptedExtensions, writeEncryptedExtensions);
  t.deepEqual(m.extensions.at(-1), { kind: 'early_data', form: 'empty' });
});

test('[RFC8446-4.2] an extension not defined for EncryptedExtensions is kept raw (key_share, supported_versions)', (t) => {
  const bytes = fromHex('000e', '0033 0004 001d 0000', '002b 0002 fefc');
  const m = exact(t, bytes, readEncryptedExtensions, writeEncryptedExtensions);
  t.deepEqual(m.extensions, [
    { kind: 'raw', type: ExtensionType.key_share, body: fromHex('001d0000') },
    { kind: 'raw', type: ExtensionType.supported_versions, body: fromHex('fefc') },
  ]);
});

// RFC 8448 §3, the server's RSA certificate (DER).
const RFC8448_CERT =
  '308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372736130' +
  '1e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130' +
  '819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de' +
  '55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b' +
  '1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c4' +
  '7428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06' +
  '092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417' +
  'f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4' +
  '2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1';

// RFC 8448 §3, the server's Certificate.
const RFC8448_CERTIFICATE = fromHex(
  '00', //          certificate_request_context: empty
  '0001b5', //      certificate_list length: 437
  '0001b0', //      [0].cert_data length: 432
  RFC8448_CERT, //  [0].cert_data
  '0000', //        [0].extensions: none
);

test('[RFC8446-4.4.2] Certificate of RFC 8448 §3: one CertificateEntry, cert_data kept opaque', (t) => {
  const m = exact(t, RFC8448_CERTIFICATE, readCertificate13, writeCertificate13);
  t.deepEqual(m.certificateRequestContext, new Uint8Array(0));
  t.is(m.certificateList.length, 1);
  t.is(hex(m.certificateList[0].certData), RFC8448_CERT);
  t.deepEqual(m.certificateList[0].extensions, []);
});

test('[RFC8446-4.4.2] per-entry extensions are read in the certificate context and kept raw', (t) => {
  const bytes = fromHex(
    '02 abcd', //           certificate_request_context
    '000018', //            certificate_list length: 24
    '000003 300100', //     [0].cert_data
    '0009', //              [0].extensions length: 9
    '0005 0005 0100000000', // status_request (OCSP): kept raw
    '000002 3000', //       [1].cert_data
    '0000', //              [1].extensions: none
  );
  const m = exact(t, bytes, readCertificate13, writeCertificate13);
  t.deepEqual(m.certificateList[0].extensions, [
    { kind: 'raw', type: ExtensionType.status_request, body: fromHex('0100000000') },
  ]);
  t.is(m.certificateList.length, 2);
});

test('[RFC8446-4.4.2] Certificate rejects an empty cert_data and a missing extensions block by path', (t) => {
  t.is(decodeError(() => decode(fromHex('00', '000005', '000000', '0000'), 'body', readCertificate13)).path, 'body.Certificate.certificate_list[0].cert_data');
  const noExts = decodeError(() => decode(fromHex('00', '000004', '000001', '30'), 'body', readCertificate13));
  t.is(noExts.path, 'body.Certificate.certificate_list[0].extensions.<length>');
  t.is(decodeError(() => decode(RFC8448_CERTIFICATE.subarray(0, 100), 'body', readCertificate13)).path, 'body.Certificate.certificate_list');
});

// RFC 8448 §6 (client authentication), CertificateRequest.
const RFC8448_CERTIFICATE_REQUEST = fromHex(
  '00', //                certificate_request_context: empty
  '0024', //              extensions length: 36
  '000d 0020 001e', //    signature_algorithms: 15 schemes
  '0403 0503 0603 0203 0804 0805 0806 0401 0501 0601 0201 0402 0502 0602 0202',
);

test('[RFC8446-4.3.2] CertificateRequest of RFC 8448 §6: signature_algorithms', (t) => {
  const m = exact(t, RFC8448_CERTIFICATE_REQUEST, readCertificateRequest13, writeCertificateRequest13);
  t.is(m.extensions.length, 1);
  const sa = m.extensions[0];
  t.is(sa.kind, 'signature_algorithms');
  if (sa.kind === 'signature_algorithms') {
    t.is(sa.supportedSignatureAlgorithms.length, 15);
    t.is(sa.supportedSignatureAlgorithms[0], SignatureScheme.ecdsa_secp256r1_sha256);
  }
});

test('[RFC8446-4.3.2] CertificateRequest reads certificate_authorities and signature_algorithms_cert; rejects no extensions', (t) => {
  const bytes = fromHex(
    '01 07', //                        certificate_request_context
    '0019', //                         extensions length: 25
    '002f 0007 0005 0003 310130', //   certificate_authorities: one DN
    '0032 0004 0002 0807', //          signature_algorithms_cert: ed25519
    '0033 0002 001d', //               key_share: not defined here, raw
  );
  const m = exact(t, bytes, readCertificateRequest13, writeCertificateRequest13);
  t.deepEqual(m.extensions, [
    { kind: 'certificate_authorities', authorities: [fromHex('310130')] },
    { kind: 'signature_algorithms_cert', supportedSignatureAlgorithms: [SignatureScheme.ed25519] },
    { kind: 'raw', type: ExtensionType.key_share, body: fromHex('001d') },
  ]);
  const err = decodeError(() => decode(fromHex('00', '0000'), 'body', readCertificateRequest13));
  t.is(err.path, 'body.CertificateRequest.extensions');
  t.regex(err.reason, /below the minimum 2/);
});

const RFC8448_TICKET =
  '2c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc' +
  '55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29e' +
  'e03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646f' +
  'ac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357';

// RFC 8448 §3, NewSessionTicket.
const RFC8448_NEW_SESSION_TICKET = fromHex(
  '0000001e', //          ticket_lifetime: 30 s
  'fad6aac5', //          ticket_age_add
  '02 0000', //           ticket_nonce
  '00b2', //              ticket length: 178
  RFC8448_TICKET, //      ticket
  '0008', //              extensions length: 8
  '002a 0004 00000400', // early_data: max_early_data_size 1024
);

test('[RFC8446-4.6.1] NewSessionTicket of RFC 8448 §3 with early_data max_early_data_size', (t) => {
  const m = exact(t, RFC8448_NEW_SESSION_TICKET, readNewSessionTicket13, writeNewSessionTicket13);
  t.is(m.ticketLifetime, 30);
  t.is(m.ticketAgeAdd, 0xfad6aac5);
  t.deepEqual(m.ticketNonce, fromHex('0000'));
  t.is(hex(m.ticket), RFC8448_TICKET);
  t.deepEqual(m.extensions, [{ kind: 'early_data', form: 'new_session_ticket', maxEarlyDataSize: 1024 }]);
});

test('[RFC8446-4.6.1] NewSessionTicket rejects an empty ticket and a short early_data by path', (t) => {
  t.is(decodeError(() => decode(fromHex('00000000', '00000000', '00', '0000', '0000'), 'body', readNewSessionTicket13)).path, 'body.NewSessionTicket.ticket');
  const short = fromHex('00000000', '00000000', '00', '0001 aa', '0006', '002a 0002 0400');
  t.is(decodeError(() => decode(short, 'body', readNewSessionTicket13)).path, 'body.NewSessionTicket.extensions[0].early_data.max_early_data_size');
});
