/**
 * A tiny strict DER reader and writer (X.690 §10), for the few structures whose exact bytes matter
 * here: ECDSA signatures (RFC 8422 §5.4), SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 5480,
 * RFC 8410), PKCS#8 (RFC 5208, RFC 5958), SEC1 EC keys (RFC 5915) and the outer certificate
 * SEQUENCE. Certificates themselves are read with @peculiar/x509.
 *
 * Strict means: single-byte tags, definite lengths in their shortest form, minimal INTEGERs, no
 * bytes after the element. Anything else throws `CryptoError('invalid-encoding')` naming `what`.
 */
import { CryptoError } from './errors.ts';

export const DER_TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  /** [n] constructed, context-specific: `0xa0 + n`. */
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

/** One TLV. `encoded` is the whole element (tag, length and content) as it appeared. */
export interface DerElement {
  readonly tag: number;
  readonly content: Uint8Array;
  readonly encoded: Uint8Array;
}

function fail(what: string, problem: string): never {
  throw new CryptoError('invalid-encoding', `${what}: ${problem} (DER, X.690 §10)`);
}

/** Reads the element starting at `offset`; returns it and the offset just after it. */
export function readDerAt(bytes: Uint8Array, offset: number, what: string): { element: DerElement; next: number } {
  if (offset + 2 > bytes.length) fail(what, 'truncated element header');
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) fail(what, `multi-byte tag 0x${tag.toString(16)} is not supported`);
  let length = bytes[offset + 1];
  let header = 2;
  if (length === 0x80) fail(what, 'indefinite length is not DER');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4) fail(what, `length of ${count} bytes is too large`);
    if (offset + 2 + count > bytes.length) fail(what, 'truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i];
    if (bytes[offset + 2] === 0 || length < 0x80) fail(what, 'length is not in its shortest form');
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) fail(what, `content of ${length} bytes runs past the end`);
  const element = { tag, content: bytes.subarray(offset + header, end), encoded: bytes.subarray(offset, end) };
  return { element, next: end };
}

/** Reads exactly one element of tag `tag` filling all of `bytes`. */
export function readDer(bytes: Uint8Array, tag: number, what: string): DerElement {
  const { element, next } = readDerAt(bytes, 0, what);
  expectTag(element, tag, what);
  if (next !== bytes.length) fail(what, `${bytes.length - next} trailing bytes`);
  return element;
}

/** The children of a constructed element, in order. */
export function readDerChildren(parent: DerElement, what: string): DerElement[] {
  if ((parent.tag & 0x20) === 0) fail(what, 'expected a constructed element');
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < parent.content.length) {
    const { element, next } = readDerAt(parent.content, offset, what);
    children.push(element);
    offset = next;
  }
  return children;
}

export function expectTag(element: DerElement, tag: number, what: string): void {
  if (element.tag !== tag) fail(what, `expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
}

/** A non-negative INTEGER in minimal form (X.690 §8.3.2). Negative values are refused. */
export function readDerUnsigned(element: DerElement, what: string): bigint {
  expectTag(element, DER_TAG.INTEGER, what);
  const c = element.content;
  if (c.length === 0) fail(what, 'empty INTEGER');
  if (c[0] & 0x80) fail(what, 'negative INTEGER');
  if (c.length > 1 && c[0] === 0 && (c[1] & 0x80) === 0) fail(what, 'INTEGER is not minimal');
  let value = 0n;
  for (const b of c) value = (value << 8n) | BigInt(b);
  return value;
}

/** The content of a BIT STRING with no unused bits (keys and signatures are whole bytes). */
export function readDerBitStringBytes(element: DerElement, what: string): Uint8Array {
  expectTag(element, DER_TAG.BIT_STRING, what);
  if (element.content.length === 0) fail(what, 'empty BIT STRING');
  if (element.content[0] !== 0) fail(what, 'BIT STRING has unused bits');
  return element.content.subarray(1);
}

/** Encodes one element. */
export function derEncode(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((n, c) => n + c.length, 0);
  let lengthBytes: number[];
  if (length < 0x80) {
    lengthBytes = [length];
  } else {
    lengthBytes = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n % 256);
    lengthBytes.unshift(0x80 | lengthBytes.length);
  }
  const out = new Uint8Array(1 + lengthBytes.length + length);
  out[0] = tag;
  out.set(lengthBytes, 1);
  let offset = 1 + lengthBytes.length;
  for (const c of contents) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** A non-negative INTEGER in minimal form. */
export function derUnsigned(value: bigint): Uint8Array {
  if (value < 0n) throw new CryptoError('invalid-argument', 'derUnsigned: value must not be negative');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return derEncode(DER_TAG.INTEGER, hexToBytes(hex));
}

/** A BIT STRING with no unused bits. */
export function derBitString(bytes: Uint8Array): Uint8Array {
  return derEncode(DER_TAG.BIT_STRING, Uint8Array.of(0), bytes);
}

/** Hex (no separators) to bytes, for the fixed encodings written in the code. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new CryptoError('invalid-argument', 'hexToBytes: expected an even number of hex digits');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Big-endian unsigned bytes of `value`, left-padded to `length` (throws if it does not fit). */
export function bigintToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new CryptoError('invalid-argument', `bigintToBytes: value does not fit in ${length} bytes`);
  return out;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}
