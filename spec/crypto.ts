/**
 * The cryptographic and certificate RFCs the crypto layer's tests name: CCM (3610), X25519 (7748),
 * EdDSA (8032), X.509 (5280), distinguished-name strings (4514), private-key packages (5958).
 * Texts of 3610, 4514, 5958, 7748 and 8032 are not in shared/rfc; these entries follow the
 * published RFCs.
 */
import type { Requirement } from './requirement.ts';

export const CRYPTO_REQUIREMENTS: readonly Requirement[] = [
  // RFC 3610 Counter with CBC-MAC (CCM)
  { id: 'RFC3610-2', source: 'RFC3610', section: '2', level: 'documented',
    summary: 'CCM takes a tag length M of 4 to 16 in steps of 2 and a length-field size L of 2 to 8, the nonce being 15 - L bytes, so L bounds the message length.' },
  { id: 'RFC3610-2.2', source: 'RFC3610', section: '2.2', level: 'documented',
    summary: 'CCM prefixes the additional data with its length in 2 bytes below 2^16 - 2^8 and as 0xff 0xfe plus 4 bytes from there up to 2^32.' },

  // RFC 4514 LDAP: String Representation of Distinguished Names
  { id: 'RFC4514-2.4', source: 'RFC4514', section: '2.4', level: 'MUST',
    summary: 'In a string DN, special characters in attribute values such as comma, plus or a leading hash are escaped with a backslash.' },

  // RFC 5280 §4.1 Basic Certificate Fields
  { id: 'RFC5280-4.1', source: 'RFC5280', section: '4.1', level: 'documented',
    summary: 'A certificate is tbsCertificate (version, serial, issuer, validity, subject, key and extensions such as subjectAltName), a signature algorithm and the signature.' },

  // RFC 5958 §2 Asymmetric Key Package CMS Content Type
  { id: 'RFC5958-2', source: 'RFC5958', section: '2', level: 'documented',
    summary: 'OneAsymmetricKey is version 1 (v2) exactly when it also carries the public key next to the private key.' },

  // RFC 7748 §6.1 Curve25519
  { id: 'RFC7748-6.1', source: 'RFC7748', section: '6.1', level: 'MAY',
    summary: 'X25519 maps a 32-byte scalar and u-coordinate to a shared u-coordinate, and a party may refuse the all-zero result a low-order point produces.' },

  // RFC 8032 EdDSA
  { id: 'RFC8032-5.1.7', source: 'RFC8032', section: '5.1.7', level: 'documented',
    summary: 'Ed25519 verification decodes R and A, rejects S of the group order or more, and checks the group equation on the encoded values.' },
  { id: 'RFC8032-7.1', source: 'RFC8032', section: '7.1', level: 'documented',
    summary: 'Ed25519 is deterministic, so signing the test vectors must give their signatures byte for byte.' },
];
