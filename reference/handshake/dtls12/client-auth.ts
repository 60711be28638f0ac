/**
 * Certificates and what they must fit, for the certificate key exchanges of DTLS 1.2:
 * - the server's certificate against the suite it chose (RFC 5246 §7.4.2, RFC 8422 §5.3);
 * - client authentication (RFC 5246 §7.4.4, §7.4.6, §7.4.8): what the server asks for in its
 *   CertificateRequest, which certificate and signature scheme the client answers with, and the
 *   server's check that the client's certificate is of a type it asked for.
 *
 * Certificate types by key, TLS 1.2 style: rsa_sign for RSA keys (RFC 5246 §7.4.4), ecdsa_sign for
 * ECDSA keys and for Ed25519 keys too (RFC 8422 §5.5).
 */
import type { KeyAlgorithm, PublicKey } from '../../crypto/public-key.ts';
import { schemeMatchesKey } from '../../crypto/signature.ts';
import { DtlsError } from '../../errors.ts';
import { AlertDescription, CipherSuite, ClientCertificateType } from '../../wire/enums.ts';
import type { CertificateRequest } from '../../wire/messages12.ts';
import { suiteInfo } from '../../wire/suites.ts';
import type { Credentials, ResolvedConfig } from './config.ts';
import { chooseScheme } from './key-exchange.ts';

/** The ClientCertificateType a key signs as (RFC 5246 §7.4.4, RFC 8422 §5.5). */
export function certificateTypeOf(key: KeyAlgorithm): number {
  return key === 'RSA' ? ClientCertificateType.rsa_sign : ClientCertificateType.ecdsa_sign;
}

/**
 * RFC 5246 §7.4.2, RFC 8422 §5.3: the server's key must be of the kind its suite authenticates
 * with: RSA for ECDHE_RSA, ECDSA or EdDSA for ECDHE_ECDSA. Anything else is unsupported_certificate.
 */
export function checkServerCertificateFitsSuite(cipherSuite: number, key: PublicKey): void {
  const authentication = suiteInfo(cipherSuite)?.authentication;
  const wanted = authentication === 'rsa' ? ClientCertificateType.rsa_sign : authentication === 'ecdsa' ? ClientCertificateType.ecdsa_sign : undefined;
  if (wanted !== undefined && certificateTypeOf(key.algorithm) !== wanted) {
    throw DtlsError.misbehaved(
      AlertDescription.unsupported_certificate,
      `the server's ${key.algorithm} certificate cannot authenticate ${CipherSuite.nameOf(cipherSuite)} (RFC 5246 §7.4.2)`,
    );
  }
}

/**
 * RFC 5246 §7.4.4: the server's CertificateRequest. It asks for the certificate types it can check
 * a CertificateVerify from, lists the signature schemes it accepts (ours), and names the CAs it
 * trusts (DER distinguished names; an empty list leaves the choice to the client).
 */
export function certificateRequest(config: ResolvedConfig): CertificateRequest {
  const types = [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign].filter((type) =>
    keysOfType(type).some((key) => config.signatureSchemes.some((s) => schemeMatchesKey(s, key, { anyCurve: true }))),
  );
  return {
    certificateTypes: types.length > 0 ? types : [ClientCertificateType.ecdsa_sign],
    supportedSignatureAlgorithms: [...config.signatureSchemes],
    certificateAuthorities: [...config.certificateAuthorities],
  };
}

/** The key algorithms that sign as `type`. */
function keysOfType(type: number): readonly KeyAlgorithm[] {
  return type === ClientCertificateType.rsa_sign ? ['RSA'] : ['P-256', 'P-384', 'Ed25519'];
}

/** The client's answer to a CertificateRequest: its chain and the scheme its CertificateVerify uses. */
export interface ClientCertificateChoice {
  readonly credentials: Credentials;
  readonly scheme: number;
}

/**
 * RFC 5246 §7.4.6: the client sends its certificate only when the key is of a type the server
 * listed in certificate_types and a scheme we have is in supported_signature_algorithms (§7.4.8);
 * otherwise it answers with an empty Certificate. certificate_authorities is left to whoever set
 * the certificate (it is reported with the certificate-requested action).
 */
export function chooseClientCertificate(config: ResolvedConfig, request: CertificateRequest): ClientCertificateChoice | undefined {
  const own = config.certificate;
  if (own === undefined) return undefined;
  if (!request.certificateTypes.includes(certificateTypeOf(own.privateKey.algorithm))) return undefined;
  const scheme = chooseScheme(own.privateKey, config.signatureSchemes, request.supportedSignatureAlgorithms);
  return scheme === undefined ? undefined : { credentials: own, scheme };
}

/**
 * Server: the client's certificate must be of a type our CertificateRequest listed (RFC 5246
 * §7.4.6); one that is not is unsupported_certificate (RFC 5246 §7.2.2).
 */
export function checkClientCertificateType(config: ResolvedConfig, key: PublicKey): void {
  if (!certificateRequest(config).certificateTypes.includes(certificateTypeOf(key.algorithm))) {
    throw DtlsError.misbehaved(AlertDescription.unsupported_certificate, `the client's ${key.algorithm} certificate is of a type we did not ask for`);
  }
}
