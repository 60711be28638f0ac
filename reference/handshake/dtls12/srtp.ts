/**
 * DTLS-SRTP (RFC 5764): the use_srtp extension offered and answered, and the SRTP master keys and
 * salts exported from the handshake. DTLS only agrees on a protection profile and an MKI and hands
 * out keying material; protecting RTP/RTCP is the SRTP stack's job.
 *
 *   Client                                  Server
 *   ClientHello + use_srtp(profiles, mki) -->
 *                                     <--   ServerHello + use_srtp(one profile, mki or empty)
 *
 * RFC 5764 §4.2: keying material = PRF exporter("EXTRACTOR-dtls_srtp", no context,
 * 2 * (master_key_len + master_salt_len)), cut into client key, server key, client salt, server salt.
 */
import { DtlsError } from '../../errors.ts';
import { AlertDescription, SrtpProtectionProfile } from '../../wire/enums.ts';
import type { Extension } from '../../wire/extensions.ts';
import type { Negotiated } from './context.ts';
import { exportKeyingMaterial } from './exporter.ts';
import { findExtension } from './state.ts';

/** An SRTP protection profile's master key and master salt lengths, in bytes. */
export interface SrtpProfileInfo {
  readonly name: string;
  readonly masterKeyLength: number;
  readonly masterSaltLength: number;
}

/**
 * The profiles we negotiate: RFC 5764 §4.1.2 (AES-CM: 128-bit key, 112-bit salt) and RFC 7714 §12
 * (AEAD AES-GCM: 128- or 256-bit key, 96-bit salt). The NULL-cipher profiles are left out.
 */
export const SRTP_PROFILES: ReadonlyMap<number, SrtpProfileInfo> = new Map([
  [SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80, { name: 'SRTP_AES128_CM_HMAC_SHA1_80', masterKeyLength: 16, masterSaltLength: 14 }],
  [SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_32, { name: 'SRTP_AES128_CM_HMAC_SHA1_32', masterKeyLength: 16, masterSaltLength: 14 }],
  [SrtpProtectionProfile.SRTP_AEAD_AES_128_GCM, { name: 'SRTP_AEAD_AES_128_GCM', masterKeyLength: 16, masterSaltLength: 12 }],
  [SrtpProtectionProfile.SRTP_AEAD_AES_256_GCM, { name: 'SRTP_AEAD_AES_256_GCM', masterKeyLength: 32, masterSaltLength: 12 }],
]);

/** The RFC 5764 §4.2 exporter label ("EXTRACTOR" for historical reasons). */
export const SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

export interface SrtpConfig {
  /** Client: the profiles offered; server: those accepted. In order of preference; not empty. */
  readonly profiles: readonly number[];
  /** Client: the MKI it will put in its SRTP packets, 0..255 bytes (default none). */
  readonly mki?: Uint8Array;
  /** Server: echo the client's MKI (we will use it) rather than answer with an empty one. Default true. */
  readonly acceptMki?: boolean;
}

export interface ResolvedSrtpConfig {
  readonly profiles: readonly number[];
  readonly mki: Uint8Array;
  readonly acceptMki: boolean;
}

/** What use_srtp settled: the profile, and the MKI both sides use (empty: none). */
export interface SrtpNegotiated {
  readonly profile: number;
  readonly mki: Uint8Array;
}

/** RFC 5764 §4.2: the SRTP master keys and salts of both directions. */
export interface SrtpKeyingMaterial {
  readonly profile: number;
  readonly mki: Uint8Array;
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly clientWriteSalt: Uint8Array;
  readonly serverWriteSalt: Uint8Array;
}

function invalid(field: string, problem: string): DtlsError {
  return DtlsError.internal(`configuration: ${field} ${problem}`);
}

/** Checks the `srtp` setting; errors name the field. */
export function resolveSrtpConfig(srtp: SrtpConfig | undefined): ResolvedSrtpConfig | undefined {
  if (srtp === undefined) return undefined;
  const profiles = [...srtp.profiles];
  if (profiles.length === 0) throw invalid('srtp.profiles', 'must not be empty');
  for (const p of profiles) {
    if (!SRTP_PROFILES.has(p)) {
      throw invalid('srtp.profiles', `has ${SrtpProtectionProfile.nameOf(p)}; supported: ${[...SRTP_PROFILES.values()].map((i) => i.name).join(', ')}`);
    }
  }
  if (new Set(profiles).size !== profiles.length) throw invalid('srtp.profiles', 'lists a profile twice');
  const mki = srtp.mki ?? new Uint8Array(0);
  if (!(mki instanceof Uint8Array) || mki.length > 255) throw invalid('srtp.mki', 'must be a Uint8Array of 0..255 bytes (RFC 5764 §4.1.1)');
  return { profiles, mki: mki.slice(), acceptMki: srtp.acceptMki ?? true };
}

/** Client: the use_srtp extension of our ClientHello, if we want SRTP. */
export function srtpOffer(srtp: ResolvedSrtpConfig | undefined): Extension[] {
  if (srtp === undefined) return [];
  return [{ kind: 'use_srtp', srtpProtectionProfiles: [...srtp.profiles], srtpMki: srtp.mki }];
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Client: the server's use_srtp answer checked against our offer (the engine already refused an
 * answer to an extension we did not send). RFC 5764 §4.1.1: exactly one profile, one we offered;
 * §4.1.3: its MKI is ours or empty, anything else aborts with illegal_parameter.
 */
export function srtpFromServerHello(srtp: ResolvedSrtpConfig | undefined, extensions: readonly Extension[] | undefined): SrtpNegotiated | undefined {
  const answer = findExtension(extensions, 'use_srtp');
  if (answer === undefined || srtp === undefined) return undefined;
  const chosen = answer.srtpProtectionProfiles;
  if (chosen.length !== 1 || !srtp.profiles.includes(chosen[0])) {
    const names = chosen.map((p) => SrtpProtectionProfile.nameOf(p)).join(', ');
    throw DtlsError.misbehaved(AlertDescription.illegal_parameter, `the server's use_srtp must select one profile we offered (RFC 5764 §4.1.1), got ${names || 'none'}`);
  }
  if (answer.srtpMki.length > 0 && !sameBytes(answer.srtpMki, srtp.mki)) {
    throw DtlsError.misbehaved(AlertDescription.illegal_parameter, 'the server\'s use_srtp carries an MKI we did not offer (RFC 5764 §4.1.3)');
  }
  return { profile: chosen[0], mki: answer.srtpMki.slice() };
}

/**
 * Server: our first profile the client offers, with its MKI echoed (or refused with an empty one).
 * RFC 5764 §4.1.1: no profile in common means no use_srtp in the answer, and the handshake goes on.
 */
export function chooseSrtp(srtp: ResolvedSrtpConfig | undefined, clientExtensions: readonly Extension[] | undefined): SrtpNegotiated | undefined {
  const offer = findExtension(clientExtensions, 'use_srtp');
  if (offer === undefined || srtp === undefined) return undefined;
  const profile = srtp.profiles.find((p) => offer.srtpProtectionProfiles.includes(p));
  if (profile === undefined) return undefined;
  return { profile, mki: srtp.acceptMki ? offer.srtpMki.slice() : new Uint8Array(0) };
}

/** Server: the use_srtp extension of our ServerHello, when one was agreed. */
export function srtpAnswer(negotiated: SrtpNegotiated | undefined): Extension[] {
  if (negotiated === undefined) return [];
  return [{ kind: 'use_srtp', srtpProtectionProfiles: [negotiated.profile], srtpMki: negotiated.mki }];
}

/**
 * RFC 5764 §4.2: 2 * (key + salt) bytes from the exporter with no context, in the order
 * client_write_SRTP_master_key, server_write_SRTP_master_key, client salt, server salt.
 * Undefined when use_srtp was not negotiated.
 */
export function srtpKeyingMaterial(n: Negotiated): SrtpKeyingMaterial | undefined {
  if (n.srtp === undefined) return undefined;
  const info = SRTP_PROFILES.get(n.srtp.profile);
  if (info === undefined) throw DtlsError.internal(`no key lengths for SRTP profile ${SrtpProtectionProfile.nameOf(n.srtp.profile)}`);
  const keyLength = info.masterKeyLength;
  const saltLength = info.masterSaltLength;
  const block = exportKeyingMaterial(n, SRTP_EXPORTER_LABEL, undefined, 2 * (keyLength + saltLength));
  let at = 0;
  const take = (length: number): Uint8Array => block.slice(at, (at += length));
  return {
    profile: n.srtp.profile,
    mki: n.srtp.mki,
    clientWriteKey: take(keyLength),
    serverWriteKey: take(keyLength),
    clientWriteSalt: take(saltLength),
    serverWriteSalt: take(saltLength),
  };
}
