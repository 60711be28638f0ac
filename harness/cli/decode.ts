/** `dtlsprobe decode`: an annotated, decrypted transcript of the DTLS 1.2 traffic in a pcap or pcapng file. */
import { readFileSync } from 'node:fs';
import { CaptureError, type KeylogEntry, SECRETS_TLS_KEYLOG, isPcapng, parseKeylog, readCaptureUdp, readPcapng } from '../../reference/capture/index.ts';
import type { Command } from '../cli.ts';
import { decodeDatagrams, renderDecode } from '../decode/decode.ts';
import { UsageError, describeFlags, parseArgs } from './args.ts';

const flags = {
  keylog: { type: 'string', help: 'NSS key log (CLIENT_RANDOM lines) that opens the protected records', valueName: 'FILE' },
  json: { type: 'boolean', help: 'print the transcript as JSON' },
} as const;

function readFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`);
  }
}

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'annotated, decrypted transcript of the DTLS 1.2 traffic in a pcap/pcapng (keys from an NSS key log)',
  usage: `usage: dtlsprobe decode CAPTURE [--keylog FILE] [--json]\n\n${describeFlags(flags)}`,
  async run(argv, io) {
    const { flags: f, positional } = parseArgs(argv, flags);
    if (positional.length === 0) throw new UsageError('give the capture file (pcap or pcapng)');
    if (positional.length > 1) throw new UsageError(`one capture file at a time, got ${positional.length}: ${positional.join(' ')}`);
    const path = positional[0];
    const bytes = readFile(path, 'capture');
    const keylog: KeylogEntry[] = [];
    if (f.keylog !== undefined) {
      const text = new TextDecoder().decode(readFile(f.keylog, '--keylog'));
      const parsed = parseKeylog(text);
      for (const p of parsed.problems) io.err(`dtlsprobe decode: --keylog ${f.keylog} line ${p.line}: ${p.reason} (ignored)`);
      if (parsed.entries.length === 0) throw new UsageError(`--keylog ${f.keylog}: no key log lines in it`);
      keylog.push(...parsed.entries);
    }
    let datagrams;
    try {
      datagrams = readCaptureUdp(bytes).datagrams;
      if (isPcapng(bytes)) {
        // Decryption Secrets Blocks carry key log text in the capture itself.
        for (const s of readPcapng(bytes).secrets) {
          if (s.type === SECRETS_TLS_KEYLOG) keylog.push(...parseKeylog(new TextDecoder().decode(s.data)).entries);
        }
      }
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      io.err(`dtlsprobe decode: ${path}: not a readable capture: ${e.message}`);
      return 1;
    }
    const result = decodeDatagrams(datagrams, keylog);
    if (f.json === true) io.out(JSON.stringify(result, null, 2));
    else for (const line of renderDecode(result)) io.out(line);
    return result.summary.malformed > 0 ? 1 : 0;
  },
};
