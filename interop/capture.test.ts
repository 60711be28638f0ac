/**
 * A live session recorded by our driver: reference client <-> `openssl s_server` with AES-128-GCM,
 * every datagram both ways seen by the capture hook, written with our pcapng writer, with the NSS
 * key log the driver appended as the engine emitted it. tshark decrypts the application data in
 * both directions. (AES-GCM: tshark 4.0.17 leaves the epoch out of the DTLS ChaCha20 nonce and
 * cannot decrypt cca9.)
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseKeylogStrict } from '../reference/capture/keylog.ts';
import { writePcapng } from '../reference/capture/pcapng.ts';
import { toHex } from '../reference/capture/bytes.ts';
import { connectUdp } from '../reference/transport/udp.ts';
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { GROUPS, SUITES, Wire, peerTest, pkiFiles, text, utf8 } from './support.ts';

const run = promisify(execFile);
const [suite] = SUITES; // c02b
const [group] = GROUPS; // x25519

peerTest('[RFC6347-4.1] a live reference client <-> openssl s_server session, captured by the driver with its key log, decrypts in tshark both ways', ['openssl', 'tshark'], async (t) => {
  const pki = await pkiFiles();
  const port = await freeUdpPort();
  const keys = join(pki.dir, `keys-${port}.txt`);
  const cap = join(pki.dir, `cap-${port}.pcapng`);
  const server = new Peer(
    'openssl s_server',
    ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', pki.leaf, '-cert_chain', pki.ca, '-key', pki.key, '-cipher', suite.openssl, '-groups', group.openssl],
    10,
  );
  const wire = new Wire();
  try {
    await server.waitFor(/^ACCEPT$/m, 3000, 'ACCEPT');
    const client = await connectUdp({ host: '127.0.0.1', port, config: { cipherSuites: [suite.code] }, keyLogFile: keys, capture: wire.capture, handshakeTimeoutMs: 4000 });
    const negotiated = await client.handshake();
    client.send(utf8('ping from dtlsprobe\n'));
    await server.waitFor(/ping from dtlsprobe/, 3000, 'the client line');
    server.write('pong from openssl\n');
    t.is(text(await client.read()), 'pong from openssl\n');
    await client.close();
    const logged = parseKeylogStrict(readFileSync(keys, 'utf8'));
    t.deepEqual(logged.map((e) => [e.label, toHex(e.clientRandom)]), [['CLIENT_RANDOM', toHex(negotiated.clientRandom)]]);
  } finally {
    server.stop();
    await server.waitExit(3000);
  }

  writeFileSync(cap, writePcapng(wire.datagrams));
  const args = ['-r', cap, '-o', `tls.keylog_file:${keys}`, '-d', `udp.port==${port},dtls`, '-o', 'data.show_as_text:TRUE'];
  const { stdout } = await run('timeout', ['20', 'tshark', ...args, '-Y', 'dtls.app_data', '-T', 'fields', '-e', 'udp.srcport', '-e', 'data.text'], { timeout: 25_000 });
  const rows = stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  const ours = wire.datagrams[0].src.port;
  t.deepEqual(rows, [
    [String(ours), 'ping from dtlsprobe\\n'],
    [String(port), 'pong from openssl\\n'],
  ]);
  t.true(wire.datagrams.length >= 8, `${wire.datagrams.length} datagrams captured`);
});
