/**
 * ECDHE for (D)TLS over @noble/curves: x25519, secp256r1 and secp384r1, keyed by their TLS
 * NamedGroup code points (RFC 8422 §5.1.1, RFC 8446 §4.2.7).
 *
 * Wire forms (RFC 8446 §4.2.8.2, RFC 8422 §5.4): an x25519 public value is its 32-byte u-coordinate;
 * a NIST public value is the uncompressed point 0x04 || X || Y, nothing else. The premaster secret is
 * the 32 x25519 output bytes, or the X coordinate alone for the NIST curves (RFC 8422 §5.10,
 * RFC 8446 §7.4.2).
 *
 * Checks on a peer's value (RFC 8422 §5.11, RFC 8446 §4.2.8.2, RFC 7748 §6.1): NIST points must be
 * uncompressed, exactly the right length, with coordinates below p, on the curve and not the point
 * at infinity (which has no uncompressed form); x25519 refuses a low-order u, which is exactly the
 * case where the shared secret would be all zeros. Failures throw `CryptoError`.
 *
 * What pure JavaScript cannot promise: constant time (see the crypto README).
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { CryptoError, requireBytes } from './errors.ts';
import { type RandomSource, systemRandom } from './random.ts';

/** The TLS NamedGroup code points implemented here. */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  x25519: 0x001d,
} as const;

export type EcdheGroup = (typeof NamedGroup)[keyof typeof NamedGroup];

/** One side's ephemeral key pair; `publicKey` is in TLS wire form. */
export interface KeyShare {
  readonly group: EcdheGroup;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

interface NistGroup {
  readonly kind: 'nist';
  readonly name: string;
  readonly curve: typeof p256;
  /** Field element length in bytes; also the scalar length. */
  readonly fieldLength: number;
}
interface MontgomeryGroup {
  readonly kind: 'x25519';
  readonly name: string;
}
type GroupInfo = NistGroup | MontgomeryGroup;

const GROUPS: ReadonlyMap<number, GroupInfo> = new Map<number, GroupInfo>([
  [NamedGroup.secp256r1, { kind: 'nist', name: 'secp256r1', curve: p256, fieldLength: 32 }],
  [NamedGroup.secp384r1, { kind: 'nist', name: 'secp384r1', curve: p384, fieldLength: 48 }],
  [NamedGroup.x25519, { kind: 'x25519', name: 'x25519' }],
]);

export function isEcdheGroup(group: number): group is EcdheGroup {
  return GROUPS.has(group);
}

/** The group's name as RFC 8446 spells it, or its hex for a group we do not implement. */
export function ecdheGroupName(group: number): string {
  return GROUPS.get(group)?.name ?? `0x${group.toString(16).padStart(4, '0')}`;
}

function groupInfo(group: number): GroupInfo {
  const info = GROUPS.get(group);
  if (info === undefined) {
    throw new CryptoError('unsupported-algorithm', `ECDHE: NamedGroup ${ecdheGroupName(group)} is not implemented`);
  }
  return info;
}

/** Length in bytes of the group's public value in TLS wire form (32, 65 or 97). */
export function publicValueLength(group: EcdheGroup): number {
  const info = groupInfo(group);
  return info.kind === 'x25519' ? 32 : 1 + 2 * info.fieldLength;
}

/** Length in bytes of the group's private key (32 or 48). */
export function privateKeyLength(group: EcdheGroup): number {
  const info = groupInfo(group);
  return info.kind === 'x25519' ? 32 : info.fieldLength;
}

/**
 * A fresh key share. `random` (default: `systemRandom`) supplies the bytes, so tests can be seeded.
 * NIST scalars are reduced from 8 extra bytes per 32 (FIPS 186-5 A.2.1), so they are never biased
 * and never zero.
 */
export function generateKeyShare(group: EcdheGroup, random: RandomSource = systemRandom): KeyShare {
  const info = groupInfo(group);
  if (info.kind === 'x25519') return keyShareFromPrivateKey(group, drawBytes(random, 32));
  const seed = drawBytes(random, info.curve.lengths.seed ?? 2 * info.fieldLength);
  return keyShareFromPrivateKey(group, info.curve.utils.randomSecretKey(seed));
}

/** The key share for an existing private key (to replay fixed vectors, or after storage). */
export function keyShareFromPrivateKey(group: EcdheGroup, privateKey: Uint8Array): KeyShare {
  requireBytes('keyShareFromPrivateKey', 'privateKey', privateKey);
  const info = groupInfo(group);
  checkPrivateKey(info, privateKey);
  const publicKey =
    info.kind === 'x25519' ? x25519.getPublicKey(privateKey) : info.curve.getPublicKey(privateKey, false);
  return { group, privateKey: privateKey.slice(), publicKey };
}

/**
 * Checks a peer's public value as TLS requires, without using any private key. Throws
 * `CryptoError('invalid-public-key')` naming the failed check.
 */
export function validatePublicValue(group: EcdheGroup, peerPublic: Uint8Array): void {
  requireBytes('validatePublicValue', 'peerPublic', peerPublic);
  const info = groupInfo(group);
  if (info.kind === 'x25519') {
    // RFC 7748 §5: any 32 bytes decode to a u-coordinate (high bit masked, non-canonical values
    // reduced); low-order points are caught by computeSharedSecret's all-zero check.
    if (peerPublic.length !== 32) invalidPublic(info, `length is ${peerPublic.length}, expected 32 (RFC 8446 §4.2.8.2)`);
    return;
  }
  const expected = 1 + 2 * info.fieldLength;
  if (peerPublic.length === 0) invalidPublic(info, 'public value is empty (RFC 8422 §5.4)');
  if (peerPublic[0] !== 0x04) {
    const prefix = peerPublic[0];
    const form =
      prefix === 0x00
        ? 'the point at infinity'
        : prefix === 0x02 || prefix === 0x03
          ? 'compressed'
          : `format 0x${prefix.toString(16)}`;
    invalidPublic(info, `point is ${form}; TLS requires the uncompressed form 0x04 (RFC 8422 §5.1.2, RFC 8446 §4.2.8.2)`);
  }
  if (peerPublic.length !== expected) {
    invalidPublic(info, `uncompressed point has ${peerPublic.length} bytes, expected ${expected} (RFC 8446 §4.2.8.2)`);
  }
  let point: ReturnType<typeof info.curve.Point.fromBytes>;
  try {
    // noble checks 0 <= x, y < p and y^2 = x^3 + ax + b.
    point = info.curve.Point.fromBytes(peerPublic);
  } catch {
    invalidPublic(info, 'point is not on the curve or a coordinate is not below p (RFC 8422 §5.11)');
  }
  // Unreachable for a well-formed 0x04 point, kept because the RFC lists the check by name.
  if (point.is0()) invalidPublic(info, 'point is the point at infinity (RFC 8422 §5.11)');
}

/**
 * The (EC)DHE shared secret: the 32-byte X25519 output, or the X coordinate for NIST curves.
 * Validates `peerPublic` first (see `validatePublicValue`) and refuses an all-zero X25519 result.
 */
export function computeSharedSecret(group: EcdheGroup, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  requireBytes('computeSharedSecret', 'privateKey', privateKey);
  requireBytes('computeSharedSecret', 'peerPublic', peerPublic);
  const info = groupInfo(group);
  checkPrivateKey(info, privateKey);
  validatePublicValue(group, peerPublic);
  if (info.kind === 'x25519') return x25519Shared(info, privateKey, peerPublic);
  // Compressed output is 0x02/0x03 || X: the X coordinate is everything after the prefix byte.
  return info.curve.getSharedSecret(privateKey, peerPublic, true).slice(1);
}

function x25519Shared(info: MontgomeryGroup, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  let shared: Uint8Array;
  try {
    // noble refuses the low-order u values before the ladder: those, and only those, give zeros.
    shared = x25519.getSharedSecret(privateKey, peerPublic);
  } catch {
    zeroShared(info);
  }
  if (shared.every((b) => b === 0)) zeroShared(info);
  return shared;
}

function checkPrivateKey(info: GroupInfo, privateKey: Uint8Array): void {
  const expected = info.kind === 'x25519' ? 32 : info.fieldLength;
  if (privateKey.length !== expected) {
    const problem = `private key has ${privateKey.length} bytes, expected ${expected}`;
    throw new CryptoError('invalid-private-key', `${info.name}: ${problem}`);
  }
  // X25519 clamps any 32 bytes (RFC 7748 §5); a NIST scalar must lie in [1, n-1] (SEC 1 §3.2.1).
  if (info.kind === 'nist' && !info.curve.utils.isValidSecretKey(privateKey)) {
    throw new CryptoError('invalid-private-key', `${info.name}: private scalar is not in [1, n-1]`);
  }
}

function drawBytes(random: RandomSource, length: number): Uint8Array {
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new CryptoError('invalid-argument', `generateKeyShare: the entropy source must return ${length} bytes`);
  }
  return bytes;
}

function invalidPublic(info: GroupInfo, problem: string): never {
  throw new CryptoError('invalid-public-key', `${info.name}: invalid peer public value: ${problem}`);
}

function zeroShared(info: MontgomeryGroup): never {
  throw new CryptoError(
    'zero-shared-secret',
    `${info.name}: peer public value has low order, the shared secret would be all zeros (RFC 7748 §6.1, RFC 8446 §7.4.2)`,
  );
}
