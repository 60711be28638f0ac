/**
 * The certificates a run hands to the implementations under test: one throwaway CA (P-256) and,
 * signed by it, one leaf per key type (P-256, P-384, Ed25519, RSA 2048), each "CN=localhost" with
 * subjectAltName DNS:localhost, IP:127.0.0.1 (and ::1). External implementations read them as PEM
 * files (keys PKCS#8); in-process ones take the parsed DER and keys from `loadCredentials`.
 *
 * The keys come from the system's randomness and are made once per process (an RSA key takes a
 * while); the files go to a fresh temporary folder, removed when the process exits, unless the
 * caller names a folder of its own.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Certificate,
  type KeyAlgorithm,
  PrivateKey,
  createCertificate,
  parseCertificate,
  pemDecode,
  pemEncode,
} from '../reference/crypto/index.ts';
import type { CredentialFiles, KeyType } from './iut/types.ts';

export const KEY_TYPES: readonly KeyType[] = ['p256', 'p384', 'ed25519', 'rsa'];

/** The reference's name for each key type. */
export const KEY_ALGORITHM: Readonly<Record<KeyType, KeyAlgorithm>> = { p256: 'P-256', p384: 'P-384', ed25519: 'Ed25519', rsa: 'RSA' };

/** A record with one entry per key type. */
function byKeyType<T>(f: (type: KeyType) => T): Record<KeyType, T> {
  return { p256: f('p256'), p384: f('p384'), ed25519: f('ed25519'), rsa: f('rsa') };
}

export const CA_NAME = 'CN=dtlsprobe throwaway CA, O=dtlsprobe';

/** A leaf's chain (DER, leaf first, then the CA) and its key, as the reference endpoint takes them. */
export interface LeafCredentials {
  readonly chain: readonly Uint8Array[];
  readonly privateKey: PrivateKey;
}

export interface LoadedCredentials {
  /** The CA certificate (DER): the trust anchor. */
  readonly caDer: Uint8Array;
  readonly leaf: Readonly<Record<KeyType, LeafCredentials>>;
}

interface Generated {
  readonly ca: Certificate;
  readonly leaf: Readonly<Record<KeyType, { readonly certificate: Certificate; readonly privateKey: PrivateKey }>>;
}

let generated: Promise<Generated> | undefined;
let defaultFiles: Promise<CredentialFiles> | undefined;

async function generate(): Promise<Generated> {
  const caKey = await PrivateKey.generate('P-256');
  const ca = await createCertificate({ subject: CA_NAME, publicKey: caKey.publicKey, isCA: true }, { privateKey: caKey });
  const leaf = async (type: KeyType): Promise<Generated['leaf'][KeyType]> => {
    const privateKey = await PrivateKey.generate(KEY_ALGORITHM[type]);
    const certificate = await createCertificate(
      {
        subject: `CN=localhost, O=dtlsprobe ${type}`,
        publicKey: privateKey.publicKey,
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1', '::1'],
      },
      { privateKey: caKey, certificate: ca },
    );
    return { certificate, privateKey };
  };
  const [p256, p384, ed25519, rsa] = await Promise.all(KEY_TYPES.map(leaf));
  return { ca, leaf: { p256, p384, ed25519, rsa } };
}

/** Where each file of the set lives in `dir`. */
export function credentialPaths(dir: string): CredentialFiles {
  return { ca: join(dir, 'ca.pem'), leaf: byKeyType((t) => ({ cert: join(dir, `leaf-${t}.pem`), key: join(dir, `leaf-${t}.key`) })) };
}

function write(dir: string, g: Generated): CredentialFiles {
  mkdirSync(dir, { recursive: true });
  const files = credentialPaths(dir);
  writeFileSync(files.ca, pemEncode('CERTIFICATE', g.ca.der));
  for (const t of KEY_TYPES) {
    writeFileSync(files.leaf[t].cert, pemEncode('CERTIFICATE', g.leaf[t].certificate.der));
    writeFileSync(files.leaf[t].key, g.leaf[t].privateKey.toPem(), { mode: 0o600 });
  }
  return files;
}

/**
 * The CA and the four leaves as PEM files: in `dir` when given (created if missing, left in place),
 * else in a temporary folder made once per process and removed when it exits. Every call returns
 * the same certificates and keys.
 */
export async function generateCredentials(dir?: string): Promise<CredentialFiles> {
  generated ??= generate();
  if (dir !== undefined) {
    const g = await generated;
    return write(dir, g);
  }
  defaultFiles ??= generated.then((g) => {
    const tmp = mkdtempSync(join(tmpdir(), 'dtlsprobe-credentials-'));
    process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
    return write(tmp, g);
  });
  return defaultFiles;
}

/**
 * Reads a set of credential files back: the CA's DER and, per key type, the leaf's chain (leaf,
 * then CA) and key. Throws naming the file that cannot be read or parsed.
 */
export function loadCredentials(files: CredentialFiles): LoadedCredentials {
  const caDer = readPem(files.ca, 'CERTIFICATE');
  const leaf = byKeyType((t): LeafCredentials => {
    const certDer = readPem(files.leaf[t].cert, 'CERTIFICATE');
    const keyPath = files.leaf[t].key;
    let privateKey: PrivateKey;
    try {
      privateKey = PrivateKey.fromPem(readFileSync(keyPath, 'utf8'));
    } catch (e) {
      throw new Error(`${keyPath}: not a readable PKCS#8 key (${(e as Error).message})`);
    }
    if (!parseCertificate(certDer).publicKey.equals(privateKey.publicKey)) {
      throw new Error(`${keyPath}: the key does not belong to the certificate ${files.leaf[t].cert}`);
    }
    return { chain: [certDer, caDer], privateKey };
  });
  return { caDer, leaf };
}

function readPem(path: string, label: string): Uint8Array {
  try {
    const der = pemDecode(readFileSync(path, 'utf8'), label);
    parseCertificate(der);
    return der;
  } catch (e) {
    throw new Error(`${path}: not a readable ${label} PEM file (${(e as Error).message})`);
  }
}
