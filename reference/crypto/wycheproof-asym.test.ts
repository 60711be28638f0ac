/**
 * Wycheproof vectors for ECDH (x25519, P-256), ECDSA (P-256, P-384; DER and P1363) and Ed25519,
 * through the public API: `computeSharedSecret`, `PublicKey.fromSpki`, `verify`.
 *
 * Our choices on `acceptable` (and TLS-stricter) cases, each a pinned counter below:
 * - x25519: a case may be rejected only when its shared secret is all zeros: RFC 7748 §6.1 allows,
 *   and RFC 8446 §7.4.2 requires, refusing it. Every other acceptable case (twist points,
 *   non-canonical u, special values) must give the expected secret, as RFC 7748 §5 defines it.
 * - P-256 raw points: compressed points are refused, TLS allows only the uncompressed form
 *   (RFC 8422 §5.1.2, RFC 8446 §4.2.8.2).
 * - P-256 SPKI: only the one DER encoding of a named-curve key with an uncompressed point is
 *   accepted (RFC 5480), so BER variants, explicit or modified curve parameters and compressed
 *   points are refused; each is counted under its Wycheproof flag.
 * - ECDSA: no acceptable cases in these files. BER and other non-DER signatures are refused; high s
 *   is accepted (TLS does not require low s). P1363 signatures must be exactly 2 * 32 bytes.
 * - Ed25519: RFC 8032 strict verification; no acceptable cases.
 * No case is skipped: every vector is expressible through the API.
 */
import { type ExecutionContext } from 'ava';
import { readSharedJson, sharedTest } from '../../testkit/shared.ts';
import { Fields } from './_testing.ts';
import { NamedGroup, computeSharedSecret } from './ecdh.ts';
import { PublicKey } from './public-key.ts';
import { SignatureScheme, ecdsaP1363ToDer, verify } from './signature.ts';
import {
  ACCEPTED,
  type AsymCase,
  type AsymDriver,
  type AsymPins,
  assertAsymRun,
  outputIs,
  rejectedBecause,
  runAsymWycheproof,
} from './wycheproof-asym.test-helper.ts';

const DIR = ['vectors', 'wycheproof', 'testvectors_v1'];

function wycheproofTest(title: string, driver: AsymDriver, pins: AsymPins): void {
  sharedTest(`${title} (wycheproof/${driver.file})`, [...DIR, driver.file], async (t: ExecutionContext) => {
    const run = await runAsymWycheproof(readSharedJson(...DIR, driver.file), driver);
    assertAsymRun(t, run, pins);
  });
}

/** Wycheproof writes private scalars as minimal signed big-endian hex; ours are fixed-length. */
function scalar(hex: string, length: number): Uint8Array {
  const value = BigInt(`0x${hex === '' ? '0' : hex}`);
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(2 * length, '0'), 'hex'));
}

function onlyFlags(allowed: readonly string[]): (test: AsymCase) => string | undefined {
  return (test) => (test.result === 'acceptable' ? test.flags.find((f) => allowed.includes(f)) : undefined);
}

// ---- ECDH ----

wycheproofTest(
  '[RFC7748-6.1] [RFC8446-7.4.2] x25519 shared secrets; all-zero results refused',
  {
    file: 'x25519_test.json',
    async check(group, test) {
      if (group.str('curve') !== 'curve25519') throw new Error(`${test.fields.where}: unexpected curve`);
      const shared = computeSharedSecret(NamedGroup.x25519, test.fields.hex('private'), test.fields.hex('public'));
      return outputIs(shared, test.fields.hex('shared'));
    },
    policy: (test, why) =>
      test.result === 'acceptable' && /^0*$/.test(test.fields.str('shared')) && why.startsWith('zero-shared-secret')
        ? 'all-zero shared secret (RFC 7748 §6.1)'
        : undefined,
  },
  // 254 acceptable: 31 low-order public values give zeros and are refused, the other 223 must agree.
  { skipped: {}, rejectedByPolicy: { 'all-zero shared secret (RFC 7748 §6.1)': 31 }, acceptableAccepted: 223 },
);

const NIST_ECDH_POLICY = onlyFlags(['CompressedPoint', 'CompressedPublic']);

wycheproofTest(
  '[RFC8422-5.11] [RFC8446-4.2.8.2] secp256r1 ECDH with raw points: uncompressed, on the curve',
  {
    file: 'ecdh_secp256r1_ecpoint_test.json',
    async check(group, test) {
      if (group.str('curve') !== 'secp256r1') throw new Error(`${test.fields.where}: unexpected curve`);
      const shared = computeSharedSecret(NamedGroup.secp256r1, scalar(test.fields.str('private'), 32), test.fields.hex('public'));
      return outputIs(shared, test.fields.hex('shared'));
    },
    policy: (test) => NIST_ECDH_POLICY(test),
  },
  // The 7 other compressed points are `invalid` in this file and rejected like any invalid case.
  { skipped: {}, rejectedByPolicy: { CompressedPublic: 1 }, acceptableAccepted: 0 },
);

const SPKI_POLICY = onlyFlags([
  'CompressedPoint',
  'CompressedPublic',
  'InvalidAsn',
  'UnnamedCurve',
  'UnusedParam',
  'ModifiedCofactor',
  'ModifiedGenerator',
  'ModifiedCurveParameter',
  'NoCofactor',
  'WrongOrder',
]);

wycheproofTest(
  '[RFC8422-5.11] secp256r1 ECDH with SPKI public keys: DER, named curve, uncompressed',
  {
    file: 'ecdh_secp256r1_test.json',
    async check(group, test) {
      if (group.str('curve') !== 'secp256r1') throw new Error(`${test.fields.where}: unexpected curve`);
      const key = PublicKey.fromSpki(test.fields.hex('public'));
      if (key.algorithm !== 'P-256') return rejectedBecause(`a ${key.algorithm} key, not P-256`);
      const shared = computeSharedSecret(NamedGroup.secp256r1, scalar(test.fields.str('private'), 32), key.raw);
      return outputIs(shared, test.fields.hex('shared'));
    },
    policy: (test) => SPKI_POLICY(test),
  },
  {
    skipped: {},
    // All 230 acceptable cases are non-canonical SPKIs (counted under their first listed flag).
    rejectedByPolicy: {
      CompressedPublic: 1,
      InvalidAsn: 222,
      ModifiedCofactor: 1,
      ModifiedCurveParameter: 1,
      ModifiedGenerator: 2,
      NoCofactor: 1,
      WrongOrder: 2,
    },
    acceptableAccepted: 0,
  },
);

// ---- signatures ----

function signatureDriver(file: string, scheme: number, sha: string, encoding: 'der' | 'p1363'): AsymDriver {
  return {
    file,
    async check(group: Fields, test: AsymCase) {
      if (group.str('sha') !== sha) throw new Error(`${group.where}: expected ${sha}`);
      const key = PublicKey.fromSpki(group.hex('publicKeyDer'));
      let signature = test.fields.hex('sig');
      if (encoding === 'p1363') {
        if (key.algorithm !== 'P-256' && key.algorithm !== 'P-384') throw new Error(`${group.where}: not an EC key`);
        signature = ecdsaP1363ToDer(signature, key.algorithm);
      }
      const ok = await verify(scheme, key, test.fields.hex('msg'), signature);
      return ok ? ACCEPTED : rejectedBecause('signature does not verify');
    },
    policy: () => undefined,
  };
}

const NO_POLICY: AsymPins = { skipped: {}, rejectedByPolicy: {}, acceptableAccepted: 0 };

wycheproofTest(
  '[RFC8422-5.4] [RFC8446-4.2.3] ecdsa_secp256r1_sha256 verification, strict DER',
  signatureDriver('ecdsa_secp256r1_sha256_test.json', SignatureScheme.ecdsa_secp256r1_sha256, 'SHA-256', 'der'),
  NO_POLICY,
);

wycheproofTest(
  '[RFC8446-4.2.3] ecdsa_secp256r1_sha256 verification, P1363 signatures converted to DER',
  signatureDriver('ecdsa_secp256r1_sha256_p1363_test.json', SignatureScheme.ecdsa_secp256r1_sha256, 'SHA-256', 'p1363'),
  NO_POLICY,
);

wycheproofTest(
  '[RFC8422-5.4] [RFC8446-4.2.3] ecdsa_secp384r1_sha384 verification, strict DER',
  signatureDriver('ecdsa_secp384r1_sha384_test.json', SignatureScheme.ecdsa_secp384r1_sha384, 'SHA-384', 'der'),
  NO_POLICY,
);

wycheproofTest(
  '[RFC8446-4.2.3] [RFC8032-5.1.7] ed25519 verification, RFC 8032 strict',
  {
    file: 'ed25519_test.json',
    async check(group, test) {
      const key = PublicKey.fromSpki(group.hex('publicKeyDer'));
      if (!Buffer.from(key.raw).equals(group.object('publicKey').hex('pk'))) {
        throw new Error(`${group.where}: SPKI and pk differ`);
      }
      const ok = await verify(SignatureScheme.ed25519, key, test.fields.hex('msg'), test.fields.hex('sig'));
      return ok ? ACCEPTED : rejectedBecause('signature does not verify');
    },
    policy: () => undefined,
  },
  NO_POLICY,
);
