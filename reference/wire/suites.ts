/**
 * What each cipher suite in `CipherSuite` (enums.ts) means for the wire and the key schedule: its
 * key exchange (which decides how ServerKeyExchange and ClientKeyExchange are laid out, since their
 * bytes do not say), how the server authenticates, the record cipher, the MAC, and the PRF hash.
 * The handshake layer and the dissector look suites up here.
 */
import { CipherSuite } from './enums.ts';

/** How the premaster secret is agreed (RFC 5246 §7.4.3, RFC 8422 §2, RFC 4279 §2, RFC 5489 §2). */
export type KeyExchange = 'ecdhe' | 'psk' | 'ecdhe_psk' | 'rsa' | 'dhe';

/** How the server proves who it is. */
export type Authentication = 'ecdsa' | 'rsa' | 'psk' | 'anon';

/** The record protection algorithm. */
export type BulkCipher =
  | 'aes_128_gcm'
  | 'aes_256_gcm'
  | 'chacha20_poly1305'
  | 'aes_128_ccm'
  | 'aes_128_ccm_8'
  | 'aes_256_ccm'
  | 'aes_256_ccm_8'
  | 'aes_128_cbc'
  | 'aes_256_cbc';

/** The record MAC: `aead` for AEAD ciphers, else the HMAC of RFC 5246 §6.2.3.1. */
export type MacAlgorithm = 'aead' | 'hmac_sha1' | 'hmac_sha256' | 'hmac_sha384';

/** The PRF hash (RFC 5246 §5) in (D)TLS 1.2; the HKDF hash (RFC 8446 §7.1) in (D)TLS 1.3. */
export type PrfHash = 'sha256' | 'sha384';

/** A (D)TLS 1.2 suite: the suite fixes the key exchange and the server's authentication. */
export interface Tls12Suite {
  readonly tls13: false;
  readonly keyExchange: KeyExchange;
  readonly authentication: Authentication;
  readonly cipher: BulkCipher;
  readonly mac: MacAlgorithm;
  readonly prfHash: PrfHash;
}

/**
 * A (D)TLS 1.3 suite (RFC 8446 §B.4): only the AEAD and the hash; key exchange and authentication
 * are negotiated by extensions, so they are undefined here.
 */
export interface Tls13Suite {
  readonly tls13: true;
  readonly keyExchange: undefined;
  readonly authentication: undefined;
  readonly cipher: BulkCipher;
  readonly mac: 'aead';
  readonly prfHash: PrfHash;
}

export type SuiteInfo = Tls12Suite | Tls13Suite;

function tls12(
  keyExchange: KeyExchange,
  authentication: Authentication,
  cipher: BulkCipher,
  mac: MacAlgorithm,
  prfHash: PrfHash,
): Tls12Suite {
  return { tls13: false, keyExchange, authentication, cipher, mac, prfHash };
}

function tls13(cipher: BulkCipher, prfHash: PrfHash): Tls13Suite {
  return { tls13: true, keyExchange: undefined, authentication: undefined, cipher, mac: 'aead', prfHash };
}

const S = CipherSuite;

/**
 * Every cipher suite of `CipherSuite`, except the values that are not suites: the initial
 * TLS_NULL_WITH_NULL_NULL and the signalling values (see `NOT_NEGOTIABLE`). In TLS 1.2 every
 * suite uses the SHA-256 PRF unless its name ends in SHA384 (RFC 5246 §5, RFC 5289 §3.2,
 * RFC 6655 §3, RFC 7251 §2, RFC 7905 §2, RFC 5487 §3, RFC 5489 §4, RFC 8442 §3).
 */
export const CIPHER_SUITES: ReadonlyMap<number, SuiteInfo> = new Map<number, SuiteInfo>([
  // RFC 5246 Appendix A.5, RFC 5288, RFC 6655: RSA key transport.
  [S.TLS_RSA_WITH_AES_128_CBC_SHA, tls12('rsa', 'rsa', 'aes_128_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_RSA_WITH_AES_256_CBC_SHA, tls12('rsa', 'rsa', 'aes_256_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_RSA_WITH_AES_128_CBC_SHA256, tls12('rsa', 'rsa', 'aes_128_cbc', 'hmac_sha256', 'sha256')],
  [S.TLS_RSA_WITH_AES_256_CBC_SHA256, tls12('rsa', 'rsa', 'aes_256_cbc', 'hmac_sha256', 'sha256')],
  [S.TLS_RSA_WITH_AES_128_GCM_SHA256, tls12('rsa', 'rsa', 'aes_128_gcm', 'aead', 'sha256')],
  [S.TLS_RSA_WITH_AES_256_GCM_SHA384, tls12('rsa', 'rsa', 'aes_256_gcm', 'aead', 'sha384')],
  [S.TLS_RSA_WITH_AES_128_CCM, tls12('rsa', 'rsa', 'aes_128_ccm', 'aead', 'sha256')],
  [S.TLS_RSA_WITH_AES_256_CCM, tls12('rsa', 'rsa', 'aes_256_ccm', 'aead', 'sha256')],
  [S.TLS_RSA_WITH_AES_128_CCM_8, tls12('rsa', 'rsa', 'aes_128_ccm_8', 'aead', 'sha256')],
  [S.TLS_RSA_WITH_AES_256_CCM_8, tls12('rsa', 'rsa', 'aes_256_ccm_8', 'aead', 'sha256')],
  // RFC 5288, RFC 7905: finite-field DHE signed with RSA.
  [S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, tls12('dhe', 'rsa', 'aes_128_gcm', 'aead', 'sha256')],
  [S.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, tls12('dhe', 'rsa', 'aes_256_gcm', 'aead', 'sha384')],
  [S.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, tls12('dhe', 'rsa', 'chacha20_poly1305', 'aead', 'sha256')],
  // RFC 4279, RFC 5487, RFC 6655, RFC 7905: plain PSK.
  [S.TLS_PSK_WITH_AES_128_CBC_SHA, tls12('psk', 'psk', 'aes_128_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_PSK_WITH_AES_256_CBC_SHA, tls12('psk', 'psk', 'aes_256_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_PSK_WITH_AES_128_GCM_SHA256, tls12('psk', 'psk', 'aes_128_gcm', 'aead', 'sha256')],
  [S.TLS_PSK_WITH_AES_256_GCM_SHA384, tls12('psk', 'psk', 'aes_256_gcm', 'aead', 'sha384')],
  [S.TLS_PSK_WITH_AES_128_CBC_SHA256, tls12('psk', 'psk', 'aes_128_cbc', 'hmac_sha256', 'sha256')],
  [S.TLS_PSK_WITH_AES_256_CBC_SHA384, tls12('psk', 'psk', 'aes_256_cbc', 'hmac_sha384', 'sha384')],
  [S.TLS_PSK_WITH_AES_128_CCM, tls12('psk', 'psk', 'aes_128_ccm', 'aead', 'sha256')],
  [S.TLS_PSK_WITH_AES_256_CCM, tls12('psk', 'psk', 'aes_256_ccm', 'aead', 'sha256')],
  [S.TLS_PSK_WITH_AES_128_CCM_8, tls12('psk', 'psk', 'aes_128_ccm_8', 'aead', 'sha256')],
  [S.TLS_PSK_WITH_AES_256_CCM_8, tls12('psk', 'psk', 'aes_256_ccm_8', 'aead', 'sha256')],
  [S.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, tls12('psk', 'psk', 'chacha20_poly1305', 'aead', 'sha256')],
  // RFC 8422, RFC 5289, RFC 7251, RFC 7905: ECDHE signed with ECDSA.
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls12('ecdhe', 'ecdsa', 'aes_128_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls12('ecdhe', 'ecdsa', 'aes_256_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, tls12('ecdhe', 'ecdsa', 'aes_128_cbc', 'hmac_sha256', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, tls12('ecdhe', 'ecdsa', 'aes_256_cbc', 'hmac_sha384', 'sha384')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls12('ecdhe', 'ecdsa', 'aes_128_gcm', 'aead', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls12('ecdhe', 'ecdsa', 'aes_256_gcm', 'aead', 'sha384')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM, tls12('ecdhe', 'ecdsa', 'aes_128_ccm', 'aead', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_CCM, tls12('ecdhe', 'ecdsa', 'aes_256_ccm', 'aead', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, tls12('ecdhe', 'ecdsa', 'aes_128_ccm_8', 'aead', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8, tls12('ecdhe', 'ecdsa', 'aes_256_ccm_8', 'aead', 'sha256')],
  [S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls12('ecdhe', 'ecdsa', 'chacha20_poly1305', 'aead', 'sha256')],
  // RFC 8422, RFC 5289, RFC 7905: ECDHE signed with RSA.
  [S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls12('ecdhe', 'rsa', 'aes_128_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls12('ecdhe', 'rsa', 'aes_256_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, tls12('ecdhe', 'rsa', 'aes_128_cbc', 'hmac_sha256', 'sha256')],
  [S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, tls12('ecdhe', 'rsa', 'aes_256_cbc', 'hmac_sha384', 'sha384')],
  [S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls12('ecdhe', 'rsa', 'aes_128_gcm', 'aead', 'sha256')],
  [S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls12('ecdhe', 'rsa', 'aes_256_gcm', 'aead', 'sha384')],
  [S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, tls12('ecdhe', 'rsa', 'chacha20_poly1305', 'aead', 'sha256')],
  // RFC 5489, RFC 7905, RFC 8442: ECDHE mixed with a PSK.
  [S.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA, tls12('ecdhe_psk', 'psk', 'aes_128_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA, tls12('ecdhe_psk', 'psk', 'aes_256_cbc', 'hmac_sha1', 'sha256')],
  [S.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, tls12('ecdhe_psk', 'psk', 'aes_128_cbc', 'hmac_sha256', 'sha256')],
  [S.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384, tls12('ecdhe_psk', 'psk', 'aes_256_cbc', 'hmac_sha384', 'sha384')],
  [S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, tls12('ecdhe_psk', 'psk', 'chacha20_poly1305', 'aead', 'sha256')],
  [S.TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256, tls12('ecdhe_psk', 'psk', 'aes_128_gcm', 'aead', 'sha256')],
  [S.TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384, tls12('ecdhe_psk', 'psk', 'aes_256_gcm', 'aead', 'sha384')],
  [S.TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256, tls12('ecdhe_psk', 'psk', 'aes_128_ccm_8', 'aead', 'sha256')],
  [S.TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256, tls12('ecdhe_psk', 'psk', 'aes_128_ccm', 'aead', 'sha256')],
  // RFC 8446 §B.4 (DTLS 1.3: RFC 9147 §4.2.3 adds the record-number masks for the same AEADs).
  [S.TLS_AES_128_GCM_SHA256, tls13('aes_128_gcm', 'sha256')],
  [S.TLS_AES_256_GCM_SHA384, tls13('aes_256_gcm', 'sha384')],
  [S.TLS_CHACHA20_POLY1305_SHA256, tls13('chacha20_poly1305', 'sha256')],
  [S.TLS_AES_128_CCM_SHA256, tls13('aes_128_ccm', 'sha256')],
  [S.TLS_AES_128_CCM_8_SHA256, tls13('aes_128_ccm_8', 'sha256')],
]);

/**
 * Code points of `CipherSuite` that name no negotiable suite: the initial null state (RFC 5246
 * §A.5) and the signalling values (RFC 5746 §3.3, RFC 7507 §2). A server must never select them.
 */
export const NOT_NEGOTIABLE: ReadonlySet<number> = new Set([
  S.TLS_NULL_WITH_NULL_NULL,
  S.TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  S.TLS_FALLBACK_SCSV,
]);

/** What a suite means, or undefined for an unknown suite or a value that is not one. */
export function suiteInfo(cipherSuite: number): SuiteInfo | undefined {
  return CIPHER_SUITES.get(cipherSuite);
}

/**
 * The key exchange a (D)TLS 1.2 suite fixes — what the ServerKeyExchange and ClientKeyExchange
 * readers need to be told. Undefined for 1.3 suites, unknown suites and signalling values.
 */
export function keyExchangeOf(cipherSuite: number): KeyExchange | undefined {
  return CIPHER_SUITES.get(cipherSuite)?.keyExchange;
}
