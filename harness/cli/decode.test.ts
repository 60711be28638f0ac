/**
 * `dtlsprobe decode` on the golden OpenSSL ↔ GnuTLS transcripts (vectors/transcripts/): with the
 * key log it opens the Finished messages, the application data of both directions and the
 * close_notify; without it the protected records are reported as such; bad input is an error.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GoldenTranscript } from '../../reference/capture/transcript.ts';
import { main } from '../cli.ts';
import type { DecodeResult } from '../decode/decode.ts';
import { repoRootPath } from './paths.ts';

const vector = (name: string, ext: string): string => repoRootPath('vectors', 'transcripts', `${name}.${ext}`);

async function decode(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['decode', ...argv], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** The golden transcript behind a capture (its JSON). */
function transcript(name: string): GoldenTranscript {
  return JSON.parse(readFileSync(vector(name, 'json'), 'utf8')) as GoldenTranscript;
}

const suites = [
  { name: 'openssl-to-gnutls.ecdhe-ecdsa-aes128-gcm-sha256', text: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  { name: 'gnutls-to-openssl.ecdhe-ecdsa-aes128-gcm-sha256', text: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  { name: 'openssl-to-gnutls.psk-aes128-ccm8', text: 'PSK-AES128-CCM8' },
  { name: 'gnutls-to-openssl.psk-aes128-ccm8', text: 'PSK-AES128-CCM8' },
  { name: 'gnutls-to-openssl.ecdhe-rsa-chacha20-poly1305', text: 'ECDHE-RSA-CHACHA20-POLY1305' },
];

for (const s of suites) {
  test(`decode ${s.name}: Finished, application data and close_notify decrypted`, async (t) => {
    const { code, out, err } = await decode([vector(s.name, 'pcapng'), '--keylog', vector(s.name, 'keylog')]);
    t.is(code, 0, err.join('\n'));
    const text = out.join('\n');
    const finished = out.filter((l) => /^\s+finished message_seq=\d+ length=12$/.test(l));
    t.is(finished.length, 2, 'a decrypted Finished from each side');
    t.regex(text, /Finished \(12 bytes\)\s+\[RFC 5246 §7\.4\.9\]/);
    t.regex(text, /verify_data = [0-9a-f]{24}/);
    const appText = out.filter((l) => l.trim().startsWith('text: ')).map((l) => JSON.parse(l.trim().slice('text: '.length)) as string);
    t.is(appText.length, 2, 'application data each way');
    for (const line of appText) t.true(line.includes(s.text), line);
    t.regex(text, /decrypted: alert \(2 bytes\)\n\s+alert warning close_notify/);
    t.notRegex(text, /encrypted \(/);
    const tr = transcript(s.name);
    t.regex(out[out.length - 1], new RegExp(`^${tr.datagrams.length} datagrams, \\d+ records, [56] decrypted, 0 undecryptable, 0 malformed$`));
    t.regex(out[0], /^#1 \+0\.000000s client 127\.0\.0\.1:49152 -> 127\.0\.0\.1:4433 \(\d+ bytes\)$/);
    t.true(out.some((l) => /^#\d+ \+\d+\.\d{6}s server 127\.0\.0\.1:4433 -> 127\.0\.0\.1:49152/.test(l)));
    t.true(out.some((l) => /^ {2}record \d+: handshake epoch=1 seq=0 length=\d+$/.test(l)));
  });
}

test('decode without a key log: plaintext handshake annotated, protected records reported encrypted', async (t) => {
  const name = 'openssl-to-gnutls.psk-aes128-ccm8';
  const { code, out } = await decode([vector(name, 'pcapng')]);
  t.is(code, 0);
  const text = out.join('\n');
  t.regex(text, /message client_hello message_seq=0\n/);
  t.regex(text, /cipher_suites/);
  t.regex(text, /cipher_suite = TLS_PSK_WITH_AES_128_CCM_8/);
  t.regex(text, /encrypted \(no key for this connection\)/);
  t.notRegex(text, /decrypted:/);
  t.regex(out[out.length - 1], /^12 datagrams, 14 records, 0 decrypted, 5 undecryptable, 0 malformed$/);
});

test('decode --json: the same transcript as data', async (t) => {
  const name = 'gnutls-to-openssl.psk-aes128-ccm8';
  const { code, out } = await decode([vector(name, 'pcapng'), '--keylog', vector(name, 'keylog'), '--json']);
  t.is(code, 0);
  const result = JSON.parse(out.join('\n')) as DecodeResult;
  t.is(result.summary.datagrams, transcript(name).datagrams.length);
  t.is(result.summary.undecryptable, 0);
  const app = result.datagrams.flatMap((d) => d.records).filter((r) => r.status === 'decrypted' && r.content?.contentType === 'application_data');
  t.is(app.length, 2);
  t.true(app.every((r) => (r.content?.text ?? '').includes('PSK-AES128-CCM8')));
});

test('decode with a key log for another connection: no key', async (t) => {
  const { code, out } = await decode([
    vector('openssl-to-gnutls.psk-aes128-ccm8', 'pcapng'),
    '--keylog',
    vector('gnutls-to-openssl.psk-aes128-ccm8', 'keylog'),
  ]);
  t.is(code, 0);
  t.regex(out.join('\n'), /encrypted \(no key for this connection\)/);
  t.regex(out[out.length - 1], / 0 decrypted, 5 undecryptable/);
});

test('decode: bad input is a clear error, never a stack trace', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-decode-'));
  const pcapng = readFileSync(vector('openssl-to-gnutls.psk-aes128-ccm8', 'pcapng'));
  const truncated = join(dir, 'truncated.pcapng');
  writeFileSync(truncated, pcapng.subarray(0, 300));
  const notCapture = join(dir, 'notes.txt');
  writeFileSync(notCapture, 'not a capture at all\n');
  const badKeylog = join(dir, 'bad.keylog');
  writeFileSync(badKeylog, 'CLIENT_RANDOM zz 00\n');

  const cases: { argv: string[]; code: number; err: RegExp }[] = [
    { argv: [], code: 2, err: /give the capture file/ },
    { argv: [join(dir, 'missing.pcapng')], code: 2, err: /capture .*missing\.pcapng: no such file/ },
    { argv: [notCapture], code: 1, err: /not a readable capture: .*neither a pcap nor a pcapng/ },
    { argv: [truncated], code: 1, err: /not a readable capture: pcapng: .*runs past the end of the file/ },
    { argv: [vector('openssl-to-gnutls.psk-aes128-ccm8', 'pcapng'), '--keylog', join(dir, 'nope.keylog')], code: 2, err: /--keylog .*nope\.keylog: no such file/ },
    { argv: [vector('openssl-to-gnutls.psk-aes128-ccm8', 'pcapng'), '--keylog', badKeylog], code: 2, err: /--keylog .*: no key log lines in it/ },
    { argv: [vector('openssl-to-gnutls.psk-aes128-ccm8', 'pcapng'), '--keylog'], code: 2, err: /flag --keylog needs a value/ },
    { argv: [vector('openssl-to-gnutls.psk-aes128-ccm8', 'pcapng'), '--key', 'x'], code: 2, err: /unknown flag --key/ },
  ];
  for (const c of cases) {
    const { code, out, err } = await decode(c.argv);
    t.is(code, c.code, c.argv.join(' '));
    t.regex(err.join('\n'), c.err, c.argv.join(' '));
    t.notRegex(err.join('\n'), /\n\s+at /, 'no stack trace');
    t.deepEqual(out, []);
  }
});
