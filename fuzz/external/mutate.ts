/**
 * Mutations of one DTLS 1.2 datagram for external fuzzing. Structure-aware ones decode the datagram
 * with the reference codec, change one field of a record, a handshake fragment or the ClientHello,
 * and write it back with the permissive writers (so lengths may disagree with contents on purpose);
 * byte-level ones flip, cut or append bytes. Forgeries (`forge-finished`, `bad-mac`,
 * `plaintext-appdata`, and any change to a protected application-data record) are mutations a correct
 * peer must reject: the campaign watches for the peer accepting them.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import type { CipherState } from '../../reference/record/cipher-state.ts';
import { ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { type HandshakeFragment, readHandshakeFragments, writeHandshakeFragment } from '../../reference/wire/handshake-header.ts';
import { type ClientHello, readClientHello, writeClientHello } from '../../reference/wire/hello.ts';
import { type Extension, extensionTypeOf } from '../../reference/wire/extensions.ts';
import { readFinished, writeFinished } from '../../reference/wire/messages12.ts';
import { decode } from '../../reference/wire/reader.ts';
import { type DtlsPlaintext, readDatagram, writeDatagram } from '../../reference/wire/records.ts';
import { encode } from '../../reference/wire/writer.ts';
import type { Rng } from './rng.ts';

export const MUTATION_KINDS = [
  'handshake-header',
  'handshake-body',
  'handshake-truncate',
  'hello-fields',
  'fragment-split',
  'record-header',
  'record-duplicate',
  'record-reorder',
  'record-drop',
  'datagram-truncate',
  'byte-flip',
  'append-garbage',
  'forge-finished',
  'bad-mac',
  'plaintext-appdata',
] as const;

export type MutationKind = (typeof MUTATION_KINDS)[number];

export function isMutationKind(s: string): s is MutationKind {
  return (MUTATION_KINDS as readonly string[]).includes(s);
}

/** Kinds that alter the (single) record of the application-data flight itself. */
const CHANGES_THE_RECORD: ReadonlySet<MutationKind> = new Set(['bad-mac', 'plaintext-appdata', 'byte-flip', 'record-header', 'datagram-truncate']);

export interface MutationContext {
  /** Our write direction's epoch-1 protection, when the keys are known (needed by forge-finished). */
  readonly writeKeys?: CipherState | undefined;
  /** The datagram is a protected application-data record built for the case (the `application-data` flight). */
  readonly applicationData?: boolean;
  /** Its plaintext, for `plaintext-appdata`. */
  readonly applicationPlaintext?: Uint8Array;
}

export interface Mutated {
  readonly kind: MutationKind;
  /** What was changed, for the report: `record[1].epoch 0 -> 65535`. */
  readonly detail: string;
  readonly datagram: Uint8Array;
  /** A correct peer must reject it: accepting it is a finding. */
  readonly forgery: boolean;
}

function plaintextRecords(datagram: Uint8Array): DtlsPlaintext[] | undefined {
  try {
    const records = readDatagram(datagram);
    if (records.some((r) => r.format !== 'plaintext')) return undefined;
    return records as DtlsPlaintext[];
  } catch {
    return undefined;
  }
}

function fragmentsOf(r: DtlsPlaintext): HandshakeFragment[] | undefined {
  if (r.type !== ContentType.handshake || r.epoch !== 0) return undefined;
  try {
    return decode(r.fragment, 'fragment', readHandshakeFragments);
  } catch {
    return undefined;
  }
}

function writeFragments(fragments: readonly HandshakeFragment[]): Uint8Array {
  return encode((w) => fragments.forEach((f) => writeHandshakeFragment(w, f)));
}

/** Epoch-0 handshake records of a datagram with their fragments: [record index, fragments]. */
function handshakeRecords(records: DtlsPlaintext[]): [number, HandshakeFragment[]][] {
  const out: [number, HandshakeFragment[]][] = [];
  records.forEach((r, i) => {
    const fs = fragmentsOf(r);
    if (fs !== undefined && fs.length > 0) out.push([i, fs]);
  });
  return out;
}

function protectedHandshake(records: DtlsPlaintext[]): number[] {
  return records.flatMap((r, i) => (r.epoch > 0 && r.type === ContentType.handshake ? [i] : []));
}

/** The kinds that apply to this datagram. */
export function applicableKinds(datagram: Uint8Array, ctx: MutationContext = {}): MutationKind[] {
  const kinds: MutationKind[] = ['datagram-truncate', 'byte-flip', 'append-garbage'];
  const records = plaintextRecords(datagram);
  if (records === undefined) return kinds;
  kinds.push('record-header', 'record-duplicate');
  if (records.length > 1) kinds.push('record-reorder', 'record-drop');
  const hs = handshakeRecords(records);
  if (hs.length > 0) kinds.push('handshake-header', 'handshake-body', 'handshake-truncate', 'fragment-split');
  if (hs.some(([, fs]) => fs.some((f) => f.msgType === HandshakeType.client_hello && f.fragmentOffset === 0 && f.body.length === f.length))) kinds.push('hello-fields');
  if (records.some((r) => r.epoch > 0)) kinds.push('bad-mac');
  if (ctx.writeKeys !== undefined && protectedHandshake(records).length > 0) kinds.push('forge-finished');
  if (ctx.applicationData === true && ctx.applicationPlaintext !== undefined) kinds.push('plaintext-appdata');
  return kinds;
}

function flipByte(b: Uint8Array, at: number, rng: Rng): void {
  b[at] ^= rng.range(1, 255);
}

/** Applies `kind` to `datagram`; undefined when it does not apply. */
export function mutate(datagram: Uint8Array, kind: MutationKind, rng: Rng, ctx: MutationContext = {}): Mutated | undefined {
  const records = plaintextRecords(datagram);
  /** `forgery`: true or false says so; undefined applies the rule for the application-data record. */
  const out = (detail: string, bytes: Uint8Array, forgery?: boolean): Mutated => ({
    kind,
    detail,
    datagram: bytes,
    // A protected application-data record changed in any byte no longer authenticates.
    forgery: forgery ?? (ctx.applicationData === true && CHANGES_THE_RECORD.has(kind) && !sameBytes(bytes, datagram)),
  });
  switch (kind) {
    case 'datagram-truncate': {
      if (datagram.length < 2) return undefined;
      const at = rng.bool(0.5) ? rng.int(Math.min(datagram.length, 26)) : rng.int(datagram.length);
      return out(`cut to ${at} of ${datagram.length} bytes`, datagram.slice(0, at));
    }
    case 'byte-flip': {
      const b = datagram.slice();
      const n = rng.pick([1, 1, 1, 2, 4, 8]);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = rng.int(b.length);
        flipByte(b, p, rng);
        at.push(p);
      }
      return out(`flipped bytes at ${at.join(',')}`, b);
    }
    case 'append-garbage': {
      const extra = rng.bool(0.5) && records !== undefined && records.length > 0
        ? writeDatagram([{ ...records[rng.int(records.length)], fragment: rng.bytes(rng.int(64)) }])
        : rng.bytes(rng.range(1, 64));
      const b = new Uint8Array(datagram.length + extra.length);
      b.set(datagram);
      b.set(extra, datagram.length);
      return out(`appended ${extra.length} bytes`, b);
    }
    default:
      break;
  }
  if (records === undefined || records.length === 0) return undefined;
  switch (kind) {
    case 'record-header': {
      const i = rng.int(records.length);
      const r = { ...records[i] };
      const field = rng.pick(['type', 'version', 'epoch', 'sequenceNumber', 'length'] as const);
      let detail: string;
      if (field === 'length') {
        // The writer takes the length from the fragment: change the fragment's size instead.
        const cut = rng.bool(0.5) && r.fragment.length > 0;
        const before = r.fragment.length;
        r.fragment = cut ? r.fragment.slice(0, rng.int(r.fragment.length)) : concatBytes(r.fragment, rng.bytes(rng.range(1, 32)));
        const raw = writeDatagram(records.map((x, k) => (k === i ? r : x)));
        // Keep the original length field: the header now disagrees with what follows it.
        const offset = records.slice(0, i).reduce((s, x) => s + 13 + x.fragment.length, 0);
        raw[offset + 11] = before >> 8;
        raw[offset + 12] = before & 0xff;
        // Grown, the record is intact and garbage follows it (not a forgery); cut, it is incomplete.
        return out(`record[${i}].length ${before} with ${r.fragment.length} bytes after it`, raw, ctx.applicationData === true && cut);
      }
      if (field === 'type') {
        const before = r.type;
        r.type = rng.pick([20, 21, 22, 23, 24, 25, 26, 0, 255, rng.int(256)].filter((t) => t !== before));
        detail = `record[${i}].type ${before} -> ${r.type}`;
      } else if (field === 'version') {
        const before = r.version;
        r.version = rng.pick([0xfeff, 0xfefc, 0x0303, 0x0000, 0xffff, rng.int(0x10000)].filter((v) => v !== before));
        detail = `record[${i}].version ${hex16(before)} -> ${hex16(r.version)}`;
      } else if (field === 'epoch') {
        const before = r.epoch;
        r.epoch = rng.pick([before + 1, before + 2, 0xffff, before === 0 ? 1 : 0].filter((v) => v !== before && v <= 0xffff));
        detail = `record[${i}].epoch ${before} -> ${r.epoch}`;
      } else {
        const before = r.sequenceNumber;
        r.sequenceNumber = rng.pick([0, before + 1, before + 64, before + 1000, 2 ** 48 - 1, Math.max(0, before - 1)].filter((v) => v !== before));
        detail = `record[${i}].sequence_number ${before} -> ${r.sequenceNumber}`;
      }
      return out(detail, writeDatagram(records.map((x, k) => (k === i ? r : x))));
    }
    case 'record-duplicate': {
      const i = rng.int(records.length);
      const copy = records.slice();
      copy.splice(i + 1, 0, records[i]);
      return out(`record[${i}] sent twice`, writeDatagram(copy));
    }
    case 'record-reorder': {
      if (records.length < 2) return undefined;
      const copy = records.slice();
      const i = rng.int(copy.length);
      let j = rng.int(copy.length - 1);
      if (j >= i) j++;
      [copy[i], copy[j]] = [copy[j], copy[i]];
      return out(`records ${i} and ${j} swapped`, writeDatagram(copy));
    }
    case 'record-drop': {
      if (records.length < 2) return undefined;
      const i = rng.int(records.length);
      return out(`record[${i}] dropped`, writeDatagram(records.filter((_, k) => k !== i)));
    }
    case 'bad-mac': {
      const prot = records.flatMap((r, i) => (r.epoch > 0 ? [i] : []));
      if (prot.length === 0) return undefined;
      const i = rng.pick(prot);
      const frag = records[i].fragment.slice();
      if (frag.length === 0) return undefined;
      const where = rng.pick(['tag', 'tag', 'ciphertext', 'explicit-nonce'] as const);
      const p = where === 'tag' ? frag.length - 1 - rng.int(Math.min(16, frag.length))
        : where === 'explicit-nonce' ? rng.int(Math.min(8, frag.length))
        : rng.int(frag.length);
      flipByte(frag, p, rng);
      return out(`record[${i}] (epoch ${records[i].epoch}, type ${records[i].type}) protected byte ${p} (${where}) flipped`, writeDatagram(records.map((x, k) => (k === i ? { ...x, fragment: frag } : x))), true);
    }
    case 'forge-finished': {
      const keys = ctx.writeKeys;
      const prot = protectedHandshake(records);
      if (keys === undefined || prot.length === 0) return undefined;
      const i = rng.pick(prot);
      const r = records[i];
      const opened = keys.open(r, r.fragment);
      if (!opened.ok) return undefined;
      let fragments: HandshakeFragment[];
      try {
        fragments = decode(opened.content, 'fragment', readHandshakeFragments);
      } catch {
        return undefined;
      }
      const k = fragments.findIndex((f) => f.msgType === HandshakeType.finished);
      if (k < 0) return undefined;
      const f = fragments[k];
      const verifyData = decode(f.body, 'Finished', readFinished).verifyData.slice();
      const how = rng.pick(['flip-bit', 'flip-bit', 'zero', 'random', 'shorter', 'longer', 'empty'] as const);
      let forged: Uint8Array;
      if (how === 'flip-bit') {
        forged = verifyData.slice();
        forged[rng.int(forged.length)] ^= 1 << rng.int(8);
      } else if (how === 'zero') forged = new Uint8Array(verifyData.length);
      else if (how === 'random') forged = rng.bytes(verifyData.length);
      else if (how === 'shorter') forged = verifyData.slice(0, rng.int(verifyData.length));
      else if (how === 'longer') forged = concatBytes(verifyData, rng.bytes(rng.range(1, 20)));
      else forged = new Uint8Array(0);
      if (sameBytes(forged, verifyData)) forged[0] ^= 0x80;
      const body = encode((w) => writeFinished(w, { verifyData: forged }));
      const copy = fragments.slice();
      copy[k] = { ...f, length: body.length, body };
      const fragment = keys.seal(r, writeFragments(copy));
      return out(`Finished.verify_data ${how} (${verifyData.length} -> ${forged.length} bytes), resealed with valid record protection`, writeDatagram(records.map((x, j) => (j === i ? { ...x, fragment } : x))), true);
    }
    case 'plaintext-appdata': {
      if (ctx.applicationPlaintext === undefined) return undefined;
      const r = records[0];
      const forged: DtlsPlaintext = { ...r, epoch: rng.bool(0.7) ? 0 : r.epoch, fragment: ctx.applicationPlaintext };
      return out(`application data sent unprotected at epoch ${forged.epoch}`, writeDatagram([forged]), true);
    }
    default:
      break;
  }
  const hs = handshakeRecords(records);
  if (hs.length === 0) return undefined;
  const [ri, fragments] = rng.pick(hs);
  const fi = rng.int(fragments.length);
  const f = { ...fragments[fi] };
  const name = `record[${ri}].handshake[${fi}] (${HandshakeType.nameOf(f.msgType)})`;
  const replace = (fs: HandshakeFragment[], detail: string): Mutated =>
    out(detail, writeDatagram(records.map((x, k) => (k === ri ? { ...x, fragment: writeFragments(fs) } : x))));
  const withFragment = (g: HandshakeFragment, detail: string): Mutated => replace(fragments.map((x, k) => (k === fi ? g : x)), detail);
  switch (kind) {
    case 'handshake-header': {
      const field = rng.pick(['msg_type', 'length', 'message_seq', 'fragment_offset', 'fragment_length'] as const);
      if (field === 'msg_type') {
        const before = f.msgType;
        f.msgType = rng.pick([0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 21, 22, 24, 254, 255, rng.int(256)].filter((t) => t !== before));
        return withFragment(f, `${name}.msg_type ${before} -> ${f.msgType}`);
      }
      if (field === 'length') {
        const before = f.length;
        f.length = rng.interesting(24, before);
        return withFragment(f, `${name}.length ${before} -> ${f.length}`);
      }
      if (field === 'message_seq') {
        const before = f.messageSeq;
        f.messageSeq = rng.interesting(16, before);
        return withFragment(f, `${name}.message_seq ${before} -> ${f.messageSeq}`);
      }
      if (field === 'fragment_offset') {
        const before = f.fragmentOffset;
        f.fragmentOffset = rng.interesting(24, before);
        return withFragment(f, `${name}.fragment_offset ${before} -> ${f.fragmentOffset}`);
      }
      // fragment_length disagreeing with the bytes that follow: patch the written header.
      const bytes = writeFragments(fragments);
      const offset = fragments.slice(0, fi).reduce((s, x) => s + 12 + x.body.length, 0);
      const fl = rng.interesting(24, f.body.length);
      bytes[offset + 9] = fl >> 16;
      bytes[offset + 10] = (fl >> 8) & 0xff;
      bytes[offset + 11] = fl & 0xff;
      return out(`${name}.fragment_length ${f.body.length} -> ${fl}`, writeDatagram(records.map((x, k) => (k === ri ? { ...x, fragment: bytes } : x))));
    }
    case 'handshake-body': {
      if (f.body.length === 0) {
        f.body = rng.bytes(rng.range(1, 16));
        return withFragment(f, `${name} empty body given ${f.body.length} random bytes`);
      }
      const body = f.body.slice();
      const n = rng.pick([1, 1, 2, 3]);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = rng.bool(0.4) ? rng.int(Math.min(body.length, 48)) : rng.int(body.length);
        if (rng.bool(0.5)) flipByte(body, p, rng);
        else body[p] = rng.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff]);
        at.push(p);
      }
      f.body = body;
      return withFragment(f, `${name} body bytes ${at.join(',')} changed`);
    }
    case 'handshake-truncate': {
      const before = f.body.length;
      const keepLength = rng.bool(0.5);
      const grow = rng.bool(0.25);
      f.body = grow ? concatBytes(f.body, rng.bytes(rng.range(1, 40))) : f.body.slice(0, rng.int(Math.max(1, f.body.length)));
      if (!keepLength && f.fragmentOffset === 0) f.length = f.body.length;
      return withFragment(f, `${name} body ${before} -> ${f.body.length} bytes (length ${keepLength ? 'kept' : 'adjusted'})`);
    }
    case 'fragment-split': {
      if (f.body.length < 2) return undefined;
      const cut = rng.range(1, f.body.length - 1);
      const overlap = rng.bool(0.3) ? rng.range(1, Math.min(cut, 16)) : 0;
      const a: HandshakeFragment = { ...f, body: f.body.slice(0, cut) };
      const b: HandshakeFragment = { ...f, fragmentOffset: f.fragmentOffset + cut - overlap, body: f.body.slice(cut - overlap) };
      if (rng.bool(0.3)) b.body = b.body.slice().fill(rng.int(256), 0, Math.min(overlap, b.body.length)); // overlapping bytes that disagree
      const parts = rng.bool(0.5) ? [b, a] : [a, b];
      if (rng.bool(0.2)) parts.push(rng.pick(parts));
      return replace(fragments.flatMap((x, k) => (k === fi ? parts : [x])), `${name} split at ${cut}${overlap > 0 ? ` overlapping ${overlap}` : ''} into ${parts.length} fragments`);
    }
    case 'hello-fields': {
      const ci = fragments.findIndex((x) => x.msgType === HandshakeType.client_hello && x.fragmentOffset === 0 && x.body.length === x.length);
      if (ci < 0) return undefined;
      let ch: ClientHello;
      try {
        ch = decode(fragments[ci].body, 'ClientHello', readClientHello);
      } catch {
        return undefined;
      }
      const [changed, detail] = mutateClientHello(ch, rng);
      const body = encode((w) => writeClientHello(w, changed));
      const g = { ...fragments[ci], length: body.length, body };
      return replace(fragments.map((x, k) => (k === ci ? g : x)), `ClientHello.${detail}`);
    }
    default:
      return undefined;
  }
}

function mutateClientHello(ch: ClientHello, rng: Rng): [ClientHello, string] {
  const c: ClientHello = { ...ch };
  const exts: Extension[] = [...(ch.extensions ?? [])];
  const field = rng.pick(['version', 'session_id', 'cookie', 'cipher_suites', 'compression', 'ext-drop', 'ext-dup', 'ext-garbage', 'ext-unknown', 'ext-shuffle', 'ext-absent', 'random'] as const);
  switch (field) {
    case 'version':
      c.legacyVersion = rng.pick([0xfeff, 0xfefc, 0x0303, 0x0304, 0xfe00, 0x0000, 0xffff]);
      return [c, `client_version -> ${hex16(c.legacyVersion)}`];
    case 'session_id':
      c.sessionId = rng.bytes(rng.pick([1, 31, 32, 33, 64, 255]));
      return [c, `session_id of ${c.sessionId.length} bytes`];
    case 'cookie':
      c.cookie = rng.bool(0.5) && ch.cookie.length > 0 ? ch.cookie.map((b, i) => (i === 0 ? b ^ 1 : b)) : rng.bytes(rng.pick([0, 1, 32, 255]));
      return [c, `cookie changed (${ch.cookie.length} -> ${c.cookie.length} bytes)`];
    case 'cipher_suites': {
      const how = rng.pick(['empty', 'unknown', 'huge', 'scsv-only', 'null'] as const);
      c.cipherSuites = how === 'empty' ? [] : how === 'unknown' ? [rng.int(0x10000), 0xfafa] : how === 'huge' ? Array.from({ length: rng.range(100, 500) }, () => rng.int(0x10000)) : how === 'scsv-only' ? [0x00ff] : [0x0000];
      return [c, `cipher_suites ${how} (${c.cipherSuites.length})`];
    }
    case 'compression':
      c.compressionMethods = rng.pick([[], [1], [1, 64], [0, 0, 0], Array.from({ length: 255 }, (_, i) => i)]);
      return [c, `compression_methods [${c.compressionMethods.slice(0, 4).join(',')}${c.compressionMethods.length > 4 ? ',...' : ''}]`];
    case 'random':
      c.random = rng.bytes(rng.pick([0, 16, 31, 33]));
      return [c, `random of ${c.random.length} bytes`];
    case 'ext-absent':
      c.extensions = rng.bool(0.5) ? undefined : [];
      return [c, `extensions ${c.extensions === undefined ? 'block absent' : 'empty'}`];
    default:
      break;
  }
  if (exts.length === 0) {
    c.extensions = [{ kind: 'raw', type: rng.int(0x10000), body: rng.bytes(rng.int(32)) }];
    return [c, 'one random extension'];
  }
  const i = rng.int(exts.length);
  const type = extensionTypeOf(exts[i]);
  if (field === 'ext-drop') {
    exts.splice(i, 1);
    c.extensions = exts;
    return [c, `extension ${type} dropped`];
  }
  if (field === 'ext-dup') {
    exts.splice(i, 0, exts[i]);
    c.extensions = exts;
    return [c, `extension ${type} sent twice`];
  }
  if (field === 'ext-garbage') {
    const body = rng.bool(0.3) ? new Uint8Array(0) : rng.bytes(rng.range(1, 48));
    exts[i] = { kind: 'raw', type, body };
    c.extensions = exts;
    return [c, `extension ${type} body -> ${body.length} random bytes`];
  }
  if (field === 'ext-unknown') {
    exts.splice(i, 0, { kind: 'raw', type: rng.pick([0xfafa, 0xffff, 0x0000 + rng.int(64), rng.int(0x10000)]), body: rng.bytes(rng.int(64)) });
    c.extensions = exts;
    return [c, 'unknown extension inserted'];
  }
  for (let k = exts.length - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [exts[k], exts[j]] = [exts[j], exts[k]];
  }
  c.extensions = exts;
  return [c, 'extensions shuffled'];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const hex16 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;
