/** `dtlsprobe dump`: an annotated dump of a datagram, record or handshake message. */
import { readFileSync } from 'node:fs';
import { annotate, renderDump } from '../../reference/wire/dump.ts';
import { ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { readHandshakeFragments } from '../../reference/wire/handshake-header.ts';
import { messageCodec } from '../../reference/wire/message-table.ts';
import type { Reader } from '../../reference/wire/reader.ts';
import { readRecords } from '../../reference/wire/records.ts';
import { keyExchangeOf } from '../../reference/wire/suites.ts';
import type { Command } from '../cli.ts';
import { UsageError, describeFlags, parseArgs } from './args.ts';

const flags = {
  hex: { type: 'string', help: 'the bytes, in hex (spaces and colons allowed)', valueName: 'HEX' },
  file: { type: 'string', help: 'read the bytes from a file', valueName: 'PATH' },
  as: { type: 'string', help: 'datagram (default), handshake, or a message name such as ClientHello', valueName: 'WHAT' },
  'cid-length': { type: 'number', help: 'connection ID length on the records', valueName: 'N' },
  suite: { type: 'string', help: 'negotiated cipher suite in hex (for ServerKeyExchange/ClientKeyExchange)', valueName: 'HEX' },
  dtls13: { type: 'boolean', help: 'DTLS 1.3 layouts of Certificate, CertificateRequest, NewSessionTicket' },
} as const;

function parseHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new UsageError('--hex: not an even number of hex digits');
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function messageType(name: string): number {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const t = HandshakeType.parse(snake);
  if (t === undefined) throw new UsageError(`--as ${name}: not a datagram, handshake, or handshake message name`);
  return t;
}

export const dumpCommand: Command = {
  name: 'dump',
  summary: 'annotated dump of DTLS bytes: each field with its offset, bytes, value and RFC section',
  usage: `usage: dtlsprobe dump (--hex HEX | --file PATH) [--as WHAT] [--cid-length N] [--suite HEX] [--dtls13]\n\n${describeFlags(flags)}`,
  async run(argv, io) {
    const { flags: f } = parseArgs(argv, flags);
    if ((f.hex === undefined) === (f.file === undefined)) throw new UsageError('give exactly one of --hex or --file');
    let bytes: Uint8Array;
    if (f.hex !== undefined) bytes = parseHex(f.hex);
    else {
      try {
        bytes = new Uint8Array(readFileSync(f.file ?? ''));
      } catch (e) {
        throw new UsageError(`--file ${f.file}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const as = f.as ?? 'datagram';
    let read: (r: Reader) => unknown;
    if (as === 'datagram') read = (r) => readRecords(r, { cidLength: f['cid-length'] });
    else if (as === 'handshake') read = readHandshakeFragments;
    else {
      const suite = f.suite === undefined ? undefined : parseInt(f.suite.replace(/^0x/i, ''), 16);
      if (suite !== undefined && Number.isNaN(suite)) throw new UsageError(`--suite ${f.suite}: not hex`);
      const codec = messageCodec(messageType(as), { dtls13: f.dtls13 === true, keyExchange: suite === undefined ? undefined : keyExchangeOf(suite) });
      if (codec === undefined) throw new UsageError(`--as ${as}: give --suite so the key exchange is known`);
      read = (r) => codec.read(r);
    }
    const root = as === 'datagram' ? 'Datagram' : as === 'handshake' ? 'Record.fragment' : 'Handshake.body';
    const a = annotate(bytes, root, read);
    io.out(renderDump(a));
    if (as === 'datagram' && a.value !== undefined) {
      for (const [i, rec] of (a.value as { format: string; type?: number; fragment?: Uint8Array; epoch?: number }[]).entries()) {
        if (rec.format !== 'plaintext' || rec.type !== ContentType.handshake || rec.epoch !== 0 || rec.fragment === undefined) continue;
        io.out(`\nrecord ${i}: handshake fragments`);
        io.out(renderDump(annotate(rec.fragment, `Datagram.records[${i}].fragment`, readHandshakeFragments)));
      }
    }
    return a.error === undefined ? 0 : 1;
  },
};
