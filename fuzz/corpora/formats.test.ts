import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath, sharedTest } from '../../testkit/shared.ts';
import { CorpusFormatError, decodeGoString, readBoringSslFramed, readGoFuzzSeed, splitRecordStream } from './formats.ts';

test('Go string escapes decode to the bytes Go would produce', (t) => {
  t.deepEqual([...decodeGoString('\\x16\\x00a\\n\\"\\\\\\101')], [0x16, 0, 0x61, 10, 0x22, 0x5c, 0x41]);
  t.deepEqual([...decodeGoString('ѽ')], [0xd1, 0xbd]);
  t.deepEqual([...decodeGoString('\\uffff')], [0xef, 0xbf, 0xbf]);
  t.throws(() => decodeGoString('\\q'), { instanceOf: CorpusFormatError });
  t.throws(() => decodeGoString('\\x1'), { instanceOf: CorpusFormatError });
});

test('a Go fuzz seed file yields its []byte arguments', (t) => {
  const args = readGoFuzzSeed('go test fuzz v1\n[]byte("\\x16\\xfe")\n[]byte(`raw`)\n');
  t.deepEqual(args.map((a) => [...a]), [[0x16, 0xfe], [0x72, 0x61, 0x77]]);
  t.throws(() => readGoFuzzSeed('hello'), { instanceOf: CorpusFormatError });
  t.throws(() => readGoFuzzSeed('go test fuzz v1\nint(3)'), { message: /line 2/ });
});

test('BoringSSL framing: tags, then u24-length datagrams', (t) => {
  const input = Uint8Array.from([0, 2, 0, 5, 0, 0, 1, 0xaa, 0, 0, 0, 0, 2, 1, 2, 0, 0, 0]);
  const parsed = readBoringSslFramed(input);
  t.deepEqual(parsed.tags, [2, 5]);
  t.deepEqual(parsed.datagrams.map((d) => [...d]), [[1, 2], []]);
  t.is(parsed.truncatedTail, 0);
  const cut = readBoringSslFramed(Uint8Array.from([0, 0, 0, 0, 1, 7, 0, 0, 9, 1]));
  t.deepEqual(cut.datagrams.map((d) => [...d]), [[7]]);
  t.is(cut.truncatedTail, 4);
  t.throws(() => readBoringSslFramed(Uint8Array.from([0, 1, 0, 0, 9])), { message: /tag 1 body at offset 5/ });
  t.throws(() => readBoringSslFramed(Uint8Array.from([0, 7])), { message: /unknown tag 7/ });
});

test('a raw record stream splits at record boundaries', (t) => {
  const rec = (n: number): number[] => [22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, n, ...Array<number>(n).fill(1)];
  const { records, leftover } = splitRecordStream(Uint8Array.from([...rec(2), ...rec(0), 22, 0xfe]));
  t.deepEqual(records.map((r) => r.length), [15, 13]);
  t.is(leftover, 2);
});

sharedTest('every pion corpus file reads as a Go fuzz seed', ['corpora', 'pion', 'pkg'], (t) => {
  const root = sharedPath('corpora', 'pion', 'pkg');
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  for (const f of files) {
    const args = readGoFuzzSeed(readFileSync(join(f.parentPath, f.name), 'utf8'));
    t.true(args.length >= 1, f.name);
  }
  t.is(files.length, 209);
});

sharedTest('every BoringSSL corpus file reads as framed datagrams', ['corpora', 'boringssl', 'fuzz'], (t) => {
  let files = 0;
  let truncated = 0;
  for (const dir of ['dtls_client_corpus', 'dtls_server_corpus']) {
    const root = sharedPath('corpora', 'boringssl', 'fuzz', dir);
    for (const name of readdirSync(root)) {
      if (readBoringSslFramed(new Uint8Array(readFileSync(join(root, name)))).truncatedTail > 0) truncated++;
      files++;
    }
  }
  t.is(files, 587);
  t.is(truncated, 26, 'files cut at the corpus size limit, their last datagram incomplete');
});
