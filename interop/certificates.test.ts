/**
 * ECDHE_RSA with RSA certificate chains, and client authentication, against real peers over UDP on
 * 127.0.0.1, in both roles: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (c02f),
 * TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (c030) and TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
 * (cca8) against `openssl s_server` / `s_client` and `gnutls-serv` / `gnutls-cli`.
 *
 * Every side sends a chain (leaf + intermediate) and trusts only the other PKI's root, so each
 * verification walks the intermediate: the peers verify with their own code (`-Verify 1` /
 * `-verify 1 -CAfile`, `--require-client-cert` / `--verify-client-cert --x509cafile`,
 * `-CAfile -verify_return_error`, `--x509cafile`), the reference through a TlsDatabase
 * (reference/api/peer-verifier.ts). Client authentication runs required with every suite and
 * requested with c02f; each run carries a line each way. One run checks that s_server's verification
 * is really on: a client chain from an untrusted CA is refused with unknown_ca. (gnutls-serv 3.7.9
 * with --require-client-cert completes the handshake with such a chain, so it has no such run.)
 */
import type { ExecutionContext } from 'ava';
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { UdpServer, connectUdp } from '../reference/transport/udp.ts';
import { peerVerifier } from '../reference/api/peer-verifier.ts';
import { TlsCertificate } from '../reference/api/tls-certificate.ts';
import { TlsFileDatabase } from '../reference/api/tls-database.ts';
import { certificateNames } from '../reference/api/tls-verify.ts';
import { CipherSuite } from '../reference/wire/enums.ts';
import type { EndpointConfig } from '../reference/handshake/dtls12/config.ts';
import { testChainPki } from '../testkit/credentials.ts';
import { chainPkiFiles } from '../testkit/pki-files.ts';
import { echo, peerTest, text, utf8 } from './support.ts';

interface RsaSuite {
  readonly code: number;
  readonly name: string;
  readonly openssl: string;
  /** The GnuTLS cipher priority item. */
  readonly gnutls: string;
}

const RSA_SUITES: readonly RsaSuite[] = [
  { code: CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, name: 'c02f', openssl: 'ECDHE-RSA-AES128-GCM-SHA256', gnutls: 'AES-128-GCM' },
  { code: CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, name: 'c030', openssl: 'ECDHE-RSA-AES256-GCM-SHA384', gnutls: 'AES-256-GCM' },
  { code: CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, name: 'cca8', openssl: 'ECDHE-RSA-CHACHA20-POLY1305', gnutls: 'CHACHA20-POLY1305' },
];

type Mode = 'required' | 'requested';

/**
 * How long a peer process may live: only a guard against a hang, so it must outlast the bounds of
 * the steps it serves (ACCEPT 5 s, handshake 10 s, each line 10 s). The 18 runs of this file go at
 * once; a handshake with RSA chains both ways can take several seconds on a loaded machine, and a
 * 12 s lifetime once killed s_server before the client's line could reach it.
 */
const PEER_SECONDS = 45;

/** Required with every suite, requested with the first. */
const RUNS = RSA_SUITES.flatMap((suite, i) => (i === 0 ? (['required', 'requested'] as const) : (['required'] as const)).map((mode: Mode) => ({ suite, mode })));

const label = (s: RsaSuite): string => `${CipherSuite.nameOf(s.code)} (${s.name})`;
const priority = (s: RsaSuite): string => `NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+${s.gnutls}`;
const ids = (mode: Mode): string =>
  `[RFC5246-7.4.2-chain] [RFC5246-7.4.1.4.1-choice] [RFC5246-7.4.4-request] [RFC5246-7.4.8]${mode === 'required' ? '' : ' [RFC5246-7.4.6]'}`;

/** The verifier of a reference endpoint that trusts `root` only. */
function trusting(root: Uint8Array, peer: 'client' | 'server'): NonNullable<EndpointConfig['verifyPeer']> {
  const database = TlsFileDatabase.newFromCertificates([TlsCertificate.newFromDer(root)]);
  return peerVerifier(database, peer === 'server' ? { peer, identity: '127.0.0.1' } : { peer });
}

/** What the reference client is configured with against a peer server: its RSA chain, the server root. */
async function referenceClientConfig(suite: RsaSuite): Promise<Partial<EndpointConfig>> {
  const server = await testChainPki('RSA', 'server');
  const client = await testChainPki('RSA', 'client');
  return { cipherSuites: [suite.code], certificate: client.credentials, verifyPeer: trusting(server.root, 'server') };
}

/** What the reference server is configured with against a peer client. */
async function referenceServerConfig(suite: RsaSuite, mode: Mode): Promise<Omit<EndpointConfig, 'role'>> {
  const server = await testChainPki('RSA', 'server');
  const client = await testChainPki('RSA', 'client');
  return {
    cipherSuites: [suite.code],
    certificate: server.credentials,
    clientAuth: mode,
    certificateAuthorities: [certificateNames(client.root).subject],
    verifyPeer: trusting(client.root, 'client'),
  };
}

/** The reference client side of a run against a peer server: handshake, both chains checked, a line each way. */
async function referenceClient(t: ExecutionContext, port: number, suite: RsaSuite, server: Peer, echoes: boolean): Promise<void> {
  const client = await connectUdp({ host: '127.0.0.1', port, config: await referenceClientConfig(suite), handshakeTimeoutMs: 10_000 });
  try {
    const negotiated = await client.handshake();
    t.is(negotiated.cipherSuite, suite.code);
    t.is(negotiated.peerChain.length, 2, 'the server sent leaf + intermediate');
    t.true(negotiated.peerVerified, 'we verified the server chain up to its root');
    t.true(negotiated.sentClientCertificate, 'we sent our chain');

    const afterHandshake = server.output.length;
    client.send(utf8('hello from dtlsprobe\n'));
    await server.waitFor(/hello from dtlsprobe/, 10_000, 'the client line', afterHandshake);
    if (!echoes) server.write('hello from the peer\n');
    t.is(text(await client.read()), echoes ? 'hello from dtlsprobe\n' : 'hello from the peer\n');
  } finally {
    // Also on a failure: a socket left open keeps the test process from exiting.
    await client.close();
  }
}

/** The reference server side of a run against a peer client; `withCertificate`: the peer sent one. */
async function referenceServer(t: ExecutionContext, listening: UdpServer, suite: RsaSuite, client: Peer, withCertificate: boolean, ready: RegExp): Promise<void> {
  const conn = await listening.accept();
  const negotiated = await conn.handshake();
  t.is(negotiated.cipherSuite, suite.code);
  t.is(negotiated.peerChain.length, withCertificate ? 2 : 0, withCertificate ? 'the client sent leaf + intermediate' : 'the client sent no certificate');
  t.is(negotiated.peerVerified, withCertificate);
  const echoed = echo(conn);
  await client.waitFor(ready, 10_000, 'a completed handshake');
  const before = client.output.length;
  client.write('hello from the peer\n');
  await client.waitFor(/^hello from the peer$/m, 10_000, 'the echoed line', before);
  client.endInput();
  t.deepEqual(await echoed, ['hello from the peer\n']);
  t.true(await client.waitExit(3000), 'the peer client exited');
}

for (const { suite, mode } of RUNS) {
  peerTest(`${ids(mode)} reference client -> openssl s_server ${mode === 'required' ? '-Verify 1' : '-verify 1'}: ${label(suite)}, RSA chains both ways, data both ways`, ['openssl'], async (t) => {
    const files = await chainPkiFiles('RSA', 'server');
    const clientFiles = await chainPkiFiles('RSA', 'client');
    const port = await freeUdpPort();
    const server = new Peer(
      'openssl s_server',
      ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', files.leaf, '-cert_chain', files.intermediate, '-key', files.key,
        mode === 'required' ? '-Verify' : '-verify', '1', '-CAfile', clientFiles.root, '-verify_return_error', '-cipher', suite.openssl],
      PEER_SECONDS,
    );
    try {
      await server.waitFor(/^ACCEPT$/m, 5000, 'ACCEPT');
      await referenceClient(t, port, suite, server, false);
      t.regex(server.output, /Client certificate/, 's_server got our certificate');
      t.regex(server.output, /subject=.*CN ?= ?localhost/, 's_server names our leaf');
      t.regex(server.output, /depth=2 [^\n]*dtlsprobe client root CA\s+verify return:1/, 's_server walked our intermediate up to the root it trusts');
    } finally {
      server.stop();
      await server.waitExit(3000);
    }
  });

  peerTest(`${ids(mode)} openssl s_client -cert -> reference server, client authentication ${mode}: ${label(suite)}, RSA chains both ways, data both ways`, ['openssl'], async (t) => {
    const files = await chainPkiFiles('RSA', 'server');
    const clientFiles = await chainPkiFiles('RSA', 'client');
    const listening = await UdpServer.listen({ host: '127.0.0.1', config: await referenceServerConfig(suite, mode), handshakeTimeoutMs: 10_000 });
    const client = new Peer(
      'openssl s_client',
      ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${listening.address.port}`, '-cert', clientFiles.leaf, '-cert_chain', clientFiles.intermediate, '-key', clientFiles.key,
        '-CAfile', files.root, '-verify_return_error', '-cipher', suite.openssl],
      PEER_SECONDS,
    );
    try {
      await referenceServer(t, listening, suite, client, true, /Verify return code: 0 \(ok\)/);
      t.is(client.exitCode, 0, client.tail());
      t.regex(client.output, /Acceptable client certificate CA names\s+[^\n]*dtlsprobe client root CA/, 's_client saw our certificate_authorities');
    } finally {
      client.stop();
      await client.waitExit(3000);
      await listening.close();
    }
  });

  peerTest(`${ids(mode)} reference client -> gnutls-serv ${mode === 'required' ? '--require-client-cert' : '--verify-client-cert'}: ${label(suite)}, RSA chains both ways, data both ways`, ['gnutls-serv'], async (t) => {
    const files = await chainPkiFiles('RSA', 'server');
    const clientFiles = await chainPkiFiles('RSA', 'client');
    const port = await freeUdpPort();
    const server = new Peer(
      'gnutls-serv',
      ['gnutls-serv', '--udp', '--echo', '-p', String(port), '--x509certfile', files.chain, '--x509keyfile', files.key, '--x509cafile', clientFiles.root,
        mode === 'required' ? '--require-client-cert' : '--verify-client-cert', '--priority', priority(suite)],
      PEER_SECONDS,
    );
    try {
      await server.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 5000, 'listening on IPv4');
      await referenceClient(t, port, suite, server, true);
    } finally {
      server.stop();
      await server.waitExit(3000);
    }
  });

  peerTest(`${ids(mode)} gnutls-cli --x509certfile -> reference server, client authentication ${mode}: ${label(suite)}, RSA chains both ways, data both ways`, ['gnutls-cli'], async (t) => {
    const files = await chainPkiFiles('RSA', 'server');
    const clientFiles = await chainPkiFiles('RSA', 'client');
    const listening = await UdpServer.listen({ host: '127.0.0.1', config: await referenceServerConfig(suite, mode), handshakeTimeoutMs: 10_000 });
    const client = new Peer(
      'gnutls-cli',
      ['gnutls-cli', '--udp', '-p', String(listening.address.port), '--x509cafile', files.root, '--x509certfile', clientFiles.chain, '--x509keyfile', clientFiles.key,
        '--priority', priority(suite), '127.0.0.1'],
      PEER_SECONDS,
    );
    try {
      await referenceServer(t, listening, suite, client, true, /Handshake was completed/);
      t.regex(client.output, /The certificate is trusted/, 'gnutls-cli verified our chain');
    } finally {
      client.stop();
      await client.waitExit(3000);
      await listening.close();
    }
  });
}

peerTest('[RFC5246-7.4.6] openssl s_client without a certificate -> reference server, client authentication requested: goes on unauthenticated', ['openssl'], async (t) => {
  const suite = RSA_SUITES[0];
  const files = await chainPkiFiles('RSA', 'server');
  const listening = await UdpServer.listen({ host: '127.0.0.1', config: await referenceServerConfig(suite, 'requested'), handshakeTimeoutMs: 10_000 });
  const client = new Peer(
    'openssl s_client',
    ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${listening.address.port}`, '-CAfile', files.root, '-verify_return_error', '-cipher', suite.openssl],
    PEER_SECONDS,
  );
  try {
    await referenceServer(t, listening, suite, client, false, /Verify return code: 0 \(ok\)/);
  } finally {
    client.stop();
    await client.waitExit(3000);
    await listening.close();
  }
});

/** A client chain from a CA the peer server does not trust: the peer's verification must refuse it. */
async function strangerAgainst(t: ExecutionContext, port: number, suite: RsaSuite): Promise<string> {
  const server = await testChainPki('RSA', 'server');
  const stranger = await testChainPki('RSA', 'stranger');
  const client = await connectUdp({
    host: '127.0.0.1',
    port,
    config: { cipherSuites: [suite.code], certificate: stranger.credentials, verifyPeer: trusting(server.root, 'server') },
    handshakeTimeoutMs: 10_000,
  });
  const error = await t.throwsAsync(client.handshake());
  return error?.message ?? '';
}

peerTest('[RFC5246-7.4.6-unacceptable] reference client with a chain from an untrusted CA -> openssl s_server -Verify 1: refused with unknown_ca', ['openssl'], async (t) => {
  const suite = RSA_SUITES[0];
  const files = await chainPkiFiles('RSA', 'server');
  const clientFiles = await chainPkiFiles('RSA', 'client');
  const port = await freeUdpPort();
  const server = new Peer(
    'openssl s_server',
    ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', files.leaf, '-cert_chain', files.intermediate, '-key', files.key,
      '-Verify', '1', '-CAfile', clientFiles.root, '-verify_return_error', '-cipher', suite.openssl],
    PEER_SECONDS,
  );
  try {
    await server.waitFor(/^ACCEPT$/m, 5000, 'ACCEPT');
    t.regex(await strangerAgainst(t, port, suite), /unknown_ca/);
  } finally {
    server.stop();
    await server.waitExit(3000);
  }
});
