/**
 * DER through @peculiar/asn1-schema, for keys (RFC 5280 §4.1.2.7, RFC 5958, RFC 5915, RFC 8017)
 * and certificates (RFC 5280 §4.1).
 *
 * The schemas read BER (asn1js underneath). DER is the one encoding of each value (X.690 §10), so a
 * value is accepted only when its schema writes it back to exactly the input bytes: that refuses
 * long-form or indefinite lengths, encoded DEFAULT values, BIT STRINGs with unused bits and
 * trailing bytes, whatever the structure. Failures throw `CryptoError('invalid-encoding')` naming
 * `what`, never with the library's message (the input may be a private key).
 */
import { equalBytes } from '@noble/curves/utils.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { CryptoError } from './errors.ts';

/** Reads `bytes` as one DER value of `type`, strictly (see above). */
export function _decodeDer<T extends object>(bytes: Uint8Array, type: new () => T, what: string): T {
  let value: T;
  let again: Uint8Array;
  try {
    value = AsnConvert.parse(bytes, type);
    again = _encodeDer(value);
  } catch {
    throw new CryptoError('invalid-encoding', `${what}: malformed or does not match its ASN.1 schema`);
  }
  if (!equalBytes(again, bytes)) {
    throw new CryptoError('invalid-encoding', `${what}: not in DER form (X.690 §10)`);
  }
  return value;
}

/** The DER of a schema value. */
export function _encodeDer(value: object): Uint8Array<ArrayBuffer> {
  return new Uint8Array(AsnConvert.serialize(value));
}

/**
 * The value of an INTEGER from the content octets the schemas keep, which must be minimal and
 * non-negative (X.690 §8.3.2; RSA's integers are all positive). The schemas do not check this.
 */
export function _unsignedInteger(content: ArrayBuffer, what: string): bigint {
  const value = new asn1js.Integer({ valueHex: content }).toBigInt();
  if (value < 0n || !equalBytes(new Uint8Array(integerContent(value)), new Uint8Array(content))) {
    throw new CryptoError('invalid-encoding', `${what}: not a minimal non-negative INTEGER (X.690 §8.3.2)`);
  }
  return value;
}

/** The content octets of `value` as a minimal INTEGER (X.690 §8.3.2). */
function integerContent(value: bigint): ArrayBuffer {
  return asn1js.Integer.fromBigInt(value).valueBlock.valueHexView.slice().buffer;
}
