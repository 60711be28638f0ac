/**
 * PEM (RFC 7468): `-----BEGIN LABEL-----`, base64 lines, `-----END LABEL-----`, read and written by
 * @peculiar/x509's `PemConverter`. Text outside the blocks (OpenSSL's "Bag Attributes", comments)
 * is ignored, as RFC 7468 §2 allows; a block the converter cannot read is an error, not skipped.
 */
import 'reflect-metadata';
import { PemConverter } from '@peculiar/x509';
import { CryptoError } from './errors.ts';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BEGIN = /-----BEGIN [^\n]*?-----/g;

/** Every PEM block in `text`, in order. */
export function pemDecodeAll(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new CryptoError('invalid-argument', 'PEM input must be a string');
  let blocks: PemBlock[];
  try {
    blocks = PemConverter.decodeWithHeaders(text).map((b) => ({ label: b.type, der: new Uint8Array(b.rawData) }));
  } catch {
    // The body may be a private key: say where the problem is, never what it is.
    throw new CryptoError('invalid-encoding', 'PEM: a block body is not valid base64 (RFC 7468 §3)');
  }
  const begun = text.match(BEGIN)?.length ?? 0;
  if (blocks.length !== begun) {
    const problem = `${begun - blocks.length} of ${begun} blocks are malformed (labels differ, or the body is not base64 lines)`;
    throw new CryptoError('invalid-encoding', `PEM: ${problem} (RFC 7468 §2)`);
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

/** One PEM block with 64-character lines, ending in a newline. */
export function pemEncode(label: string, der: Uint8Array): string {
  return `${PemConverter.encode(der, label)}\n`;
}
