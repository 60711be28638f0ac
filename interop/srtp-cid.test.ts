/**
 * DTLS-SRTP (RFC 5764) against real peers over UDP on 127.0.0.1, both roles: the profile agreed
 * and the SRTP keying material equal on both ends.
 *
 * - openssl s_server / s_client `-use_srtp P -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen N`
 *   print "Keying material: HEX": compared with our srtpKeyingMaterial(), for every profile.
 * - gnutls-cli `--srtp-profiles P --keymatexport ...` prints "- SRTP profile: P" and
 *   "- Key material: hex": compared likewise, for every profile.
 * - gnutls-serv prints neither, so the reference client checks the profile it was given, and the
 *   exporter computed from the master secret gnutls-serv wrote to SSLKEYLOGFILE must equal ours.
 *
 * Connection IDs (RFC 9146) have no test here: no peer on these machines speaks RFC 9146 for
 * DTLS 1.2 (OpenSSL 3.0 has no CID support; GnuTLS 3.7.9 neither; Debian's wolfSSL 5.5.4 is built
 * without WOLFSSL_DTLS_CID; Debian's mbedTLS 2.28 leaves MBEDTLS_SSL_DTLS_CONNECTION_ID off and
 * implements only draft-05 with extension 254 anyway; pion/dtls 2.2.6 predates its CID support).
 * reference/transport/udp-cid.test.ts runs CIDs reference <-> reference over UDP instead.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { UdpServer, connectUdp } from '../reference/transport/udp.ts';
import type { UdpConnection } from '../reference/transport/udp.ts';
import { parseKeylogStrict } from '../reference/capture/keylog.ts';
import { exportKeyingMaterial } from '../reference/handshake/dtls12/exporter.ts';
import { SRTP_EXPORTER_LABEL, SRTP_PROFILES, type SrtpKeyingMaterial } from '../reference/handshake/dtls12/srtp.ts';
import { SrtpProtectionProfile } from '../reference/wire/enums.ts';
import { echo, peerTest, pkiFiles, serverCredentials, text, utf8 } from './support.ts';

const P = SrtpProtectionProfile;

interface Profile {
  readonly code: number;
  /** OpenSSL's name (-use_srtp). */
  readonly openssl: string;
  /** The IANA name. */
  readonly name: string;
  /** Whether GnuTLS 3.7.9 has it: its --srtp-profiles knows no AEAD profile ("Syntax error at: SRTP_AEAD_AES_128_GCM"). */
  readonly gnutls: boolean;
}

const PROFILES: readonly Profile[] = [
  { code: P.SRTP_AES128_CM_HMAC_SHA1_80, openssl: 'SRTP_AES128_CM_SHA1_80', name: 'SRTP_AES128_CM_HMAC_SHA1_80', gnutls: true },
  { code: P.SRTP_AES128_CM_HMAC_SHA1_32, openssl: 'SRTP_AES128_CM_SHA1_32', name: 'SRTP_AES128_CM_HMAC_SHA1_32', gnutls: true },
  { code: P.SRTP_AEAD_AES_128_GCM, openssl: 'SRTP_AEAD_AES_128_GCM', name: 'SRTP_AEAD_AES_128_GCM', gnutls: false },
  { code: P.SRTP_AEAD_AES_256_GCM, openssl: 'SRTP_AEAD_AES_256_GCM', name: 'SRTP_AEAD_AES_256_GCM', gnutls: false },
];

/** The server's next connection, or an error if the peer exits first (a refused option, say). */
function acceptFrom(server: UdpServer, peer: Peer): Promise<UdpConnection> {
  const exited = peer.exited.then((): never => {
    throw new Error(`${peer.label} exited before a handshake began: ${peer.tail()}`);
  });
  return Promise.race([server.accept(), exited]);
}

/** RFC 5764 §4.2: 2 * (master key + master salt) bytes. */
function exportLength(profile: number): number {
  const info = SRTP_PROFILES.get(profile);
  if (info === undefined) throw new Error(`no SRTP profile ${profile}`);
  return 2 * (info.masterKeyLength + info.masterSaltLength);
}

/** Our keying material in the exporter's order (RFC 5764 §4.2), lowercase hex. */
function keyBlockHex(k: SrtpKeyingMaterial | undefined): string {
  if (k === undefined) return '<no use_srtp>';
  return [k.clientWriteKey, k.serverWriteKey, k.clientWriteSalt, k.serverWriteSalt].map((b) => Buffer.from(b).toString('hex')).join('');
}

/** OpenSSL's "Keying material: HEX" line, lowercase. */
function opensslKeyingMaterial(output: string): string {
  return /Keying material: ([0-9A-F]+)/.exec(output)?.[1].toLowerCase() ?? '<no keying material line>';
}

const opensslSrtp = (p: Profile): string[] => ['-use_srtp', p.openssl, '-keymatexport', SRTP_EXPORTER_LABEL, '-keymatexportlen', String(exportLength(p.code))];
const gnutlsSrtp = (p: Profile): string[] => [`--srtp-profiles=${p.name}`, '--keymatexport', SRTP_EXPORTER_LABEL, '--keymatexportsize', String(exportLength(p.code))];

for (const profile of PROFILES) {
  peerTest(`[RFC5764-4.1-select] [RFC5764-4.2-keys] reference client -> openssl s_server -use_srtp: ${profile.name}: profile agreed, equal SRTP keying material`, ['openssl'], async (t) => {
    const files = await pkiFiles();
    const port = await freeUdpPort();
    const server = new Peer(
      'openssl s_server',
      ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', files.leaf, '-key', files.key, ...opensslSrtp(profile)],
      10,
    );
    let client: UdpConnection | undefined;
    try {
      await server.waitFor(/^ACCEPT$/m, 3000, 'ACCEPT');
      // Offer every profile, ours first: s_server must pick the one it was given.
      const offered = [profile.code, ...PROFILES.map((p) => p.code).filter((c) => c !== profile.code)];
      client = await connectUdp({ host: '127.0.0.1', port, config: { srtp: { profiles: offered } }, handshakeTimeoutMs: 4000 });
      const negotiated = await client.handshake();
      t.is(negotiated.srtp?.profile, profile.code);
      await server.waitFor(new RegExp(`SRTP Extension negotiated, profile=${profile.openssl}`), 3000, 'the SRTP profile line');
      await server.waitFor(/Keying material: [0-9A-F]+/, 3000, 'the keying material line');
      t.is(keyBlockHex(client.endpoint.srtpKeyingMaterial()), opensslKeyingMaterial(server.output));
      client.send(utf8('hello from dtlsprobe\n'));
      await server.waitFor(/hello from dtlsprobe/, 3000, 'the client line');
      await client.close();
    } finally {
      await client?.close().catch(() => {});
      server.stop();
      await server.waitExit(3000);
    }
  });

  peerTest(`[RFC5764-4.1-select] [RFC5764-4.2-keys] openssl s_client -use_srtp -> reference server: ${profile.name}: profile agreed, equal SRTP keying material`, ['openssl'], async (t) => {
    const server = await UdpServer.listen({
      host: '127.0.0.1',
      config: { certificate: await serverCredentials(), srtp: { profiles: PROFILES.map((p) => p.code) } },
      handshakeTimeoutMs: 4000,
    });
    const client = new Peer('openssl s_client', ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${server.address.port}`, ...opensslSrtp(profile)], 10);
    try {
      const conn = await acceptFrom(server, client);
      const negotiated = await conn.handshake();
      t.is(negotiated.srtp?.profile, profile.code);
      const echoed = echo(conn);
      await client.waitFor(new RegExp(`SRTP Extension negotiated, profile=${profile.openssl}`), 3000, 'the SRTP profile line');
      await client.waitFor(/Keying material: [0-9A-F]+/, 3000, 'the keying material line');
      t.is(keyBlockHex(conn.endpoint.srtpKeyingMaterial()), opensslKeyingMaterial(client.output));
      client.write('hello from openssl\n');
      await client.waitFor(/^hello from openssl$/m, 3000, 'the echoed line');
      client.endInput();
      t.deepEqual(await echoed, ['hello from openssl\n']);
    } finally {
      client.stop();
      await client.waitExit(3000);
      await server.close();
    }
  });

  if (!profile.gnutls) continue;
  peerTest(`[RFC5764-4.1-select] [RFC5764-4.2-keys] gnutls-cli --srtp-profiles -> reference server: ${profile.name}: profile agreed, equal SRTP keying material`, ['gnutls-cli'], async (t) => {
    const files = await pkiFiles();
    const server = await UdpServer.listen({
      host: '127.0.0.1',
      config: { certificate: await serverCredentials(), srtp: { profiles: PROFILES.map((p) => p.code) } },
      handshakeTimeoutMs: 4000,
    });
    const client = new Peer(
      'gnutls-cli',
      ['gnutls-cli', '--udp', '-p', String(server.address.port), '--x509cafile', files.ca, ...gnutlsSrtp(profile), '127.0.0.1'],
      10,
    );
    try {
      const conn = await acceptFrom(server, client);
      const negotiated = await conn.handshake();
      t.is(negotiated.srtp?.profile, profile.code);
      const echoed = echo(conn);
      await client.waitFor(/Handshake was completed/, 3000, 'Handshake was completed');
      t.regex(client.output, new RegExp(`- SRTP profile: ${profile.name}\\b`));
      const material = /- Key material: ([0-9a-f]+)/.exec(client.output)?.[1] ?? '<no key material line>';
      t.is(keyBlockHex(conn.endpoint.srtpKeyingMaterial()), material);
      client.write('hello from gnutls\n');
      await client.waitFor(/^hello from gnutls$/m, 3000, 'the echoed line');
      client.endInput();
      t.deepEqual(await echoed, ['hello from gnutls\n']);
    } finally {
      client.stop();
      await client.waitExit(3000);
      await server.close();
    }
  });
}

peerTest('[RFC5764-4.1-select] [RFC5764-4.2-keys] reference client -> gnutls-serv --srtp-profiles: profile agreed; the exporter over its logged master secret equals our keys', ['gnutls-serv'], async (t) => {
  const files = await pkiFiles();
  const port = await freeUdpPort();
  const dir = await mkdtemp(join(tmpdir(), 'dtlsprobe-srtp-'));
  const keylog = join(dir, 'server.keys');
  const server = new Peer(
    'gnutls-serv',
    ['gnutls-serv', '--udp', '--echo', '-p', String(port), '--x509certfile', files.chain, '--x509keyfile', files.key, '--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_80:SRTP_AES128_CM_HMAC_SHA1_32'],
    10,
    { SSLKEYLOGFILE: keylog },
  );
  let client: UdpConnection | undefined;
  try {
    await server.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 3000, 'listening on IPv4');
    client = await connectUdp({
      host: '127.0.0.1',
      port,
      config: { srtp: { profiles: [P.SRTP_AEAD_AES_256_GCM, P.SRTP_AES128_CM_HMAC_SHA1_80] } },
      handshakeTimeoutMs: 4000,
    });
    const negotiated = await client.handshake();
    t.is(negotiated.srtp?.profile, P.SRTP_AES128_CM_HMAC_SHA1_80, 'the one profile both lists hold');
    client.send(utf8('hello from dtlsprobe\n'));
    t.is(text(await client.read()), 'hello from dtlsprobe\n', 'gnutls-serv echoed our line: the record keys agree');

    const entries = parseKeylogStrict(await readFile(keylog, 'utf8'));
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
    const entry = entries.find((e) => e.label === 'CLIENT_RANDOM' && same(e.clientRandom, negotiated.clientRandom));
    if (entry === undefined) return t.fail('gnutls-serv logged no CLIENT_RANDOM line for our handshake');
    const theirs = exportKeyingMaterial({ ...negotiated, masterSecret: entry.secret }, SRTP_EXPORTER_LABEL, undefined, exportLength(P.SRTP_AES128_CM_HMAC_SHA1_80));
    t.is(keyBlockHex(client.endpoint.srtpKeyingMaterial()), Buffer.from(theirs).toString('hex'));
    await client.close();
  } finally {
    await client?.close().catch(() => {});
    server.stop();
    await server.waitExit(3000);
    await rm(dir, { recursive: true, force: true });
  }
});
