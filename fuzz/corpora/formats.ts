/**
 * Readers for the seed corpora other projects publish, so their inputs can seed our fuzzers and
 * be checked against our codec:
 * - BoringSSL's DTLS fuzzer framing: a u16 tag (0 = data, 1 = session + u24 length,
 *   2 = request client certificate, 5 = hints + u24 length); after tag 0, the rest of the file is
 *   a run of u24-length-prefixed datagrams.
 * - Go's native fuzzing corpus files (`go test fuzz v1`, then one `[]byte("...")` literal per
 *   argument, with Go string escapes), as pion/dtls ships.
 * - OpenSSL's fuzz corpora: a raw stream of records with no datagram boundaries.
 */

export class CorpusFormatError extends Error {
  override readonly name = 'CorpusFormatError';
}

export interface BoringSslInput {
  /** The datagrams the fuzzer feeds, in order. */
  readonly datagrams: Uint8Array[];
  /** Tags seen before the data (1 = session, 2 = request client cert, 5 = hints). */
  readonly tags: number[];
  /** Bytes at the end that do not make a whole datagram (corpus files are cut at a size limit). */
  readonly truncatedTail: number;
}

function u24(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
}

/** Parses BoringSSL's framed DTLS fuzzer input. */
export function readBoringSslFramed(bytes: Uint8Array): BoringSslInput {
  const tags: number[] = [];
  let at = 0;
  const need = (n: number, what: string): void => {
    if (at + n > bytes.length) {
      throw new CorpusFormatError(`${what} at offset ${at} needs ${n} byte(s), ${bytes.length - at} left`);
    }
  };
  while (at < bytes.length) {
    need(2, 'tag');
    const tag = (bytes[at] << 8) | bytes[at + 1];
    at += 2;
    if (tag === 0) {
      const datagrams: Uint8Array[] = [];
      while (at < bytes.length) {
        const len = at + 3 <= bytes.length ? u24(bytes, at) : Number.POSITIVE_INFINITY;
        if (at + 3 + len > bytes.length) return { datagrams, tags, truncatedTail: bytes.length - at };
        datagrams.push(bytes.slice(at + 3, at + 3 + len));
        at += 3 + len;
      }
      return { datagrams, tags, truncatedTail: 0 };
    }
    tags.push(tag);
    if (tag === 1 || tag === 5) {
      need(3, `tag ${tag} length`);
      const len = u24(bytes, at);
      at += 3;
      need(len, `tag ${tag} body`);
      at += len;
    } else if (tag !== 2) {
      throw new CorpusFormatError(`unknown tag ${tag} at offset ${at - 2}`);
    }
  }
  return { datagrams: [], tags, truncatedTail: 0 };
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34,
};

/** Decodes the body of a Go interpreted string literal (without the quotes) to bytes. */
export function decodeGoString(body: string): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; ) {
    const c = body[i];
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      out.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new CorpusFormatError(`dangling backslash at ${i}`);
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e === 'x') {
      out.push(parseHexDigits(body, i + 2, 2));
      i += 4;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      out.push(...enc.encode(String.fromCodePoint(parseHexDigits(body, i + 2, n))));
      i += 2 + n;
    } else if (e >= '0' && e <= '7') {
      const digits = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new CorpusFormatError(`bad octal escape at ${i}`);
      out.push(parseInt(digits, 8));
      i += 4;
    } else {
      throw new CorpusFormatError(`unknown escape \\${e} at ${i}`);
    }
  }
  return Uint8Array.from(out);
}

function parseHexDigits(s: string, at: number, n: number): number {
  const digits = s.slice(at, at + n);
  if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) {
    throw new CorpusFormatError(`bad hex escape at ${at - 2}`);
  }
  return parseInt(digits, 16);
}

/** Parses a Go fuzzing corpus file: the `[]byte(...)` arguments, in order. */
export function readGoFuzzSeed(text: string): Uint8Array[] {
  const lines = text.split('\n');
  if (lines[0].trim() !== 'go test fuzz v1') {
    throw new CorpusFormatError('not a Go fuzz corpus file: the first line is not "go test fuzz v1"');
  }
  const args: Uint8Array[] = [];
  for (const [n, raw] of lines.slice(1).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^\[\]byte\((?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)\)$/su.exec(line);
    if (m === null) throw new CorpusFormatError(`line ${n + 2}: expected []byte("...")`);
    args.push(m[1] !== undefined ? decodeGoString(m[1]) : new TextEncoder().encode(m[2]));
  }
  return args;
}

/**
 * Splits OpenSSL's raw record stream into records by their 13-byte DTLS headers. A stream whose
 * last record is cut short yields what it has and reports the leftover bytes.
 */
export function splitRecordStream(bytes: Uint8Array): { records: Uint8Array[]; leftover: number } {
  const records: Uint8Array[] = [];
  let at = 0;
  while (at + 13 <= bytes.length) {
    const len = (bytes[at + 11] << 8) | bytes[at + 12];
    if (at + 13 + len > bytes.length) break;
    records.push(bytes.slice(at, at + 13 + len));
    at += 13 + len;
  }
  return { records, leftover: bytes.length - at };
}
