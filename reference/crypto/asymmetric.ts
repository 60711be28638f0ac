/**
 * The asymmetric half of reference/crypto, as index.ts re-exports it: ECDHE, signatures, keys,
 * X.509. An explicit list, so that helpers internal to crypto/ (`_secretOf`, asn1.ts) stay internal.
 */
export { CryptoError, type CryptoErrorCode } from './errors.ts';
export {
  NamedGroup,
  type EcdheGroup,
  type KeyShare,
  computeSharedSecret,
  ecdheGroupName,
  generateKeyShare,
  isEcdheGroup,
  keyShareFromPrivateKey,
  privateKeyLength,
  publicValueLength,
  validatePublicValue,
} from './ecdh.ts';
export { PrivateKey } from './private-key.ts';
export { type KeyAlgorithm, PublicKey, rsaPublicNumbers } from './public-key.ts';
export { type PemBlock, pemDecode, pemDecodeAll, pemEncode } from './pem.ts';
export {
  type SchemeOptions,
  type SignatureAlgorithm,
  type SignatureHash,
  SignatureScheme,
  type SignatureSchemeCode,
  decodeEcdsaSignature,
  ecdsaDerToP1363,
  ecdsaP1363ToDer,
  encodeEcdsaSignature,
  isSignatureScheme,
  schemeMatchesKey,
  sign,
  signWithAlgorithm,
  signatureAlgorithmOf,
  signatureSchemeName,
  verify,
  verifyWithAlgorithm,
} from './signature.ts';
export {
  type Certificate,
  type CertificateExtension,
  certificateToPem,
  parseCertificate,
  parseCertificateChain,
  publicKeyFromCertificate,
  verifySignedBy,
} from './x509.ts';
export {
  type CertificateRequest,
  type CertificateSigner,
  DEFAULT_NOT_AFTER,
  DEFAULT_NOT_BEFORE,
  type KeyAndCertificate,
  createCertificate,
  createTestPki,
  defaultSignatureAlgorithm,
} from './x509-create.ts';
