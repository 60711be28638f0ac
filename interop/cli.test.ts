/**
 * The `dtlsprobe serve` and `dtlsprobe connect` commands against real peers, run as a new user
 * would: `node bin/dtlsprobe.js ...` child processes, with the test PKI written as PEM files.
 *
 *   dtlsprobe connect -> openssl s_server -dtls1_2      dtlsprobe connect -> gnutls-serv --udp --echo
 *   openssl s_client -dtls1_2 -> dtlsprobe serve        gnutls-cli --udp -> dtlsprobe serve
 *
 * Every process runs under `timeout` and is stopped by the PID we started (scripts/interop-peers.ts).
 * gnutls-serv has no bind option (it listens on 0.0.0.0 and ::); we talk to it on 127.0.0.1 only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { peerTest, pkiFiles } from './support.ts';

const BIN = fileURLToPath(new URL('../bin/dtlsprobe.js', import.meta.url));
/** How long a `node bin/dtlsprobe.js` process may take to start and handshake while the other interop tests run (two CPUs). */
const STARTUP_MS = 15_000;

/** `node bin/dtlsprobe.js ARGS` under timeout; its stdout also kept on its own. */
function dtlsprobe(args: string[], seconds = 30): { peer: Peer; stdout: () => string } {
  const peer = new Peer(`dtlsprobe ${args[0]}`, [process.execPath, BIN, ...args], seconds);
  let stdout = '';
  peer.child.stdout.on('data', (b: Buffer) => (stdout += b.toString('latin1')));
  return { peer, stdout: () => stdout };
}

/** `dtlsprobe serve --port 0 ...` once it has said where it listens. */
async function serve(args: string[]): Promise<{ peer: Peer; stdout: () => string; port: number }> {
  const server = dtlsprobe(['serve', '--port', '0', ...args]);
  await server.peer.waitFor(/^listening on 127\.0\.0\.1:\d+$/m, STARTUP_MS, 'listening on');
  const port = Number(/^listening on 127\.0\.0\.1:(\d+)$/m.exec(server.peer.output)?.[1]);
  return { ...server, port };
}

async function stopAll(...peers: Peer[]): Promise<void> {
  for (const p of peers) p.stop();
  for (const p of peers) await p.waitExit(3000);
}

/** A key log's secret lines (OpenSSL heads its file with a comment). */
function keylogLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

async function exitsWith(t: ExecutionContext, p: Peer, code: number): Promise<void> {
  t.true(await p.waitExit(10_000), `${p.label} exited\n${p.tail()}`);
  t.is(p.exitCode, code, p.tail());
}

peerTest('[RFC7301-3.2] dtlsprobe connect -> openssl s_server -dtls1_2: verified, ALPN, a line each way, the same key log, close_notify', ['openssl'], async (t) => {
  const pki = await pkiFiles();
  const port = await freeUdpPort();
  const [serverKeys, clientKeys] = [join(pki.dir, `s_server-${port}.keys`), join(pki.dir, `connect-${port}.keys`)];
  const server = new Peer(
    'openssl s_server',
    ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', pki.leaf, '-cert_chain', pki.ca, '-key', pki.key, '-alpn', 'coap', '-keylogfile', serverKeys],
    30,
  );
  let client: ReturnType<typeof dtlsprobe> | undefined;
  try {
    await server.waitFor(/^ACCEPT$/m, 3000, 'ACCEPT');
    client = dtlsprobe(['connect', '--host', '127.0.0.1', '--port', String(port), '--ca', pki.ca, '--alpn', 'coap', '--keylog', clientKeys, '--timeout', '5']);
    await client.peer.waitFor(/^connected suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 version=DTLS 1\.2 alpn=coap$/m, STARTUP_MS, 'connected');
    client.peer.write('hello from dtlsprobe\n');
    await server.waitFor(/^hello from dtlsprobe$/m, 3000, 'the client line');
    server.write('hello from openssl\n');
    await client.peer.waitFor(/^hello from openssl$/m, 3000, 'the server line');
    const beforeClose = server.output.length;
    client.peer.endInput();
    await server.waitFor(/^DONE$/m, 4000, 'DONE (it got our close_notify)', beforeClose);
    await exitsWith(t, client.peer, 0);
    t.is(client.stdout(), 'hello from openssl\n', 'stdout carries only the data');
    t.deepEqual(keylogLines(clientKeys), keylogLines(serverKeys), 'our CLIENT_RANDOM line is OpenSSL’s');
  } finally {
    await stopAll(server, ...(client === undefined ? [] : [client.peer]));
  }
});

peerTest('dtlsprobe connect -> gnutls-serv --udp --echo: verified, each line echoed, close_notify, exit 0', ['gnutls-serv'], async (t) => {
  const pki = await pkiFiles();
  const port = await freeUdpPort();
  const server = new Peer('gnutls-serv', ['gnutls-serv', '--udp', '--echo', '-d', '5', '-p', String(port), '--x509certfile', pki.chain, '--x509keyfile', pki.key], 30);
  let client: ReturnType<typeof dtlsprobe> | undefined;
  try {
    await server.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 3000, 'listening on IPv4');
    client = dtlsprobe(['connect', '--host', '127.0.0.1', '--port', String(port), '--ca', pki.ca, '--timeout', '5']);
    client.peer.write('one\ntwo\n');
    client.peer.endInput();
    await client.peer.waitFor(/^connected suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 version=DTLS 1\.2 alpn=-$/m, STARTUP_MS, 'connected');
    await exitsWith(t, client.peer, 0);
    t.is(client.stdout(), 'one\ntwo\n');
    await server.waitFor(/Close notify - was received/, 3000, 'that it got our close_notify');
  } finally {
    await stopAll(server, ...(client === undefined ? [] : [client.peer]));
  }
});

peerTest('[RFC7301-3.2] openssl s_client -dtls1_2 -> dtlsprobe serve --once: verified, ALPN, the line echoed, close_notify ends serve', ['openssl'], async (t) => {
  const pki = await pkiFiles();
  const server = await serve(['--cert', pki.chain, '--key', pki.key, '--alpn', 'coap', '--once']);
  const client = new Peer(
    'openssl s_client',
    ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${server.port}`, '-CAfile', pki.ca, '-verify_return_error', '-verify_ip', '127.0.0.1', '-alpn', 'coap'],
    30,
  );
  try {
    await client.waitFor(/Verify return code: 0 \(ok\)/, STARTUP_MS, 'a verified handshake');
    t.regex(client.output, /ALPN protocol: coap/);
    client.write('hello from openssl\n');
    await client.waitFor(/^hello from openssl$/m, 3000, 'the echoed line');
    client.endInput(); // s_client sends close_notify at the end of its input
    await exitsWith(t, client, 0);
    await exitsWith(t, server.peer, 0);
    t.regex(server.stdout(), /^listening on 127\.0\.0\.1:\d+\naccepted 127\.0\.0\.1:\d+ suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 alpn=coap\nclosed 127\.0\.0\.1:\d+ \(close_notify\)\n$/);
  } finally {
    await stopAll(client, server.peer);
  }
});

peerTest('openssl s_client -dtls1_2 with a client certificate -> dtlsprobe serve --verify require: the client is verified and named', ['openssl'], async (t) => {
  const pki = await pkiFiles();
  const server = await serve(['--cert', pki.chain, '--key', pki.key, '--ca', pki.ca, '--verify', 'require', '--once']);
  const client = new Peer(
    'openssl s_client',
    ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${server.port}`, '-CAfile', pki.ca, '-verify_return_error', '-cert', pki.leaf, '-cert_chain', pki.ca, '-key', pki.key],
    30,
  );
  try {
    await client.waitFor(/Verify return code: 0 \(ok\)/, STARTUP_MS, 'a verified handshake');
    client.write('with a certificate\n');
    await client.waitFor(/^with a certificate$/m, 3000, 'the echoed line');
    client.endInput();
    await exitsWith(t, server.peer, 0);
    t.regex(server.stdout(), /^accepted 127\.0\.0\.1:\d+ suite=\S+ alpn=- client=CN=localhost,O=dtlsprobe$/m);
  } finally {
    await stopAll(client, server.peer);
  }
});

peerTest('gnutls-cli --udp -> dtlsprobe serve --once: trusted, the line echoed, close_notify both ways', ['gnutls-cli'], async (t) => {
  const pki = await pkiFiles();
  const server = await serve(['--cert', pki.chain, '--key', pki.key, '--once']);
  const client = new Peer('gnutls-cli', ['gnutls-cli', '--udp', '--x509cafile', pki.ca, '-p', String(server.port), '127.0.0.1'], 30);
  try {
    await client.waitFor(/Handshake was completed/, STARTUP_MS, 'Handshake was completed');
    t.regex(client.output, /The certificate is trusted/);
    const before = client.output.length;
    client.write('hello from gnutls\n');
    await client.waitFor(/^hello from gnutls$/m, 3000, 'the echoed line', before);
    client.endInput(); // gnutls-cli sends close_notify at the end of its input
    await exitsWith(t, server.peer, 0);
    t.regex(server.stdout(), /^accepted 127\.0\.0\.1:\d+ suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 alpn=-\nclosed 127\.0\.0\.1:\d+ \(close_notify\)$/m);
    t.true(await client.waitExit(3000), 'gnutls-cli exited');
  } finally {
    await stopAll(client, server.peer);
  }
});
