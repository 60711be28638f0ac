/** Deterministic test certificates (a throwaway CA and a leaf), made once per process and key type. */
import { seededRandom } from '../reference/crypto/random.ts';
import { createCertificate, createTestPki } from '../reference/crypto/x509-create.ts';
import { PrivateKey } from '../reference/crypto/private-key.ts';
import type { KeyAlgorithm } from '../reference/crypto/public-key.ts';
import type { Credentials } from '../reference/handshake/dtls12/config.ts';

export interface TestPki {
  readonly credentials: Credentials;
  /** The CA certificate (DER). */
  readonly ca: Uint8Array;
}

const cache = new Map<KeyAlgorithm, Promise<TestPki>>();

export function testPki(algorithm: KeyAlgorithm = 'P-256'): Promise<TestPki> {
  let p = cache.get(algorithm);
  if (p === undefined) {
    p = createTestPki(algorithm, { random: seededRandom(`dtlsprobe test pki ${algorithm}`) }).then(({ ca, leaf }) => ({
      credentials: { chain: [leaf.certificate.der, ca.certificate.der], privateKey: leaf.privateKey },
      ca: ca.certificate.der,
    }));
    cache.set(algorithm, p);
  }
  return p;
}

/**
 * A three-level PKI for chains: a root CA, an intermediate CA it signed, and a leaf the
 * intermediate signed (SAN localhost, 127.0.0.1, ::1). The endpoint sends leaf + intermediate
 * (RFC 5246 §7.4.2: each certificate certifies the one before it; the root may be left out), and
 * the peer trusts the root only, so verification has to walk the intermediate.
 */
export interface ChainPki {
  /** Leaf and intermediate (DER), with the leaf's key. */
  readonly credentials: Credentials;
  /** The root CA certificate (DER): the trust anchor. */
  readonly root: Uint8Array;
  readonly intermediate: Uint8Array;
}

const chainCache = new Map<string, Promise<ChainPki>>();

/**
 * The chain PKI for `algorithm` (every key of it, CAs included, of that algorithm) and `owner`, a
 * word that names its certificates and seeds its EC and Ed25519 keys ('server', 'client', ...), so
 * that two owners have unrelated roots. RSA keys cannot be seeded (PrivateKey.generate).
 */
export function testChainPki(algorithm: KeyAlgorithm, owner = 'server'): Promise<ChainPki> {
  const key = `${algorithm}/${owner}`;
  let p = chainCache.get(key);
  if (p === undefined) {
    p = createChainPki(algorithm, owner);
    chainCache.set(key, p);
  }
  return p;
}

async function createChainPki(algorithm: KeyAlgorithm, owner: string): Promise<ChainPki> {
  const random = seededRandom(`dtlsprobe test chain pki ${algorithm} ${owner}`);
  const org = `O=dtlsprobe ${owner} ${algorithm}`;
  const rootKey = await PrivateKey.generate(algorithm, { random });
  const intermediateKey = await PrivateKey.generate(algorithm, { random });
  const leafKey = await PrivateKey.generate(algorithm, { random });
  const root = await createCertificate({ subject: `CN=dtlsprobe ${owner} root CA, ${org}`, publicKey: rootKey.publicKey, isCA: true }, { privateKey: rootKey });
  const intermediate = await createCertificate(
    { subject: `CN=dtlsprobe ${owner} intermediate CA, ${org}`, publicKey: intermediateKey.publicKey, isCA: true },
    { privateKey: rootKey, certificate: root },
  );
  const leaf = await createCertificate(
    { subject: `CN=localhost, ${org}`, publicKey: leafKey.publicKey, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] },
    { privateKey: intermediateKey, certificate: intermediate },
  );
  return { credentials: { chain: [leaf.der, intermediate.der], privateKey: leafKey }, root: root.der, intermediate: intermediate.der };
}
