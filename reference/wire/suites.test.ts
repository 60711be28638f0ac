import test from 'ava';
import { CipherSuite } from './enums.ts';
import { CIPHER_SUITES, NOT_NEGOTIABLE, keyExchangeOf, suiteInfo } from './suites.ts';

test('every CipherSuite in enums.ts is described, or listed as not negotiable', (t) => {
  const missing = CipherSuite.known.filter((cs) => !CIPHER_SUITES.has(cs) && !NOT_NEGOTIABLE.has(cs));
  t.deepEqual(missing.map((cs) => CipherSuite.nameOf(cs)), []);
  for (const cs of CIPHER_SUITES.keys()) t.true(CipherSuite.isKnown(cs), `0x${cs.toString(16)} is in enums.ts`);
  for (const cs of NOT_NEGOTIABLE) t.false(CIPHER_SUITES.has(cs));
});

test('the table agrees with the IANA names: key exchange, authentication, cipher, PRF hash', (t) => {
  for (const [cs, info] of CIPHER_SUITES) {
    const name = CipherSuite.nameOf(cs);
    if (info.tls13) {
      t.regex(name, /^TLS_(AES|CHACHA20)/, name);
      t.is(info.keyExchange, undefined);
      continue;
    }
    const kx = name.match(/^TLS_(.+)_WITH_/)?.[1];
    const expectedKx: Record<string, [string, string]> = {
      RSA: ['rsa', 'rsa'],
      DHE_RSA: ['dhe', 'rsa'],
      PSK: ['psk', 'psk'],
      ECDHE_ECDSA: ['ecdhe', 'ecdsa'],
      ECDHE_RSA: ['ecdhe', 'rsa'],
      ECDHE_PSK: ['ecdhe_psk', 'psk'],
    };
    t.deepEqual([info.keyExchange, info.authentication], expectedKx[kx ?? ''], name);
    const cipher = name.slice(name.indexOf('_WITH_') + 6).toLowerCase().replace(/_(sha|sha256|sha384)$/, '');
    const described: string = info.cipher;
    t.is(described, cipher, name);
    t.is(info.prfHash, name.endsWith('SHA384') ? 'sha384' : 'sha256', name);
    const aead = /GCM|CCM|CHACHA20/.test(name);
    t.is(info.mac === 'aead', aead, name);
    if (!aead) t.is(info.mac, name.endsWith('_SHA') ? 'hmac_sha1' : name.endsWith('SHA384') ? 'hmac_sha384' : 'hmac_sha256', name);
  }
});

test('[RFC5246-7.4.3] keyExchangeOf picks the ServerKeyExchange/ClientKeyExchange layout', (t) => {
  t.is(keyExchangeOf(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), 'ecdhe');
  t.is(keyExchangeOf(CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256), 'ecdhe');
  t.is(keyExchangeOf(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8), 'psk');
  t.is(keyExchangeOf(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256), 'ecdhe_psk');
  t.is(keyExchangeOf(CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256), 'rsa');
  t.is(keyExchangeOf(CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384), 'dhe');
});

test('keyExchangeOf is undefined for DTLS 1.3 suites, signalling values and unknown suites', (t) => {
  t.is(keyExchangeOf(CipherSuite.TLS_AES_128_GCM_SHA256), undefined);
  t.is(keyExchangeOf(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV), undefined);
  t.is(keyExchangeOf(CipherSuite.TLS_FALLBACK_SCSV), undefined);
  t.is(keyExchangeOf(CipherSuite.TLS_NULL_WITH_NULL_NULL), undefined);
  t.is(keyExchangeOf(0x0a0a), undefined, 'a GREASE value');
  t.is(suiteInfo(0x1301)?.tls13, true);
  t.is(suiteInfo(0x1302)?.prfHash, 'sha384');
});

test('the CCM suites: 8-byte tags recognised, and the SHA-256 PRF even for AES-256 (RFC 6655 §3)', (t) => {
  t.is(suiteInfo(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8)?.cipher, 'aes_256_ccm_8');
  t.is(suiteInfo(CipherSuite.TLS_PSK_WITH_AES_256_CCM)?.prfHash, 'sha256');
  t.is(suiteInfo(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256)?.cipher, 'aes_128_ccm_8');
});
