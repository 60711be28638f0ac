/**
 * The golden interop transcripts in vectors/transcripts/: the JSON, the pcapng and the keylog agree,
 * and the keylog really decrypts every protected record (checked here with node:crypto as an
 * independent oracle, and with tshark where it is installed and able).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { repoPath } from '../../testkit/shared.ts';
import { findKeylogSecret, parseKeylogStrict } from './keylog.ts';
import { extractUdp } from './packet.ts';
import { readPcapng, writePcapng } from './pcapng.ts';
import { type GoldenTranscript, sketchRecords, transcriptDatagrams } from './transcript.ts';

const dir = repoPath('vectors', 'transcripts');
const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort() : [];
const load = (name: string): GoldenTranscript => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as GoldenTranscript;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Datagram counts as recorded; a re-recording changes them, and this pin makes that visible. */
const PINNED: Record<string, number> = {
  'gnutls-to-openssl.ecdhe-ecdsa-aes128-gcm-sha256': 14,
  'gnutls-to-openssl.ecdhe-rsa-chacha20-poly1305': 17,
  'gnutls-to-openssl.psk-aes128-ccm8': 11,
  'openssl-to-gnutls.ecdhe-ecdsa-aes128-gcm-sha256': 15,
  'openssl-to-gnutls.ecdhe-rsa-chacha20-poly1305': 15,
  'openssl-to-gnutls.psk-aes128-ccm8': 12,
};

test('all six transcripts are present', (t) => {
  t.deepEqual(names, Object.keys(PINNED).sort());
});

// ---------------------------------------------------------------------------------------------
// An independent DTLS 1.2 record decryptor (RFC 5246 §5 PRF, RFC 6347 §4.1.2.1 AAD, RFC 5288/6655
// nonces, RFC 7905 §2 nonce with the epoch), used only to check the vectors.

const SUITES: Record<string, { code: number; cipher: 'aes-128-gcm' | 'aes-128-ccm' | 'chacha20-poly1305'; key: number; iv: number; tag: number }> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: { code: 0xc02b, cipher: 'aes-128-gcm', key: 16, iv: 4, tag: 16 },
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: { code: 0xcca8, cipher: 'chacha20-poly1305', key: 32, iv: 12, tag: 16 },
  TLS_PSK_WITH_AES_128_CCM_8: { code: 0xc0a8, cipher: 'aes-128-ccm', key: 16, iv: 4, tag: 8 },
};

function prfSha256(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const hmac = (data: Uint8Array): Buffer => createHmac('sha256', secret).update(data).digest();
  const out: Buffer[] = [];
  let a: Buffer = hmac(labelSeed);
  for (let n = 0; n < length; n += 32) {
    out.push(hmac(Buffer.concat([a, labelSeed])));
    a = hmac(a);
  }
  return Buffer.concat(out).subarray(0, length);
}

interface Protected {
  dir: 'client' | 'server';
  contentType: number;
  plaintext: Buffer;
}

/** Decrypts every epoch-1 record of a transcript; throws when one does not authenticate. */
function decryptTranscript(tr: GoldenTranscript): Protected[] {
  const suite = SUITES[tr.cipher.iana];
  const datagrams = tr.datagrams.map((d) => ({ dir: d.dir, payload: Buffer.from(d.hex, 'hex') }));
  const handshake = (dir: string, type: number): Buffer => {
    const d = datagrams.filter((x) => x.dir === dir && x.payload[0] === 22 && x.payload[13] === type).at(-1);
    if (d === undefined) throw new Error(`no handshake message ${type} from the ${dir}`);
    return d.payload.subarray(13 + 12);
  };
  const clientHello = handshake('client', 1);
  const serverHello = handshake('server', 2);
  const clientRandom = clientHello.subarray(2, 34);
  const serverRandom = serverHello.subarray(2, 34);
  const sessionIdLength = serverHello[34];
  if (serverHello.readUInt16BE(35 + sessionIdLength) !== suite.code) throw new Error('ServerHello chose another suite');
  const master = findKeylogSecret(parseKeylogStrict(tr.keylog), 'CLIENT_RANDOM', clientRandom);
  if (master === undefined) throw new Error(`no CLIENT_RANDOM for ${hex(clientRandom)}`);
  const block = prfSha256(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * suite.key + 2 * suite.iv);
  const keys = {
    client: { key: block.subarray(0, suite.key), iv: block.subarray(2 * suite.key, 2 * suite.key + suite.iv) },
    server: { key: block.subarray(suite.key, 2 * suite.key), iv: block.subarray(2 * suite.key + suite.iv) },
  };
  const out: Protected[] = [];
  for (const d of datagrams) {
    let at = 0;
    for (const r of sketchRecords(d.payload)) {
      const header = d.payload.subarray(at, at + 13);
      const fragment = d.payload.subarray(at + 13, at + 13 + r.length);
      at += 13 + r.length;
      if (r.epoch === 0) continue;
      const { key, iv } = keys[d.dir];
      let nonce: Buffer;
      let body = fragment;
      if (suite.cipher === 'chacha20-poly1305') {
        nonce = Buffer.from(iv);
        for (let i = 0; i < 8; i++) nonce[4 + i] ^= header[3 + i]; // epoch || sequence_number
      } else {
        nonce = Buffer.concat([iv, fragment.subarray(0, 8)]);
        body = fragment.subarray(8);
      }
      const ciphertext = body.subarray(0, body.length - suite.tag);
      const aad = Buffer.concat([header.subarray(3, 11), header.subarray(0, 3), Buffer.from([ciphertext.length >> 8, ciphertext.length & 0xff])]);
      const options = { authTagLength: suite.tag };
      const decipher =
        suite.cipher === 'aes-128-ccm'
          ? createDecipheriv(suite.cipher, key, nonce, options)
          : suite.cipher === 'aes-128-gcm'
            ? createDecipheriv(suite.cipher, key, nonce, options)
            : createDecipheriv(suite.cipher, key, nonce, options);
      decipher.setAuthTag(body.subarray(body.length - suite.tag));
      decipher.setAAD(aad, { plaintextLength: ciphertext.length });
      out.push({ dir: d.dir, contentType: r.contentType, plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()]) });
    }
  }
  return out;
}

test('the decryptor itself: a record it seals with a known key opens (guards the oracle)', (t) => {
  const key = Buffer.alloc(32, 7);
  const nonce = Buffer.alloc(12, 1);
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(Buffer.from('aad'), { plaintextLength: 5 });
  const sealed = Buffer.concat([c.update('hello'), c.final(), c.getAuthTag()]);
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(5));
  d.setAAD(Buffer.from('aad'), { plaintextLength: 5 });
  t.is(Buffer.concat([d.update(sealed.subarray(0, 5)), d.final()]).toString(), 'hello');
  // RFC 5246 PRF test vector (https://mailarchive.ietf.org/arch/msg/tls/fzVCzk-z3FShgGJ6DOXqM1ydxms/)
  const secret = Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex');
  const seed = Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex');
  t.is(prfSha256(secret, 'test label', seed, 16).toString('hex'), 'e3f229ba727be17b8d122620557cd453');
});

// ---------------------------------------------------------------------------------------------

for (const name of names) {
  test(`${name}: JSON, pcapng and keylog agree datagram for datagram`, (t) => {
    const tr = load(name);
    t.is(tr.name, name);
    t.is(tr.datagrams.length, PINNED[name]);
    t.regex(tr.client, /^(openssl s_client: OpenSSL 3\.0\.\d+|gnutls-cli 3\.7\.\d+)/);
    t.regex(tr.server, /^(openssl s_server: OpenSSL 3\.0\.\d+|gnutls-serv 3\.7\.\d+)/);
    const file = readPcapng(readFileSync(join(dir, `${name}.pcapng`)));
    const got = extractUdp(file.packets);
    t.is(got.skipped, 0);
    const want = transcriptDatagrams(tr);
    t.is(got.datagrams.length, want.length);
    got.datagrams.forEach((d, i) => {
      const w = want[i];
      t.deepEqual([d.time, d.src, d.dst, hex(d.payload)], [w.time, w.src, w.dst, hex(w.payload)], `datagram ${i}`);
      t.is(d.src.port === tr.endpoints.client.port ? 'client' : 'server', tr.datagrams[i].dir, `datagram ${i} direction`);
    });
    t.deepEqual(readFileSync(join(dir, `${name}.keylog`), 'utf8'), tr.keylog);
    const entries = parseKeylogStrict(tr.keylog);
    t.true(entries.length >= 1 && entries.every((e) => e.label === 'CLIENT_RANDOM'));
    t.true(tr.datagrams.every((d, i) => i === 0 || d.t >= tr.datagrams[i - 1].t), 'times never go back');
  });

  test(`${name}: the keylog decrypts every protected record (node:crypto)`, (t) => {
    const tr = load(name);
    const records = decryptTranscript(tr);
    const text = (dir: string): string[] => records.filter((r) => r.dir === dir && r.contentType === 23).map((r) => r.plaintext.toString('utf8'));
    t.deepEqual(text('client'), [`hello from ${tr.client.startsWith('openssl') ? 'openssl s_client' : 'gnutls-cli'} over ${tr.cipher.openssl}\n`]);
    const answer = tr.server.startsWith('gnutls') ? text('client')[0] : `answer from openssl s_server over ${tr.cipher.openssl}\n`;
    t.deepEqual(text('server'), [answer]);
    for (const dir of ['client', 'server'] as const) {
      const finished = records.find((r) => r.dir === dir && r.contentType === 22);
      t.is(finished?.plaintext[0], 20, `${dir} Finished`); // HandshakeType finished
    }
    t.deepEqual(records.filter((r) => r.contentType === 21 && r.dir === 'client').map((r) => hex(r.plaintext)), ['0100']); // close_notify
  });
}

// ---------------------------------------------------------------------------------------------
// tshark as a second oracle

const tshark = (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'tshark')));
const run = promisify(execFile);

/** The application data tshark decrypted (hex), one entry per record it could open. */
async function decryptedAppData(pcapng: string, keylog?: string): Promise<string[]> {
  const args = ['20', 'tshark', '-r', pcapng, '-d', 'udp.port==4433,dtls', '-Y', 'dtls.app_data && data', '-T', 'fields', '-e', 'data.data'];
  if (keylog !== undefined) args.push('-o', `tls.keylog_file:${keylog}`);
  const { stdout } = await run('timeout', args, { timeout: 25_000 });
  return stdout.split('\n').filter((l) => l !== '');
}

/** What node:crypto decrypts as application data, in order (hex). */
const appDataPlaintexts = (tr: GoldenTranscript): string[] =>
  decryptTranscript(tr).filter((r) => r.contentType === 23).map((r) => r.plaintext.toString('hex'));

/** Wireshark 4.0 builds the DTLS 1.2 ChaCha20-Poly1305 nonce from the sequence number without the epoch (RFC 7905 §2 wants both). */
const TSHARK_CANNOT = /chacha20/;

for (const name of names) {
  const title = `${name}: tshark decrypts the application data with the keylog`;
  if (!tshark) {
    test.skip(`${title} (skipped: tshark is not on PATH)`, () => {});
  } else if (TSHARK_CANNOT.test(name)) {
    test.skip(`${title} (skipped: tshark 4.0 omits the epoch from the DTLS ChaCha20-Poly1305 nonce; node:crypto checks it above)`, () => {});
  } else {
    test(title, async (t) => {
      const got = await decryptedAppData(join(dir, `${name}.pcapng`), join(dir, `${name}.keylog`));
      t.deepEqual(got, appDataPlaintexts(load(name)));
      t.is(got.length, 2);
    });
  }
}

const embedTitle = 'a pcapng with the keylog in a Decryption Secrets Block decrypts in tshark without -o tls.keylog_file';
if (!tshark || !names.includes('gnutls-to-openssl.psk-aes128-ccm8')) {
  test.skip(`${embedTitle} (skipped: ${tshark ? 'transcript missing' : 'tshark is not on PATH'})`, () => {});
} else {
  test(embedTitle, async (t) => {
    const tr = load('gnutls-to-openssl.psk-aes128-ccm8');
    const tmp = mkdtempSync(join(tmpdir(), 'dtlsprobe-dsb-'));
    try {
      const withKeys = join(tmp, 'embedded.pcapng');
      writeFileSync(withKeys, writePcapng(transcriptDatagrams(tr), { keylog: tr.keylog }));
      t.deepEqual(await decryptedAppData(withKeys), appDataPlaintexts(tr));
      const without = join(tmp, 'plain.pcapng');
      writeFileSync(without, writePcapng(transcriptDatagrams(tr)));
      t.deepEqual(await decryptedAppData(without), []);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
