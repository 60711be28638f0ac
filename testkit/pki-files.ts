/** The test PKI (testkit/credentials.ts) as PEM files, for commands that take file names. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pemEncode } from '../reference/crypto/index.ts';
import type { KeyAlgorithm } from '../reference/crypto/public-key.ts';
import { testChainPki, testPki } from './credentials.ts';

export interface PkiFiles {
  readonly dir: string;
  /** Leaf then CA, PEM. */
  readonly chain: string;
  readonly leaf: string;
  readonly ca: string;
  /** PKCS #8 PEM, mode 0600. */
  readonly key: string;
}

let files: Promise<PkiFiles> | undefined;

/** The P-256 test PKI in a temporary folder, written once per process and removed when it exits. */
export function testPkiFiles(): Promise<PkiFiles> {
  files ??= testPki('P-256').then(({ credentials }) => {
    const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-pki-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const [leafDer, caDer] = credentials.chain;
    const f: PkiFiles = { dir, chain: join(dir, 'chain.pem'), leaf: join(dir, 'leaf.pem'), ca: join(dir, 'ca.pem'), key: join(dir, 'key.pem') };
    writeFileSync(f.leaf, pemEncode('CERTIFICATE', leafDer));
    writeFileSync(f.ca, pemEncode('CERTIFICATE', caDer));
    writeFileSync(f.chain, pemEncode('CERTIFICATE', leafDer) + pemEncode('CERTIFICATE', caDer));
    writeFileSync(f.key, credentials.privateKey.toPem(), { mode: 0o600 });
    return f;
  });
  return files;
}

/** A chain PKI (testkit/credentials.ts testChainPki) as PEM files. */
export interface ChainPkiFiles {
  readonly dir: string;
  /** Leaf then intermediate, PEM: what the endpoint sends. */
  readonly chain: string;
  readonly leaf: string;
  readonly intermediate: string;
  /** The root CA, PEM: what the peer trusts. */
  readonly root: string;
  /** PKCS #8 PEM, mode 0600. */
  readonly key: string;
}

const chainFiles = new Map<string, Promise<ChainPkiFiles>>();

/** testChainPki(algorithm, owner) in a temporary folder, written once per process and removed when it exits. */
export function chainPkiFiles(algorithm: KeyAlgorithm, owner = 'server'): Promise<ChainPkiFiles> {
  const id = `${algorithm}/${owner}`;
  let p = chainFiles.get(id);
  if (p === undefined) {
    p = testChainPki(algorithm, owner).then(({ credentials, root }) => {
      const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-chain-'));
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      const [leafDer, intermediateDer] = credentials.chain;
      const f: ChainPkiFiles = {
        dir,
        chain: join(dir, 'chain.pem'),
        leaf: join(dir, 'leaf.pem'),
        intermediate: join(dir, 'intermediate.pem'),
        root: join(dir, 'root.pem'),
        key: join(dir, 'key.pem'),
      };
      writeFileSync(f.leaf, pemEncode('CERTIFICATE', leafDer));
      writeFileSync(f.intermediate, pemEncode('CERTIFICATE', intermediateDer));
      writeFileSync(f.chain, pemEncode('CERTIFICATE', leafDer) + pemEncode('CERTIFICATE', intermediateDer));
      writeFileSync(f.root, pemEncode('CERTIFICATE', root));
      writeFileSync(f.key, credentials.privateKey.toPem(), { mode: 0o600 });
      return f;
    });
    chainFiles.set(id, p);
  }
  return p;
}
