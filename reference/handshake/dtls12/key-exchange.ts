/**
 * ECDHE with signed parameters (RFC 8422 §5.4, §5.10): what the server signs, how a scheme is
 * chosen for a key, and the checks on the peer's share and signature, each with its alert.
 */
import { computeSharedSecret, generateKeyShare, isEcdheGroup, type KeyShare } from '../../crypto/ecdh.ts';
import { CryptoError } from '../../crypto/errors.ts';
import type { PrivateKey } from '../../crypto/private-key.ts';
import type { PublicKey } from '../../crypto/public-key.ts';
import type { RandomSource } from '../../crypto/random.ts';
import { schemeMatchesKey } from '../../crypto/signature.ts';
import { signSync, verifySync } from '../../crypto/signature-sync.ts';
import { DtlsError } from '../../errors.ts';
import { AlertDescription, ECCurveType, NamedGroup, SignatureScheme } from '../../wire/enums.ts';
import type { ServerECDHParams } from '../../wire/key-exchange.ts';
import { encode } from '../../wire/writer.ts';

/** RFC 8422 §5.4: the bytes of ServerECDHParams, as signed. */
export function ecdhParamsBytes(p: ServerECDHParams): Uint8Array {
  return encode((w) => w.u8(p.curveType).u16(p.namedCurve).opaque(1, p.public));
}

/** RFC 8422 §5.4: ClientHello.random + ServerHello.random + ServerECDHParams. */
export function signedParamsInput(clientRandom: Uint8Array, serverRandom: Uint8Array, p: ServerECDHParams): Uint8Array {
  return encode((w) => w.bytes(clientRandom).bytes(serverRandom).bytes(ecdhParamsBytes(p)));
}

export function newKeyShare(group: number, random: RandomSource): KeyShare {
  if (!isEcdheGroup(group)) throw DtlsError.internal(`group ${NamedGroup.nameOf(group)} is not supported`);
  return generateKeyShare(group, random);
}

/** The premaster secret from our share and the peer's public value; a bad value is illegal_parameter. */
export function sharedSecret(share: KeyShare, peerPublic: Uint8Array): Uint8Array {
  try {
    return computeSharedSecret(share.group, share.privateKey, peerPublic);
  } catch (e) {
    if (e instanceof CryptoError) {
      throw DtlsError.misbehaved(AlertDescription.illegal_parameter, `the peer's ECDHE public value is invalid: ${e.message}`);
    }
    throw e;
  }
}

/** The first of our schemes that the peer accepts and our key can make (TLS 1.2 reading of ecdsa_*). */
export function chooseScheme(key: PrivateKey, ours: readonly number[], theirs: readonly number[] | undefined): number | undefined {
  const acceptable = theirs ?? [SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pkcs1_sha256];
  return ours.find((s) => acceptable.includes(s) && schemeMatchesKey(s, key.algorithm, { anyCurve: true }));
}

export function signParams(scheme: number, key: PrivateKey, input: Uint8Array): Uint8Array {
  return signSync(scheme, key, input, { anyCurve: true });
}

/**
 * Checks a peer's signature (ServerKeyExchange, CertificateVerify): a scheme we did not offer or
 * its key cannot make is illegal_parameter; a signature that does not verify is decrypt_error
 * (RFC 5246 §7.2.2).
 */
export function checkSignature(scheme: number, ours: readonly number[], key: PublicKey, input: Uint8Array, signature: Uint8Array, what: string): void {
  if (!ours.includes(scheme) || !schemeMatchesKey(scheme, key.algorithm, { anyCurve: true })) {
    throw DtlsError.misbehaved(
      AlertDescription.illegal_parameter,
      `the ${what} is signed with ${SignatureScheme.nameOf(scheme)}, which we did not offer or its key cannot make`,
    );
  }
  if (!verifySync(scheme, key, input, signature, { anyCurve: true })) {
    throw DtlsError.misbehaved(AlertDescription.decrypt_error, `the ${what} signature does not verify`);
  }
}

export const NAMED_CURVE = ECCurveType.named_curve;
