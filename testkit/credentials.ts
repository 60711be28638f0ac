/** Deterministic test certificates (a throwaway CA and a leaf), made once per process and key type. */
import { seededRandom } from '../reference/crypto/random.ts';
import { createTestPki } from '../reference/crypto/x509-create.ts';
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
