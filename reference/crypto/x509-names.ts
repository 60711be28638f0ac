/**
 * The small value types of X.509, both ways: OBJECT IDENTIFIER (X.690 §8.19), Name as an RFC 4514
 * string (RFC 5280 §4.1.2.4), and Time as UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5).
 */
import { DER_TAG, type DerElement, derEncode, expectTag, readDerChildren } from './der.ts';
import { CryptoError } from './errors.ts';

function fail(problem: string): never {
  throw new CryptoError('invalid-encoding', `certificate: ${problem}`);
}

// ---- OBJECT IDENTIFIER ----

export function decodeOid(element: DerElement | undefined): string {
  if (element === undefined) fail('missing OBJECT IDENTIFIER');
  expectTag(element, DER_TAG.OID, 'OBJECT IDENTIFIER');
  const bytes = element.content;
  if (bytes.length === 0 || (bytes[bytes.length - 1] & 0x80) !== 0) fail('truncated OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const b of bytes) {
    if (fresh && b === 0x80) fail('OBJECT IDENTIFIER arc is not minimal');
    value = (value << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new CryptoError('invalid-argument', `encodeOid: ${dotted} has fewer than two arcs`);
  const bytes: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...chunk);
  }
  return derEncode(DER_TAG.OID, Uint8Array.from(bytes));
}

// ---- Name ----

/** RFC 4514 §3 short names; other attribute types print as their dotted OID. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};
const OIDS_BY_SHORT_NAME: ReadonlyMap<string, string> = new Map(Object.entries(SHORT_NAMES).map(([oid, name]) => [name, oid]));

const STRING_TAGS = {
  UTF8String: 0x0c,
  PrintableString: 0x13,
  TeletexString: 0x14,
  IA5String: 0x16,
  UniversalString: 0x1c,
  BMPString: 0x1e,
} as const;

/**
 * RFC 4514 string of a Name: RDNs last to first, joined by ", "; multi-valued RDNs joined by "+".
 * A value of a string type we cannot read prints as "#" and its DER in hex (RFC 4514 §2.4).
 */
export function decodeName(name: DerElement): string {
  expectTag(name, DER_TAG.SEQUENCE, 'Name');
  const rdns = readDerChildren(name, 'Name').map((rdn) => {
    expectTag(rdn, 0x31, 'RelativeDistinguishedName');
    return readDerChildren(rdn, 'RelativeDistinguishedName')
      .map((atv) => {
        expectTag(atv, DER_TAG.SEQUENCE, 'AttributeTypeAndValue');
        const [type, value, ...extra] = readDerChildren(atv, 'AttributeTypeAndValue');
        if (value === undefined || extra.length > 0) fail('AttributeTypeAndValue must hold a type and a value');
        const oid = decodeOid(type);
        const text = decodeString(value);
        const printed = text === undefined ? `#${Buffer.from(value.encoded).toString('hex')}` : escapeValue(text);
        return `${SHORT_NAMES[oid] ?? oid}=${printed}`;
      })
      .join('+');
  });
  return rdns.reverse().join(', ');
}

function decodeString(value: DerElement): string | undefined {
  const c = Buffer.from(value.content);
  switch (value.tag) {
    case STRING_TAGS.UTF8String:
      return new TextDecoder('utf-8', { fatal: true }).decode(c);
    case STRING_TAGS.PrintableString:
    case STRING_TAGS.IA5String:
    case STRING_TAGS.TeletexString:
      return c.toString('latin1');
    case STRING_TAGS.BMPString:
      return c.length % 2 === 0 ? Buffer.from(c).swap16().toString('utf16le') : undefined;
    default:
      return undefined;
  }
}

/** RFC 4514 §2.4 escaping. */
function escapeValue(text: string): string {
  let out = text.replace(/[\\,+"<>;=]/g, (ch) => `\\${ch}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * Encodes an RFC 4514 string such as "CN=leaf, O=dtlsprobe" (short names above or dotted OIDs;
 * no escapes, no multi-valued RDNs). Values are UTF8String, except C as PrintableString
 * (RFC 5280 §4.1.2.4, Appendix A).
 */
export function encodeName(text: string): Uint8Array {
  if (/[\\+"<>;#]/.test(text)) {
    throw new CryptoError('invalid-argument', `encodeName: escapes and multi-valued RDNs are not supported: ${text}`);
  }
  const rdns = text === '' ? [] : text.split(',').map((part) => part.trim());
  const encoded = rdns.reverse().map((rdn) => {
    const eq = rdn.indexOf('=');
    if (eq <= 0) throw new CryptoError('invalid-argument', `encodeName: "${rdn}" is not TYPE=value`);
    const type = rdn.slice(0, eq).trim();
    const oid = OIDS_BY_SHORT_NAME.get(type.toUpperCase()) ?? (/^\d+(\.\d+)+$/.test(type) ? type : undefined);
    if (oid === undefined) throw new CryptoError('invalid-argument', `encodeName: unknown attribute type ${type}`);
    const value = new TextEncoder().encode(rdn.slice(eq + 1));
    const tag = oid === '2.5.4.6' ? STRING_TAGS.PrintableString : STRING_TAGS.UTF8String;
    return derEncode(0x31, derEncode(DER_TAG.SEQUENCE, encodeOid(oid), derEncode(tag, value)));
  });
  return derEncode(DER_TAG.SEQUENCE, ...encoded);
}

// ---- Time ----

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

/** UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or GeneralizedTime YYYYMMDDHHMMSSZ, as RFC 5280 fixes them. */
export function decodeTime(element: DerElement): Date {
  const text = Buffer.from(element.content).toString('latin1');
  const pattern =
    element.tag === UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
  if (element.tag !== UTC_TIME && element.tag !== GENERALIZED_TIME) fail('Time must be UTCTime or GeneralizedTime');
  const m = pattern.exec(text);
  if (m === null) fail(`Time "${text}" is not in the RFC 5280 §4.1.2.5 form`);
  let year = Number(m[1]);
  if (element.tag === UTC_TIME) year += year < 50 ? 2000 : 1900;
  const date = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3])) fail(`Time "${text}" is not a real date`);
  return date;
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5); whole seconds. */
export function encodeTime(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new CryptoError('invalid-argument', `encodeTime: year ${year} is out of range`);
  const two = (n: number): string => String(n).padStart(2, '0');
  const parts = [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  const rest = `${parts.map(two).join('')}Z`;
  const text = year < 2050 ? `${two(year % 100)}${rest}` : `${year}${rest}`;
  return derEncode(year < 2050 ? UTC_TIME : GENERALIZED_TIME, new TextEncoder().encode(text));
}
