/**
 * Session resumption against real peers over UDP on 127.0.0.1, by session ID (the peer's tickets
 * turned off: `-no_ticket`, `--noticket`) and by ticket (RFC 5077), both roles; each time the PEER
 * says it resumed:
 *
 * - reference client -> `openssl s_server`: s_server prints "Reused session-id" for a resumed connection;
 * - `openssl s_client -sess_out F`, then `-sess_in F` -> reference server: s_client prints "Reused, TLSv1.2";
 * - `gnutls-cli --resume` -> reference server: gnutls-cli prints "*** This is a resumed session";
 * - reference client -> `gnutls-serv -d 4`: its log goes from "SERVER HELLO was queued" straight to
 *   "Sent ChangeCipherSpec" (no Certificate, no key exchange), which is GnuTLS's abbreviated handshake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { UdpServer, connectUdp } from '../reference/transport/udp.ts';
import { CipherSuite } from '../reference/wire/enums.ts';
import { SessionCache } from '../reference/handshake/dtls12/session.ts';
import { TicketKeys } from '../reference/handshake/dtls12/tickets.ts';
import type { Session } from '../reference/handshake/dtls12/session.ts';
import type { EndpointConfig } from '../reference/handshake/dtls12/config.ts';
import { systemRandom } from '../reference/crypto/random.ts';
import { echo, peerTest, pkiFiles, serverCredentials } from './support.ts';

const SUITE = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const OPENSSL_SUITE = 'ECDHE-ECDSA-AES128-GCM-SHA256';
const GNUTLS_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-GCM';

type Kind = 'session-id' | 'ticket';
const KINDS: readonly Kind[] = ['session-id', 'ticket'];
const ids = (kind: Kind): string => (kind === 'ticket' ? '[RFC5077-3.2-request] [RFC5077-3.4-session-id] [RFC5246-7.3-abbreviated]' : '[RFC5246-7.3-abbreviated] [RFC5246-7.4.1.2-session-id]');

/** A reference client connection: handshake, one line each way through an echoing peer or not, close. */
async function referenceClient(port: number, config: Omit<EndpointConfig, 'role'>): Promise<{ session: Session | undefined; resumed: string | undefined }> {
  const client = await connectUdp({ host: '127.0.0.1', port, config: { cipherSuites: [SUITE], ...config }, handshakeTimeoutMs: 4000 });
  try {
    const negotiated = await client.handshake();
    return { session: client.endpoint.session(), resumed: negotiated.resumed };
  } finally {
    await client.close().catch(() => {});
  }
}

/** The reference server's resumption state: a session cache and ticket keys shared by its connections. */
const serverConfig = async (): Promise<Omit<EndpointConfig, 'role' | 'peerAddress'>> => ({
  cipherSuites: [SUITE],
  certificate: await serverCredentials(),
  sessionCache: new SessionCache(),
  ticketKeys: new TicketKeys({ random: systemRandom }),
});

for (const kind of KINDS) {
  peerTest(`${ids(kind)} reference client -> openssl s_server: resumed by ${kind}, s_server reports "Reused session-id"`, ['openssl'], async (t) => {
    const pki = await pkiFiles();
    const port = await freeUdpPort();
    const server = new Peer(
      'openssl s_server',
      ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', pki.leaf, '-cert_chain', pki.ca, '-key', pki.key, '-cipher', OPENSSL_SUITE, ...(kind === 'ticket' ? [] : ['-no_ticket'])],
      15,
    );
    try {
      await server.waitFor(/^ACCEPT$/m, 3000, 'ACCEPT');
      const first = await referenceClient(port, { sessionTickets: kind === 'ticket' });
      t.is(first.resumed, undefined);
      const session = first.session;
      if (session === undefined) return t.fail('no session from the first connection');
      t.is(session.ticket !== undefined, kind === 'ticket', 'a ticket exactly when tickets are on');
      if (kind === 'session-id') t.is(session.sessionId.length, 32);
      await server.waitFor(/^DONE$/m, 3000, 'DONE (the first connection closed)');
      t.false(/Reused session-id/.test(server.output));
      const before = server.output.length;
      const second = await referenceClient(port, { sessionTickets: kind === 'ticket', resumeSession: session });
      t.is(second.resumed, kind);
      await server.waitFor(/Reused session-id/, 3000, 'Reused session-id', before);
    } finally {
      server.stop();
      await server.waitExit(3000);
    }
  });

  peerTest(`${ids(kind)} openssl s_client -sess_out, then -sess_in -> reference server: resumed by ${kind}, s_client reports "Reused, TLSv1.2"`, ['openssl'], async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'dtlsprobe-sess-'));
    const sessionFile = join(dir, 'session.pem');
    const server = await UdpServer.listen({ host: '127.0.0.1', config: await serverConfig(), handshakeTimeoutMs: 4000 });
    const run = async (sessionArgs: string[], expect: RegExp): Promise<string | undefined> => {
      const client = new Peer(
        'openssl s_client',
        ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${server.address.port}`, '-cipher', OPENSSL_SUITE, ...(kind === 'ticket' ? [] : ['-no_ticket']), ...sessionArgs],
        10,
      );
      try {
        const conn = await server.accept();
        const negotiated = await conn.handshake();
        const echoed = echo(conn);
        await client.waitFor(expect, 3000, expect.source);
        client.write('hello from openssl\n');
        await client.waitFor(/^hello from openssl$/m, 3000, 'the echoed line');
        client.endInput();
        t.deepEqual(await echoed, ['hello from openssl\n']);
        t.true(await client.waitExit(3000), 's_client exited');
        return negotiated.resumed;
      } finally {
        client.stop();
        await client.waitExit(3000);
      }
    };
    try {
      t.is(await run(['-sess_out', sessionFile], /^New, TLSv1\.2/m), undefined);
      t.is(await run(['-sess_in', sessionFile], /^Reused, TLSv1\.2/m), kind);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  peerTest(`${ids(kind)} gnutls-cli --resume -> reference server: resumed by ${kind}, gnutls-cli reports "This is a resumed session"`, ['gnutls-cli'], async (t) => {
    const server = await UdpServer.listen({ host: '127.0.0.1', config: await serverConfig(), handshakeTimeoutMs: 4000 });
    const client = new Peer(
      'gnutls-cli',
      // gnutls-cli 3.7.9 still offers session_ticket with --noticket; the priority string's %NO_TICKETS stops it.
      ['gnutls-cli', '--udp', '--insecure', '--resume', '-p', String(server.address.port), '--priority', kind === 'ticket' ? GNUTLS_PRIORITY : `${GNUTLS_PRIORITY}:%NO_TICKETS`, '127.0.0.1'],
      12,
    );
    try {
      const first = await server.accept();
      t.is((await first.handshake()).resumed, undefined);
      void echo(first).catch(() => {});
      const second = await server.accept();
      t.is((await second.handshake()).resumed, kind);
      const echoed = echo(second);
      await client.waitFor(/\*\*\* This is a resumed session/, 3000, 'This is a resumed session');
      const before = client.output.length;
      client.write('hello from gnutls\n');
      await client.waitFor(/^hello from gnutls$/m, 3000, 'the echoed line', before);
      client.endInput();
      t.deepEqual(await echoed, ['hello from gnutls\n']);
    } finally {
      client.stop();
      await client.waitExit(3000);
      await server.close();
    }
  });

  peerTest(`${ids(kind)} reference client -> gnutls-serv: resumed by ${kind}, gnutls-serv goes from ServerHello straight to ChangeCipherSpec`, ['gnutls-serv'], async (t) => {
    const pki = await pkiFiles();
    const port = await freeUdpPort();
    const server = new Peer(
      'gnutls-serv',
      ['gnutls-serv', '--udp', '--echo', '-d', '4', '-p', String(port), '--x509certfile', pki.chain, '--x509keyfile', pki.key, '--priority', GNUTLS_PRIORITY, ...(kind === 'ticket' ? [] : ['--noticket'])],
      15,
    );
    const abbreviated = /SERVER HELLO was queued \[\d+ bytes\]\s*\n[^\n]*Sent ChangeCipherSpec/;
    try {
      await server.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 3000, 'listening on IPv4');
      const first = await referenceClient(port, { sessionTickets: kind === 'ticket' });
      const session = first.session;
      if (session === undefined) return t.fail('no session from the first connection');
      t.is(session.ticket !== undefined, kind === 'ticket');
      t.false(abbreviated.test(server.output), 'the first handshake is a full one');
      const before = server.output.length;
      const second = await referenceClient(port, { sessionTickets: kind === 'ticket', resumeSession: session });
      t.is(second.resumed, kind);
      await server.waitFor(abbreviated, 3000, 'ServerHello then ChangeCipherSpec', before);
    } finally {
      server.stop();
      await server.waitExit(3000);
    }
  });
}
