/**
 * Records the golden DTLS 1.2 interop transcripts in `vectors/transcripts/`.
 *
 *   node --import=tsx scripts/record-transcripts.ts [--out DIR] [--only SUBSTRING]
 *
 * For three suites (ECDHE-ECDSA-AES128-GCM-SHA256 with a P-256 certificate, ECDHE-RSA-CHACHA20-POLY1305
 * with an RSA certificate, PSK-AES128-CCM8) and two directions (openssl s_client -> gnutls-serv,
 * gnutls-cli -> openssl s_server) it starts the server on loopback, puts a recording UDP relay on
 * 127.0.0.1 between the two, has the client send one line and get an answer, closes, and writes
 * `<name>.json`, `<name>.pcapng` and `<name>.keylog`. Exits non-zero when a peer is missing or a
 * transcript lacks application data in either direction. Needs: openssl, gnutls-bin, coreutils.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  formatKeylog,
  parseKeylog,
  sketchRecords,
  toHex,
  TRANSCRIPT_ENDPOINTS,
  transcriptDatagrams,
  writePcapng,
  type GoldenTranscript,
  type KeylogEntry,
} from '../reference/capture/index.ts';
import { freeUdpPort, Peer, Relay, sleep, which } from './interop-peers.ts';

const PSK = '00112233445566778899aabbccddeeff';
const PSK_IDENTITY = 'client1';
const BASE_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL';

interface Suite {
  slug: string;
  openssl: string;
  iana: string;
  credential: 'ec' | 'rsa' | 'psk';
  priority: string;
}

const SUITES: Suite[] = [
  {
    slug: 'ecdhe-ecdsa-aes128-gcm-sha256',
    openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    credential: 'ec',
    priority: `${BASE_PRIORITY}:+ECDHE-ECDSA:-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD`,
  },
  {
    slug: 'ecdhe-rsa-chacha20-poly1305',
    openssl: 'ECDHE-RSA-CHACHA20-POLY1305',
    iana: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    credential: 'rsa',
    priority: `${BASE_PRIORITY}:+ECDHE-RSA:-CIPHER-ALL:+CHACHA20-POLY1305:-MAC-ALL:+AEAD`,
  },
  {
    slug: 'psk-aes128-ccm8',
    openssl: 'PSK-AES128-CCM8',
    iana: 'TLS_PSK_WITH_AES_128_CCM_8',
    credential: 'psk',
    priority: `${BASE_PRIORITY}:+PSK:-CIPHER-ALL:+AES-128-CCM-8`,
  },
];

type DirectionName = 'openssl-to-gnutls' | 'gnutls-to-openssl';
const DIRECTIONS: DirectionName[] = ['openssl-to-gnutls', 'gnutls-to-openssl'];

interface Context {
  tmp: string;
  versions: { openssl: string; gnutlsCli: string; gnutlsServ: string };
}

/** Replaces temporary paths and ports in a command line by placeholders. */
function placeholders(argv: string[], ctx: Context, ports: Record<string, number>): string[] {
  return argv.map((a) => {
    let s = a.replace(new RegExp(`${ctx.tmp}(/[og]2[og]-[a-z0-9-]+)?`, 'g'), '{tmp}');
    for (const [name, port] of Object.entries(ports)) s = s.replace(new RegExp(`(^|:)${port}$`), `$1{${name}}`);
    return s;
  });
}

function serverCredentials(suite: Suite, ctx: Context, program: 'openssl' | 'gnutls'): string[] {
  if (suite.credential === 'psk') {
    return program === 'openssl'
      ? ['-nocert', '-psk', PSK, '-psk_identity', PSK_IDENTITY]
      : ['--pskpasswd', join(ctx.tmp, 'psk.txt')];
  }
  const crt = join(ctx.tmp, `${suite.credential}.crt`);
  const key = join(ctx.tmp, `${suite.credential}.key`);
  return program === 'openssl' ? ['-cert', crt, '-key', key] : ['--x509certfile', crt, '--x509keyfile', key];
}

/** Fresh key log paths for one run; the run's folder becomes `{tmp}` in the recorded commands. */
function keylogFiles(ctx: Context, run: string): { cliKeys: string; srvKeys: string } {
  const dir = join(ctx.tmp, run);
  mkdirSync(dir);
  return { cliKeys: join(dir, 'client.keylog'), srvKeys: join(dir, 'server.keylog') };
}

interface Run {
  datagrams: { dir: 'client' | 'server'; at: bigint; payload: Uint8Array }[];
  firstAt: number;
  keylogs: string[];
  commands: { client: string[]; server: string[] };
  client: string;
  server: string;
}

async function runOpensslToGnutls(suite: Suite, ctx: Context): Promise<Run> {
  const serverPort = await freeUdpPort();
  const { cliKeys, srvKeys } = keylogFiles(ctx, `o2g-${suite.slug}`);
  const serverArgv = ['gnutls-serv', '--udp', '--echo', '-p', String(serverPort), '--priority', suite.priority, ...serverCredentials(suite, ctx, 'gnutls')];
  const server = new Peer('gnutls-serv', serverArgv, 30, { SSLKEYLOGFILE: srvKeys });
  await server.waitFor(/listening/i, 10000, '"listening"');
  const relay = await Relay.open(serverPort);
  const clientArgv = ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${relay.port}`, '-cipher', suite.openssl, '-keylogfile', cliKeys];
  if (suite.credential === 'psk') clientArgv.push('-psk', PSK, '-psk_identity', PSK_IDENTITY);
  try {
    const client = new Peer('openssl s_client', clientArgv, 20);
    await client.waitFor(/Cipher is [\s\S]*\n---\n/, 10000, 'the session summary (handshake done)');
    const line = `hello from openssl s_client over ${suite.openssl}`;
    const mark = client.output.length;
    client.write(`${line}\n`);
    // s_client does not print what it sends, so the line in its output is gnutls-serv's echo.
    await client.waitFor(new RegExp(`${line}\r?\n`), 5000, 'the echoed line', mark);
    client.endInput(); // EOF: s_client sends close_notify and exits
    if (!(await client.waitExit(5000))) throw new Error(`openssl s_client did not exit after EOF\n${client.tail()}`);
    await sleep(300);
  } finally {
    server.stop();
    await server.waitExit(3000);
    relay.close();
  }
  return {
    datagrams: relay.records,
    firstAt: relay.firstAt ?? Date.now(),
    keylogs: [cliKeys, srvKeys].filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')),
    commands: {
      client: placeholders(clientArgv, ctx, { port: relay.port }),
      server: ['SSLKEYLOGFILE={tmp}/server.keylog', ...placeholders(serverArgv, ctx, { port: serverPort })],
    },
    client: `openssl s_client: ${ctx.versions.openssl}`,
    server: ctx.versions.gnutlsServ,
  };
}

async function runGnutlsToOpenssl(suite: Suite, ctx: Context): Promise<Run> {
  const serverPort = await freeUdpPort();
  const { cliKeys, srvKeys } = keylogFiles(ctx, `g2o-${suite.slug}`);
  const serverArgv = ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${serverPort}`, '-naccept', '1', '-cipher', suite.openssl, '-keylogfile', srvKeys, ...serverCredentials(suite, ctx, 'openssl')];
  const server = new Peer('openssl s_server', serverArgv, 30);
  await server.waitFor(/ACCEPT/, 10000, 'ACCEPT');
  const relay = await Relay.open(serverPort);
  const clientArgv = ['gnutls-cli', '--udp', '-p', String(relay.port), '--priority', suite.priority];
  clientArgv.push(...(suite.credential === 'psk' ? ['--pskusername', PSK_IDENTITY, '--pskkey', PSK] : ['--insecure']), '127.0.0.1');
  try {
    const client = new Peer('gnutls-cli', clientArgv, 20, { SSLKEYLOGFILE: cliKeys });
    await client.waitFor(/Simple Client Mode/, 10000, '"Simple Client Mode" (handshake done)');
    const line = `hello from gnutls-cli over ${suite.openssl}`;
    client.write(`${line}\n`);
    await server.waitFor(new RegExp(line), 5000, 'the client line');
    const answer = `answer from openssl s_server over ${suite.openssl}`;
    const mark = client.output.length;
    server.write(`${answer}\n`);
    await client.waitFor(new RegExp(answer), 5000, 'the server answer', mark);
    client.endInput(); // EOF: gnutls-cli sends close_notify and exits
    if (!(await client.waitExit(5000))) throw new Error(`gnutls-cli did not exit after EOF\n${client.tail()}`);
    await server.waitExit(2000); // -naccept 1: s_server exits after the connection closes
    await sleep(300);
  } finally {
    server.stop();
    await server.waitExit(3000);
    relay.close();
  }
  return {
    datagrams: relay.records,
    firstAt: relay.firstAt ?? Date.now(),
    keylogs: [cliKeys, srvKeys].filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')),
    commands: {
      client: ['SSLKEYLOGFILE={tmp}/client.keylog', ...placeholders(clientArgv, ctx, { port: relay.port })],
      server: placeholders(serverArgv, ctx, { port: serverPort }),
    },
    client: ctx.versions.gnutlsCli,
    server: `openssl s_server: ${ctx.versions.openssl}`,
  };
}

/** Checks a run: application data both ways, and a CLIENT_RANDOM for the ClientHello's random. */
function check(name: string, datagrams: Run['datagrams'], keylog: KeylogEntry[]): string[] {
  const problems: string[] = [];
  for (const dir of ['client', 'server'] as const) {
    const appData = datagrams.filter((d) => d.dir === dir).flatMap((d) => sketchRecords(d.payload)).filter((r) => r.contentType === 23);
    if (appData.length === 0) problems.push(`${name}: no application_data record from the ${dir}`);
  }
  const hello = datagrams.filter((d) => d.dir === 'client' && d.payload[0] === 22 && d.payload[13] === 1).at(-1);
  if (hello === undefined) {
    problems.push(`${name}: no ClientHello seen`);
  } else {
    const random = toHex(hello.payload.subarray(13 + 12 + 2, 13 + 12 + 2 + 32));
    if (!keylog.some((e) => e.label === 'CLIENT_RANDOM' && toHex(e.clientRandom) === random)) {
      problems.push(`${name}: the key logs have no CLIENT_RANDOM line for client random ${random}`);
    }
  }
  return problems;
}

/** How many application_data records tshark decrypts with the keylog, when tshark is installed. */
function tsharkDecrypts(pcapng: string, keylog: string): number | undefined {
  if (which('tshark') === undefined) return undefined;
  const args = ['30', 'tshark', '-r', pcapng, '-o', `tls.keylog_file:${keylog}`, '-d', `udp.port==${TRANSCRIPT_ENDPOINTS.server.port},dtls`];
  const out = execFileSync('timeout', [...args, '-Y', 'dtls.app_data && data', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').length;
}

function firstLine(argv: string[]): string {
  try {
    return execFileSync('timeout', ['10', ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0].trim();
  } catch (e) {
    throw new Error(`\`${argv.join(' ')}\` failed: ${(e as Error).message.split('\n')[0]}`);
  }
}

function makeCredentials(tmp: string): void {
  const req = (args: string[]): void => {
    execFileSync('timeout', ['30', 'openssl', 'req', '-x509', '-nodes', '-days', '365', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', ...args], { stdio: 'pipe' });
  };
  req(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-keyout', join(tmp, 'ec.key'), '-out', join(tmp, 'ec.crt')]);
  req(['-newkey', 'rsa:2048', '-keyout', join(tmp, 'rsa.key'), '-out', join(tmp, 'rsa.crt')]);
  writeFileSync(join(tmp, 'psk.txt'), `${PSK_IDENTITY}:${PSK}\n`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const opt = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const out = resolve(opt('--out') ?? join(root, 'vectors', 'transcripts'));
  const only = opt('--only');
  const missing = ['timeout', 'openssl', 'gnutls-serv', 'gnutls-cli'].filter((b) => which(b) === undefined);
  if (missing.length > 0) {
    console.error(`record-transcripts: not on PATH: ${missing.join(', ')} (apt-get install -y openssl gnutls-bin coreutils)`);
    return 2;
  }
  const versions = {
    openssl: firstLine(['openssl', 'version']),
    gnutlsCli: firstLine(['gnutls-cli', '--version']),
    gnutlsServ: firstLine(['gnutls-serv', '--version']),
  };
  const tmp = mkdtempSync(join(tmpdir(), 'dtlsprobe-transcripts-'));
  const ctx: Context = { tmp, versions };
  const problems: string[] = [];
  try {
    makeCredentials(tmp);
    mkdirSync(out, { recursive: true });
    for (const suite of SUITES) {
      for (const direction of DIRECTIONS) {
        const name = `${direction}.${suite.slug}`;
        if (only !== undefined && !name.includes(only)) continue;
        process.stdout.write(`${name}: `);
        let run: Run;
        try {
          run = direction === 'openssl-to-gnutls' ? await runOpensslToGnutls(suite, ctx) : await runGnutlsToOpenssl(suite, ctx);
        } catch (e) {
          problems.push(`${name}: ${(e as Error).message}`);
          console.log('FAILED');
          continue;
        }
        const entries = run.keylogs.flatMap((text) => parseKeylog(text).entries);
        const found = check(name, run.datagrams, entries);
        problems.push(...found);
        const start = run.datagrams[0]?.at ?? 0n;
        const transcript: GoldenTranscript = {
          name,
          client: run.client,
          server: run.server,
          cipher: { openssl: suite.openssl, iana: suite.iana },
          recordedAt: new Date(run.firstAt).toISOString(),
          endpoints: TRANSCRIPT_ENDPOINTS,
          commands: run.commands,
          datagrams: run.datagrams.map((d) => ({ dir: d.dir, t: Number((d.at - start) / 1000n) / 1e6, hex: toHex(d.payload) })),
          keylog: formatKeylog(entries),
        };
        writeFileSync(join(out, `${name}.json`), `${JSON.stringify(transcript, null, 2)}\n`);
        writeFileSync(join(out, `${name}.keylog`), transcript.keylog);
        writeFileSync(join(out, `${name}.pcapng`), writePcapng(transcriptDatagrams(transcript)));
        const appData = run.datagrams.flatMap((d) => sketchRecords(d.payload)).filter((r) => r.contentType === 23).length;
        const decrypted = tsharkDecrypts(join(out, `${name}.pcapng`), join(out, `${name}.keylog`));
        const chachaNote = decrypted !== appData && suite.iana.includes('CHACHA20') ? ' (Wireshark 4.0 leaves the epoch out of the DTLS ChaCha20-Poly1305 nonce)' : '';
        const tshark = decrypted === undefined ? 'tshark not installed' : `tshark decrypts ${decrypted}/${appData} application_data records${chachaNote}`;
        console.log(`${run.datagrams.length} datagrams; ${tshark}${found.length > 0 ? ' (INCOMPLETE)' : ''}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const p of problems) console.error(`record-transcripts: ${p}`);
  return problems.length > 0 ? 1 : 0;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(`record-transcripts: ${e instanceof Error ? e.message : String(e)}`);
  return 2;
});
