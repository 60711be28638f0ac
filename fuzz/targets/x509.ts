/**
 * Certificate parsing (reference/crypto/x509.ts `parseCertificate`) fed DER. Property: the only
 * error it throws is a CryptoError (what the handshake turns into bad_certificate); an accepted
 * certificate keeps the exact bytes it was read from. The mutator knows DER: it walks the TLV tree
 * and changes one node (tag, content, a child dropped, duplicated or swapped, a non-minimal or a
 * wrong length), re-encoding the lengths of the nodes around it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { CryptoError } from '../../reference/crypto/errors.ts';
import { pemDecodeAll } from '../../reference/crypto/pem.ts';
import { parseCertificate } from '../../reference/crypto/x509.ts';
import { below, mutateBytes, pick, type Rng } from '../mutate-bytes.ts';
import { FuzzFinding, type FuzzTarget, equalBytes, preview } from '../target.ts';
import { repoPath } from './support.ts';

function check(data: Uint8Array): void {
  let cert;
  try {
    cert = parseCertificate(data);
  } catch (e) {
    if (e instanceof CryptoError) return;
    const shown = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new FuzzFinding('property', `parseCertificate threw ${shown}, not a CryptoError, on ${preview(data)}`, { cause: e });
  }
  if (!equalBytes(cert.der, data)) throw new FuzzFinding('property', 'parseCertificate: the certificate does not keep the bytes it was read from');
}

// ---- DER, just enough to mutate it

interface Tlv {
  tag: number;
  /** Constructed nodes that parsed as a run of TLVs. */
  children: Tlv[] | undefined;
  content: Uint8Array;
  /** Write the length in this many bytes of long form (0: minimal). */
  longForm: number;
  /** Write this length instead of the real one. */
  wrongLength: number | undefined;
}

function parseTlvs(bytes: Uint8Array, depth: number): Tlv[] | undefined {
  const out: Tlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return undefined;
    const tag = bytes[at];
    if ((tag & 0x1f) === 0x1f) return undefined; // high tag numbers: leave as bytes
    let len = bytes[at + 1];
    at += 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3 || at + n > bytes.length) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + bytes[at + i];
      at += n;
    }
    if (at + len > bytes.length) return undefined;
    const content = bytes.subarray(at, at + len);
    at += len;
    const children = tag & 0x20 && depth < 12 ? parseTlvs(content, depth + 1) : undefined;
    out.push({ tag, children, content, longForm: 0, wrongLength: undefined });
  }
  return out;
}

function encodeTlvs(nodes: readonly Tlv[]): Uint8Array {
  const parts: number[] = [];
  for (const n of nodes) {
    const content = n.children === undefined ? n.content : encodeTlvs(n.children);
    const len = n.wrongLength ?? content.length;
    parts.push(n.tag);
    if (len < 0x80 && n.longForm === 0) parts.push(len);
    else {
      const digits: number[] = [];
      for (let v = len; v > 0; v = Math.floor(v / 256)) digits.unshift(v & 0xff);
      while (digits.length < n.longForm) digits.unshift(0);
      parts.push(0x80 | digits.length, ...digits);
    }
    for (const b of content) parts.push(b);
  }
  return Uint8Array.from(parts);
}

function allNodes(nodes: Tlv[], out: { node: Tlv; siblings: Tlv[] }[]): void {
  for (const n of nodes) {
    out.push({ node: n, siblings: nodes });
    if (n.children !== undefined) allNodes(n.children, out);
  }
}

const TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x30, 0x31, 0x80, 0x81, 0x82, 0x86, 0x87, 0xa0, 0xa3];

function mutateDer(data: Uint8Array, rng: Rng): Uint8Array {
  const tree = parseTlvs(data, 0);
  if (tree === undefined || rng() < 0.1) return mutateBytes(data, rng);
  const nodes: { node: Tlv; siblings: Tlv[] }[] = [];
  allNodes(tree, nodes);
  if (nodes.length === 0) return mutateBytes(data, rng);
  const { node, siblings } = pick(rng, nodes);
  switch (below(rng, 9)) {
    case 0:
      node.tag = pick(rng, TAGS);
      break;
    case 1:
      siblings.splice(siblings.indexOf(node), 1);
      break;
    case 2:
      siblings.splice(siblings.indexOf(node), 0, { ...node });
      break;
    case 3: {
      const j = below(rng, siblings.length);
      const i = siblings.indexOf(node);
      [siblings[i], siblings[j]] = [siblings[j], siblings[i]];
      break;
    }
    case 4:
      node.longForm = 1 + below(rng, 3);
      break;
    case 5:
      node.wrongLength = pick(rng, [0, 1, 0x7f, 0x80, 0xffff, node.content.length + 1, Math.max(0, node.content.length - 1)]);
      break;
    case 6:
      node.children = undefined;
      node.content = new Uint8Array(0);
      break;
    default:
      if (node.children !== undefined && node.children.length > 0 && rng() < 0.5) {
        node.children = undefined; // treat as bytes from here on
      }
      node.content = mutateBytes(node.children === undefined ? node.content : encodeTlvs(node.children), rng, 8192);
      node.children = undefined;
  }
  return encodeTlvs(tree);
}

let seedCache: Uint8Array[] | undefined;

export const x509Target: FuzzTarget = {
  name: 'x509',
  description: 'X.509 certificate parsing (parseCertificate on DER): only CryptoError escapes',
  fuzz: check,
  seeds() {
    if (seedCache === undefined) {
      seedCache = [];
      const dir = repoPath('vectors', 'certs');
      for (const name of readdirSync(dir).sort()) {
        if (!name.endsWith('.pem')) continue;
        for (const b of pemDecodeAll(readFileSync(`${dir}/${name}`, 'utf8'))) if (b.label === 'CERTIFICATE') seedCache.push(b.der);
      }
    }
    return seedCache;
  },
  mutate: mutateDer,
};
