/**
 * The annotated dump: every field of a record or message with its offset, bytes, value and the
 * RFC section that defines it — for reports and for people reading a failing probe.
 */
import { DecodeError } from './errors.ts';
import { Reader, hex } from './reader.ts';
import { Trace, type TraceEntry } from './trace.ts';

export interface Annotated<T> {
  /** The decoded value, or undefined when decoding failed. */
  readonly value: T | undefined;
  /** The decode error, when decoding failed; the entries then cover what was read before it. */
  readonly error: DecodeError | undefined;
  readonly entries: readonly TraceEntry[];
  readonly bytes: Uint8Array;
}

/** Decodes `bytes` with `read` while recording every field. Never throws a DecodeError. */
export function annotate<T>(bytes: Uint8Array, root: string, read: (r: Reader) => T): Annotated<T> {
  const trace = new Trace();
  const r = Reader.from(bytes, root, trace);
  try {
    const value = read(r);
    r.done();
    return { value, error: undefined, entries: trace.entries, bytes };
  } catch (e) {
    if (e instanceof DecodeError) return { value: undefined, error: e, entries: trace.entries, bytes };
    throw e;
  }
}

const BYTES_PER_LINE = 8;

function hexColumn(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += BYTES_PER_LINE) {
    const part = bytes.subarray(i, i + BYTES_PER_LINE);
    lines.push([...part].map((b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.length === 0 ? [''] : lines;
}

function leafName(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? path : path.slice(dot + 1);
}

/**
 * Renders an annotated dump as text: one line per field (offset, bytes, indented field name,
 * value, RFC section), long byte strings wrapped, and the decode error, if any, at the end.
 */
export function renderDump(a: Annotated<unknown>, options: { maxBytesPerField?: number } = {}): string {
  const maxBytes = options.maxBytesPerField ?? 64;
  const width = BYTES_PER_LINE * 3 - 1;
  const out: string[] = [];
  let lastRfc: string | undefined;
  const minDepth = a.entries.reduce((m, e) => Math.min(m, e.depth), Number.POSITIVE_INFINITY);
  for (const e of a.entries) {
    const indent = '  '.repeat(e.depth - (Number.isFinite(minDepth) ? minDepth : 0));
    const offset = e.start.toString(16).padStart(4, '0');
    if (e.isStruct) {
      const rfc = e.rfc !== undefined && e.rfc !== lastRfc ? `  [${e.rfc}]` : '';
      lastRfc = e.rfc;
      out.push(`${offset}  ${''.padEnd(width)}  ${indent}${leafName(e.path)} (${e.end - e.start} bytes)${rfc}`);
      continue;
    }
    const field = a.bytes.subarray(e.start, Math.min(e.end, e.start + maxBytes));
    const hexLines = hexColumn(field);
    if (e.end - e.start > maxBytes) hexLines.push(`… ${e.end - e.start - maxBytes} more`);
    out.push(`${offset}  ${hexLines[0].padEnd(width)}  ${indent}${leafName(e.path)} = ${e.value}`);
    for (const more of hexLines.slice(1)) out.push(`      ${more.padEnd(width)}`);
  }
  if (a.error !== undefined) {
    const rest = a.bytes.subarray(a.error.offset);
    out.push(`${a.error.offset.toString(16).padStart(4, '0')}  ERROR ${a.error.path}: ${a.error.reason}`);
    if (rest.length > 0) out.push(`      unread: ${hex(rest.subarray(0, maxBytes))}${rest.length > maxBytes ? '…' : ''}`);
  }
  return out.join('\n');
}
