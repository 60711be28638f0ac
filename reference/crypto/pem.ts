/**
 * PEM (RFC 7468): `-----BEGIN LABEL-----`, base64 lines, `-----END LABEL-----`. Text outside the
 * blocks (OpenSSL's "Bag Attributes", comments) is ignored, as RFC 7468 §2 allows.
 */
import { CryptoError } from './errors.ts';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** Every PEM block in `text`, in order. */
export function pemDecodeAll(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new CryptoError('invalid-argument', 'PEM input must be a string');
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = match;
    if (label !== endLabel) {
      throw new CryptoError('invalid-encoding', `PEM: BEGIN ${label} is closed by END ${endLabel} (RFC 7468 §2)`);
    }
    const base64 = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      // The body may be a private key: say where the problem is, never what it is.
      throw new CryptoError('invalid-encoding', `PEM: the body of the ${label} block is not valid base64 (RFC 7468 §3)`);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(base64, 'base64')) });
  }
  return blocks;
}

/** The DER of the one block labelled `label`; throws when there is none or more than one. */
export function pemDecode(text: string, label: string): Uint8Array {
  const blocks = pemDecodeAll(text).filter((b) => b.label === label);
  if (blocks.length !== 1) {
    throw new CryptoError('invalid-encoding', `PEM: expected exactly one ${label} block, found ${blocks.length}`);
  }
  return blocks[0].der;
}

/** One PEM block with 64-character lines. */
export function pemEncode(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
