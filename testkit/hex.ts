/**
 * Hex fixtures written one field per line, each with a comment (STYLE.md):
 *
 *   const body = hexFixture(`
 *     feff   # server_version = DTLSv1_0
 *     14     # cookie.<length> = 20
 *   `);
 *
 * `#` or `//` starts a comment that runs to the end of the line; whitespace is ignored. A field
 * too long for one line continues on the next ones without a comment.
 */
export function hexFixture(text: string): Uint8Array {
  const digits = text
    .split('\n')
    .map((line) => line.replace(/(#|\/\/).*$/, '').replace(/\s+/g, ''))
    .join('');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) {
    throw new Error(`hex fixture is not an even run of hex digits: ${digits.slice(0, 40)}…`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lower-case hex of `bytes`, for assertions that print well. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
