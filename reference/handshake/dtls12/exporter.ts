/**
 * Keying material exporters and channel bindings for DTLS 1.2: RFC 5705's exporter, and the
 * tls-unique (RFC 5929 §3), tls-server-end-point (RFC 5929 §4) and tls-exporter (RFC 9266)
 * bindings.
 */
import { hashByName } from '../../crypto/hash.ts';
import { prf } from '../../crypto/prf.ts';
import { parseCertificate } from '../../crypto/x509.ts';
import { DtlsError } from '../../errors.ts';
import { suiteInfo } from '../../wire/suites.ts';
import { encode } from '../../wire/writer.ts';
import type { Negotiated } from './context.ts';

const RESERVED_LABELS = ['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret'];

/**
 * RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ context_length + context]).
 * No context (undefined) and an empty context are different inputs, as the RFC says.
 */
export function exportKeyingMaterial(n: Negotiated, label: string, context: Uint8Array | undefined, length: number): Uint8Array {
  if (RESERVED_LABELS.includes(label)) throw DtlsError.internal(`exporter label "${label}" is reserved by RFC 5246 (RFC 5705 §4)`);
  if (!Number.isInteger(length) || length < 1) throw DtlsError.internal(`exporter length must be a positive integer, got ${length}`);
  if (context !== undefined && context.length > 0xffff) throw DtlsError.internal('exporter context is longer than 65535 bytes');
  const info = suiteInfo(n.cipherSuite);
  if (info === undefined || info.tls13) throw DtlsError.internal('exporter needs a DTLS 1.2 suite');
  const seed = encode((w) => {
    w.bytes(n.clientRandom).bytes(n.serverRandom);
    if (context !== undefined) w.opaque(2, context);
  });
  return prf(hashByName(info.prfHash), n.masterSecret, label, seed, length);
}

export type ChannelBindingType = 'tls-unique' | 'tls-server-end-point' | 'tls-exporter';

/** The channel binding data of a completed handshake, or undefined where the type does not apply. */
export function channelBinding(n: Negotiated, type: ChannelBindingType): Uint8Array | undefined {
  switch (type) {
    case 'tls-unique':
      return n.tlsUnique;
    case 'tls-server-end-point':
      return serverEndPoint(n.serverCertificate);
    case 'tls-exporter':
      // RFC 9266 §2: only with extended master secret in TLS 1.2; label EXPORTER-Channel-Binding, 32 bytes.
      return n.extendedMasterSecret ? exportKeyingMaterial(n, 'EXPORTER-Channel-Binding', undefined, 32) : undefined;
  }
}

/**
 * RFC 5929 §4.1: the hash of the server's certificate, with the hash of its signature algorithm,
 * SHA-256 when that is MD5 or SHA-1.
 */
function serverEndPoint(der: Uint8Array | undefined): Uint8Array | undefined {
  if (der === undefined) return undefined;
  const cert = parseCertificate(der);
  const alg = cert.signatureAlgorithm;
  const hash = alg !== undefined && 'hash' in alg && alg.hash === 'SHA-384' ? 'sha384' : 'sha256';
  return hashByName(hash).digest(der);
}
