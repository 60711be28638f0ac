/**
 * Test support for tls-*.test.ts (not part of the API): deterministic certificate chains made at
 * test time, PEM files in a temporary folder, and the OpenSSL-made vectors of vectors/certs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../../testkit/shared.ts';
import { PrivateKey } from '../crypto/private-key.ts';
import { seededRandom } from '../crypto/random.ts';
import { type Certificate, certificateToPem } from '../crypto/x509.ts';
import { type CertificateRequest, type KeyAndCertificate, createCertificate } from '../crypto/x509-create.ts';

/** A path in vectors/certs. */
export function vector(name: string): string {
  return repoPath('vectors', 'certs', name);
}

/** A time inside the validity of the OpenSSL PKI in vectors/certs (2026-11-27 + 3650 days). */
export const IN_VECTOR_WINDOW = new Date(Date.UTC(2030, 0, 1));
/** A time inside createCertificate's default validity (2020 to 2049). */
export const IN_DEFAULT_WINDOW = new Date(Date.UTC(2030, 0, 1));

/** A root CA, an intermediate CA it signed, and a leaf the intermediate signed (P-256, seeded). */
export interface TestChain {
  readonly root: KeyAndCertificate;
  readonly intermediate: KeyAndCertificate;
  readonly leaf: KeyAndCertificate;
}

export interface ChainOptions {
  readonly leaf?: Partial<Omit<CertificateRequest, 'publicKey'>>;
  readonly intermediate?: Partial<Omit<CertificateRequest, 'publicKey' | 'isCA'>>;
  readonly rootName?: string;
}

/** Makes a chain; the same seed and options give the same certificates. */
export async function makeChain(seed: string, options: ChainOptions = {}): Promise<TestChain> {
  const random = seededRandom(`tls test chain ${seed}`);
  const [rootKey, intermediateKey, leafKey] = [
    await PrivateKey.generate('P-256', { random }),
    await PrivateKey.generate('P-256', { random }),
    await PrivateKey.generate('P-256', { random }),
  ];
  const root = await createCertificate({ subject: options.rootName ?? `CN=${seed} root CA, O=dtlsprobe`, publicKey: rootKey.publicKey, isCA: true }, { privateKey: rootKey });
  const intermediate = await createCertificate(
    { subject: `CN=${seed} intermediate CA, O=dtlsprobe`, ...options.intermediate, publicKey: intermediateKey.publicKey, isCA: true },
    { privateKey: rootKey, certificate: root },
  );
  const leaf = await createCertificate(
    { subject: 'CN=localhost, O=dtlsprobe', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], ...options.leaf, publicKey: leafKey.publicKey },
    { privateKey: intermediateKey, certificate: intermediate },
  );
  return {
    root: { certificate: root, privateKey: rootKey },
    intermediate: { certificate: intermediate, privateKey: intermediateKey },
    leaf: { certificate: leaf, privateKey: leafKey },
  };
}

/** A copy of `certificate` with the last byte of its signature changed (still well-formed DER). */
export function tamperSignature(certificate: Certificate): Uint8Array {
  const der = certificate.der.slice();
  der[der.length - 1] ^= 0x01;
  return der;
}

/** A temporary folder for PEM files; `cleanup` removes it. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'dtlsprobe-tls-'));

  /** Writes `text` (PEM of certificates and keys, in order) and returns the file's path. */
  write(name: string, ...parts: (Certificate | PrivateKey | string)[]): string {
    const text = parts.map((p) => (typeof p === 'string' ? p : p instanceof PrivateKey ? p.toPem() : certificateToPem(p))).join('');
    const file = join(this.path, name);
    writeFileSync(file, text);
    return file;
  }

  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
