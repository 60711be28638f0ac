/**
 * Record decryption: the record layer (reference/record/record-layer.ts) with fixed epoch-1 keys
 * for one of four AEAD suites, with and without a connection ID, fed a datagram. The first byte
 * picks the configuration; the rest is the datagram. Seeds are records sealed with the same keys.
 *
 * Properties: `unprotectDatagram` never throws; a record that opens at epoch 1 is one the seeds
 * sealed (the fuzzer has no key, so anything else is a forgery that authenticated), carrying the
 * type and payload it was sealed with; no (epoch, sequence number) is accepted twice (replay);
 * nothing is fatal (only an authentic oversize record may be, and no seed is oversize).
 */
import { CipherState, aeadProfileOf } from '../../reference/record/cipher-state.ts';
import { RecordLayer } from '../../reference/record/record-layer.ts';
import { CipherSuite, ContentType } from '../../reference/wire/enums.ts';
import { writeDatagram, type DtlsRecord } from '../../reference/wire/records.ts';
import { mutateDatagram, mutateFlight, readFrames, writeFrames } from '../mutate.ts';
import { pick, type Rng } from '../mutate-bytes.ts';
import { FuzzFinding, type FuzzTarget, preview } from '../target.ts';

const SUITES = [
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_PSK_WITH_AES_128_CCM,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
];
const CID = Uint8Array.of(0xc1, 0xd0, 0x00, 0x07);

interface Config {
  readonly suite: number;
  readonly cid: Uint8Array | undefined;
  readonly protection: CipherState;
}

function fixedKeys(suite: number): CipherState {
  const p = aeadProfileOf(suite);
  const key = Uint8Array.from({ length: p.keyLength }, (_, i) => (i * 7 + suite) & 0xff);
  const iv = Uint8Array.from({ length: p.fixedIvLength }, (_, i) => (i * 13 + 1) & 0xff);
  return new CipherState(p, { key, iv });
}

const CONFIGS: readonly Config[] = SUITES.flatMap((suite) => {
  const protection = fixedKeys(suite);
  return [{ suite, cid: undefined, protection }, { suite, cid: CID, protection }];
});

function readLayer(c: Config): RecordLayer {
  const layer = new RecordLayer({ maxBufferedRecords: 4 });
  layer.setConnectionIds({ receive: c.cid });
  layer.installReadEpoch(c.protection);
  return layer;
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What the seeds sealed, per configuration: `${seq}` -> type and payload. */
const genuine: Map<string, { type: number; payload: string }>[] = CONFIGS.map(() => new Map());
let seedCache: Uint8Array[] | undefined;

function buildSeeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  CONFIGS.forEach((c, index) => {
    const layer = new RecordLayer();
    layer.setConnectionIds({ send: c.cid });
    // Epoch 0 first: a plaintext handshake record, then the sealed ones in epoch 1.
    const plain = layer.protect(ContentType.handshake, Uint8Array.of(14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    layer.installWriteEpoch(c.protection);
    const sealed: DtlsRecord[] = [];
    const payloads: [number, Uint8Array][] = [
      [ContentType.application_data, new TextEncoder().encode('hello, fuzzer')],
      [ContentType.handshake, Uint8Array.of(20, 0, 0, 12, 0, 5, 0, 0, 0, 0, 0, 12, ...new Uint8Array(12).fill(0xab))],
      [ContentType.alert, Uint8Array.of(1, 0)],
      [ContentType.application_data, new Uint8Array(0)],
      [ContentType.application_data, new Uint8Array(300).fill(0x5a)],
    ];
    for (const [type, payload] of payloads) {
      const seq = layer.nextSequenceNumber();
      sealed.push(layer.protect(type, payload));
      genuine[index].set(String(seq), { type, payload: hexOf(payload) });
    }
    out.push(Uint8Array.of(index, ...writeDatagram([plain, ...sealed.slice(0, 3)])));
    out.push(Uint8Array.of(index, ...writeDatagram(sealed.slice(3))));
    out.push(Uint8Array.of(index, ...writeDatagram([sealed[0], sealed[0], sealed[2]])));
  });
  return out;
}

function check(data: Uint8Array): void {
  if (data.length === 0) return;
  seedCache ??= buildSeeds();
  const index = data[0] % CONFIGS.length;
  const c = CONFIGS[index];
  const layer = readLayer(c);
  const results = layer.unprotectDatagram(data.subarray(1));
  const accepted = new Set<string>();
  for (const r of results) {
    if (r.kind === 'fatal') throw new FuzzFinding('property', `record layer: fatal ${r.error.message} on ${preview(data)}`);
    if (r.kind !== 'ok') continue;
    const key = `${r.epoch}:${r.seq}`;
    if (accepted.has(key)) throw new FuzzFinding('property', `record layer: epoch ${r.epoch} sequence ${r.seq} accepted twice (replay) in ${preview(data)}`);
    accepted.add(key);
    if (r.epoch === 0) continue;
    const g = genuine[index].get(String(r.seq));
    if (r.epoch !== 1 || g === undefined || g.type !== r.type || g.payload !== hexOf(r.payload)) {
      throw new FuzzFinding('property', `record layer: a forged record authenticated (epoch ${r.epoch}, seq ${r.seq}, type ${r.type}, ${r.payload.length} bytes) from ${preview(data)}`);
    }
  }
}

export const recordDecryptTarget: FuzzTarget = {
  name: 'record-decrypt',
  description: 'record unprotection with fixed keys (AES-GCM, ChaCha20-Poly1305, AES-CCM; with and without a CID): no forgery, no replay, no throw',
  fuzz: check,
  seeds() {
    seedCache ??= buildSeeds();
    return seedCache;
  },
  mutate(data: Uint8Array, rng: Rng) {
    seedCache ??= buildSeeds();
    if (data.length === 0) return pick(rng, seedCache);
    const c = CONFIGS[data[0] % CONFIGS.length];
    const cidLength = c.cid?.length;
    if (rng() < 0.1) {
      // Records of another seed of the same configuration appended (a splice at record boundaries).
      const same = seedCache.filter((s) => s[0] % CONFIGS.length === data[0] % CONFIGS.length);
      const donor = pick(rng, same);
      return Uint8Array.of(data[0], ...data.subarray(1), ...donor.subarray(1));
    }
    if (rng() < 0.2) {
      // Records reordered, duplicated or dropped across the datagram, then joined again.
      const frames = readFrames(mutateFlight(writeFrames([data.subarray(1)]), rng, { cidLength }));
      return Uint8Array.of(data[0], ...frames.flatMap((d) => [...d]));
    }
    return Uint8Array.of(data[0], ...mutateDatagram(data.subarray(1), rng, cidLength));
  },
};
