/**
 * The files we write open in tshark and dissect as we meant them. Skipped (visibly) when tshark is
 * not installed: `apt-get install -y tshark` (CI installs it).
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { fromHex } from './bytes.ts';
import type { TimedDatagram } from './packet.ts';
import { writePcap } from './pcap.ts';
import { writePcapng } from './pcapng.ts';

const run = promisify(execFile);
const haveTshark = (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'tshark')));

function tsharkTest(title: string, impl: (t: ExecutionContext, dir: string) => Promise<void>): void {
  if (!haveTshark) {
    test.skip(`${title} (skipped: tshark is not on PATH; apt-get install -y tshark)`, () => {});
    return;
  }
  test(title, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-tshark-'));
    try {
      await impl(t, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** tshark's tab-separated fields, one row per frame. */
async function fields(file: string, names: string[], extra: string[] = []): Promise<string[][]> {
  const args = ['20', 'tshark', '-r', file, ...extra, '-T', 'fields', ...names.flatMap((n) => ['-e', n])];
  const { stdout } = await run('timeout', args, { timeout: 25_000 });
  return stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

const hex = (s: string): Uint8Array => {
  const b = fromHex(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''));
  if (b === undefined) throw new Error('bad hex fixture');
  return b;
};

const NS = 1_000_000_000n;
const plainDatagrams: TimedDatagram[] = [
  { time: 1_700_000_000n * NS, src: { address: '127.0.0.1', port: 49152 }, dst: { address: '127.0.0.1', port: 4433 }, payload: new TextEncoder().encode('ping') },
  { time: 1_700_000_000n * NS + 1_234_567n, src: { address: '127.0.0.1', port: 4433 }, dst: { address: '127.0.0.1', port: 49152 }, payload: Uint8Array.of(0, 1, 2, 0xff) },
  { time: 1_700_000_001n * NS, src: { address: '::1', port: 49153 }, dst: { address: '::1', port: 4433 }, payload: Uint8Array.of(0x42) },
];
const payloadHex = (d: TimedDatagram): string => Buffer.from(d.payload).toString('hex');

for (const [label, write] of [
  ['pcapng', (ds: TimedDatagram[]) => writePcapng(ds)],
  ['pcapng big-endian', (ds: TimedDatagram[]) => writePcapng(ds, { littleEndian: false })],
  ['pcap (µs)', (ds: TimedDatagram[]) => writePcap(ds)],
  ['pcap (ns, big-endian)', (ds: TimedDatagram[]) => writePcap(ds, { resolution: 'ns', littleEndian: false })],
] as const) {
  tsharkTest(`tshark reads the UDP datagrams, ports, times and checksums of a ${label} we wrote`, async (t, dir) => {
    const file = join(dir, 'udp.cap');
    writeFileSync(file, write(plainDatagrams));
    const rows = await fields(
      file,
      ['frame.time_epoch', 'udp.srcport', 'udp.dstport', 'udp.payload', 'ip.checksum.status', 'udp.checksum.status'],
      ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
    );
    const us = label === 'pcap (µs)';
    t.deepEqual(
      rows.map((r) => r.slice(1, 4)),
      plainDatagrams.map((d) => [String(d.src.port), String(d.dst.port), payloadHex(d)]),
    );
    t.deepEqual(rows.map((r) => r[0]), ['1700000000.000000000', us ? '1700000000.001234000' : '1700000000.001234567', '1700000001.000000000']);
    // IPv4: header checksum good (1), UDP checksum absent (3); IPv6: UDP checksum good (1).
    t.deepEqual(rows.map((r) => r.slice(4)), [['1', '3'], ['1', '3'], ['', '1']]);
  });
}

/** A DTLS 1.2 ClientHello in one record, then a fatal handshake_failure alert. */
const clientHello = hex(`
  16 fefd 0000 000000000000 0036   # DTLSPlaintext: handshake, DTLS 1.2, epoch 0, seq 0, length 54
  01 00002a 0000 000000 00002a     # Handshake: client_hello, length 42, message_seq 0, fragment 0+42
  fefd                             # client_version DTLS 1.2
  ${'ab'.repeat(32)}               # random
  00                               # session_id: empty
  00                               # cookie: empty
  0002 c02b                        # cipher_suites: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  01 00                            # compression_methods: null
`);
const alert = hex(`
  15 fefd 0000 000000000001 0002   # DTLSPlaintext: alert, DTLS 1.2, epoch 0, seq 1, length 2
  02 28                            # fatal handshake_failure
`);

tsharkTest('tshark dissects a capture we wrote as DTLS with -d udp.port==4433,dtls', async (t, dir) => {
  const file = join(dir, 'dtls.pcapng');
  const ep = (port: number) => ({ address: '127.0.0.1', port });
  writeFileSync(file, writePcapng([
    { time: 10n * NS, src: ep(49152), dst: ep(4433), payload: clientHello },
    { time: 11n * NS, src: ep(4433), dst: ep(49152), payload: alert },
  ]));
  const rows = await fields(
    file,
    ['dtls.record.content_type', 'dtls.record.version', 'dtls.record.sequence_number', 'dtls.handshake.type', 'dtls.handshake.ciphersuite', 'dtls.alert_message.desc'],
    ['-d', 'udp.port==4433,dtls'],
  );
  t.deepEqual(rows, [
    ['22', '0xfefd', '0', '1', '0xc02b', ''],
    ['21', '0xfefd', '1', '', '', '40'],
  ]);
  const { stdout } = await run('timeout', ['20', 'tshark', '-r', file, '-d', 'udp.port==4433,dtls'], { timeout: 25_000 });
  t.regex(stdout, /DTLS \d+ Client Hello/);
  t.regex(stdout, /Alert \(Level: Fatal, Description: Handshake Failure\)/);
  t.notRegex(stdout, /Malformed/);
});
