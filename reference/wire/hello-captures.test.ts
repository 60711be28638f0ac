/**
 * Real handshakes from shared/: Chromium 123 and Firefox 125 DTLS 1.2 (pion's fingerprint captures)
 * and wolfSSL's DTLS 1.3 handshake (illustrated-dtls). Skipped, visibly, when shared/ is missing.
 */
import { readFileSync } from 'node:fs';
import { sharedPath, sharedTest } from '../../testkit/shared.ts';
import { ExtensionType, NamedGroup, ProtocolVersion } from './enums.ts';
import type { Extension } from './extensions.ts';
import { readHandshakeFragment } from './handshake-header.ts';
import { type ClientHello, type ServerHello, readClientHello, readServerHello, writeClientHello, writeServerHello } from './hello.ts';
import { decode, hex } from './reader.ts';
import { readCertificate13, readEncryptedExtensions, writeCertificate13, writeEncryptedExtensions } from './tls13-messages.ts';
import { encode } from './writer.ts';

const PION = ['corpora', 'pion', 'fingerprints'];
const CHROMIUM = [...PION, 'capture-chrome-Chromium_123.0.6312.0_.pcap'];
const FIREFOX = [...PION, 'capture-firefox-Mozilla_Firefox_125.0.pcap'];
const ILLUSTRATED = ['vectors', 'illustrated-dtls', 'captures', 'caps'];

/** The UDP payloads of a pcapng file with Linux cooked (SLL) IPv4 frames, in order. */
function udpPayloads(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at + 12 <= file.length; ) {
    const type = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    if (type === 6) {
      const captured = view.getUint32(at + 20, true);
      const frame = file.subarray(at + 28, at + 28 + captured);
      const ip = frame.subarray(16);
      const ihl = (ip[0] & 0x0f) * 4;
      out.push(ip.subarray(ihl + 8));
    }
    at += length;
  }
  return out;
}

/** The body of the first handshake message in the first record of a datagram. */
function firstHandshakeBody(datagram: Uint8Array): Uint8Array {
  return decode(datagram, 'datagram', (r) => {
    r.bytes(11, 'record header');
    const body = r.sub(2, 'fragment', (f) => {
      const hs = readHandshakeFragment(f);
      f.rest('more messages');
      return hs.body;
    });
    r.rest('more records');
    return body;
  });
}

function readShared(parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(sharedPath(...parts)));
}

const kinds = (exts: Extension[] | undefined): string[] =>
  (exts ?? []).map((e) => (e.kind === 'raw' ? `raw(${ExtensionType.nameOf(e.type)})` : e.kind));

function clientHelloOf(bytes: Uint8Array): ClientHello {
  return decode(bytes, 'body', readClientHello);
}

function serverHelloOf(bytes: Uint8Array): ServerHello {
  return decode(bytes, 'body', readServerHello);
}

sharedTest('[RFC6347-4.2.2] Chromium 123 ClientHello and pion ServerHello re-encode byte-exact', CHROMIUM, (t) => {
  const datagrams = udpPayloads(readShared(CHROMIUM));
  const chBytes = firstHandshakeBody(datagrams[0]);
  const ch = clientHelloOf(chBytes);
  t.deepEqual(ch.cookie, new Uint8Array(0));
  t.deepEqual(kinds(ch.extensions), [
    'extended_master_secret',
    'renegotiation_info',
    'supported_groups',
    'ec_point_formats',
    'session_ticket',
    'signature_algorithms',
    'use_srtp',
  ]);
  t.is(hex(encode((w) => writeClientHello(w, ch))), hex(chBytes));

  const shBytes = firstHandshakeBody(datagrams[2]);
  const sh = serverHelloOf(shBytes);
  t.is(sh.legacyVersion, ProtocolVersion.DTLSv1_2);
  t.deepEqual(kinds(sh.extensions), ['extended_master_secret', 'renegotiation_info', 'ec_point_formats', 'session_ticket', 'use_srtp']);
  t.deepEqual(sh.extensions?.[4], { kind: 'use_srtp', srtpProtectionProfiles: [0x0001], srtpMki: new Uint8Array(0) });
  t.is(hex(encode((w) => writeServerHello(w, sh))), hex(shBytes));
});

sharedTest('[RFC7301-3.1] Firefox 125 ClientHello offers ALPN webrtc and c-webrtc; the ServerHello selects one', FIREFOX, (t) => {
  const datagrams = udpPayloads(readShared(FIREFOX));
  const chBytes = firstHandshakeBody(datagrams[0]);
  const ch = clientHelloOf(chBytes);
  const alpn = ch.extensions?.find((e) => e.kind === 'application_layer_protocol_negotiation');
  t.deepEqual(alpn, {
    kind: 'application_layer_protocol_negotiation',
    protocolNameList: [new TextEncoder().encode('webrtc'), new TextEncoder().encode('c-webrtc')],
  });
  t.true(kinds(ch.extensions).includes('record_size_limit'));
  t.is(hex(encode((w) => writeClientHello(w, ch))), hex(chBytes));

  const shBytes = firstHandshakeBody(datagrams[1]);
  const sh = serverHelloOf(shBytes);
  t.deepEqual(kinds(sh.extensions), [
    'extended_master_secret',
    'renegotiation_info',
    'ec_point_formats',
    'application_layer_protocol_negotiation',
    'record_size_limit',
    'use_srtp',
  ]);
  t.is(hex(encode((w) => writeServerHello(w, sh))), hex(shBytes));
});

sharedTest('[RFC9147-5.3] wolfSSL DTLS 1.3 ClientHello: legacy_cookie, key_share, supported_versions', [...ILLUSTRATED, 'record-chello'], (t) => {
  const chBytes = firstHandshakeBody(readShared([...ILLUSTRATED, 'record-chello']));
  const ch = clientHelloOf(chBytes);
  t.is(ch.legacyVersion, ProtocolVersion.DTLSv1_2);
  t.deepEqual(ch.cookie, new Uint8Array(0));
  t.deepEqual(kinds(ch.extensions), ['key_share', 'supported_versions', 'signature_algorithms', 'encrypt_then_mac', 'supported_groups']);
  t.deepEqual(ch.extensions?.[1], { kind: 'supported_versions', form: 'client_hello', versions: [ProtocolVersion.DTLSv1_3] });
  t.is(hex(encode((w) => writeClientHello(w, ch))), hex(chBytes));
});

sharedTest('[RFC9147-5.4] wolfSSL DTLS 1.3 ServerHello: server_share x25519, selected_version DTLS 1.3', [...ILLUSTRATED, 'record-shello'], (t) => {
  const shBytes = firstHandshakeBody(readShared([...ILLUSTRATED, 'record-shello']));
  const sh = serverHelloOf(shBytes);
  const share = sh.extensions?.[0];
  t.is(share?.kind === 'key_share' && share.form === 'server_hello' ? share.serverShare.group : undefined, NamedGroup.x25519);
  t.deepEqual(sh.extensions?.[1], { kind: 'supported_versions', form: 'server_hello', selectedVersion: ProtocolVersion.DTLSv1_3 });
  t.is(hex(encode((w) => writeServerHello(w, sh))), hex(shBytes));
});

/** A decrypted handshake message of illustrated-dtls: the message, then the DTLSInnerPlaintext content type. */
function decryptedBody(name: string): Uint8Array {
  const plaintext = readShared([...ILLUSTRATED, name]);
  return decode(plaintext.subarray(0, plaintext.length - 1), name, readHandshakeFragment).body;
}

sharedTest('[RFC8446-4.3.1] wolfSSL DTLS 1.3 EncryptedExtensions (decrypted) re-encodes byte-exact', [...ILLUSTRATED, 'record-encext'], (t) => {
  const body = decryptedBody('record-encext');
  const ee = decode(body, 'body', readEncryptedExtensions);
  t.deepEqual(ee.extensions, [{ kind: 'supported_groups', namedGroupList: [0x17, 0x1d, 0x18, 0x19, 0x100] }]);
  t.is(hex(encode((w) => writeEncryptedExtensions(w, ee))), hex(body));
});

sharedTest('[RFC8446-4.4.2] wolfSSL DTLS 1.3 Certificate (decrypted) re-encodes byte-exact', [...ILLUSTRATED, 'record-cert'], (t) => {
  const body = decryptedBody('record-cert');
  const cert = decode(body, 'body', readCertificate13);
  t.deepEqual(cert.certificateRequestContext, new Uint8Array(0));
  t.is(cert.certificateList.length, 1);
  t.is(cert.certificateList[0].certData[0], 0x30);
  t.is(hex(encode((w) => writeCertificate13(w, cert))), hex(body));
});
