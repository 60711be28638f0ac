/**
 * Test support for the `*.test.ts` files of reference/record; not part of the record layer's API.
 * Hex fixtures, and fast-check with a fixed seed (or `$FC_SEED`) that prints the seed on failure.
 */

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not hex: ${hex.slice(0, 40)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * A hex fixture written one field per line, each with a `#` comment naming the field:
 *   `fefd   # version`. Comments and white space are dropped.
 */
export function hexFigure(text: string): Uint8Array {
  return hexToBytes(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''));
}

export { DEFAULT_FC_SEED, assertProperty, propertySeed } from '../../testkit/property.ts';
