/** The code points DTLS uses, as open enums (IANA TLS registries; names as IANA spells them). */
import { openEnum } from './open-enum.ts';

/** RFC 6347 §4.1, RFC 9147 §4, RFC 9146 §4 (tls12_cid). */
export const ContentType = openEnum('ContentType', 1, {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
  tls12_cid: 25,
  ack: 26,
});

/** RFC 6347 §4.3.2, RFC 8446 §4, RFC 9147 §5. */
export const HandshakeType = openEnum('HandshakeType', 1, {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  end_of_early_data: 5,
  hello_retry_request: 6,
  encrypted_extensions: 8,
  request_connection_id: 9,
  new_connection_id: 10,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_url: 21,
  certificate_status: 22,
  supplemental_data: 23,
  key_update: 24,
  message_hash: 254,
});

/** RFC 5246 §7.2. */
export const AlertLevel = openEnum('AlertLevel', 1, { warning: 1, fatal: 2 });

/** RFC 5246 §7.2, RFC 8446 §6, and later registrations. */
export const AlertDescription = openEnum('AlertDescription', 1, {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  too_many_cids_requested: 52,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
});

/** Wire versions: DTLS is the one's complement of TLS's (RFC 6347 §4.1). */
export const ProtocolVersion = openEnum('ProtocolVersion', 2, {
  SSLv3: 0x0300,
  TLSv1_0: 0x0301,
  TLSv1_1: 0x0302,
  TLSv1_2: 0x0303,
  TLSv1_3: 0x0304,
  DTLSv1_0: 0xfeff,
  DTLSv1_2: 0xfefd,
  DTLSv1_3: 0xfefc,
});

/** TLS Cipher Suites registry (the ones DTLS stacks offer, plus signalling values). */
export const CipherSuite = openEnum('CipherSuite', 2, {
  TLS_NULL_WITH_NULL_NULL: 0x0000,
  TLS_RSA_WITH_AES_128_CBC_SHA: 0x002f,
  TLS_RSA_WITH_AES_256_CBC_SHA: 0x0035,
  TLS_RSA_WITH_AES_128_CBC_SHA256: 0x003c,
  TLS_RSA_WITH_AES_256_CBC_SHA256: 0x003d,
  TLS_PSK_WITH_AES_128_CBC_SHA: 0x008c,
  TLS_PSK_WITH_AES_256_CBC_SHA: 0x008d,
  TLS_RSA_WITH_AES_128_GCM_SHA256: 0x009c,
  TLS_RSA_WITH_AES_256_GCM_SHA384: 0x009d,
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 0x009e,
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 0x009f,
  TLS_PSK_WITH_AES_128_GCM_SHA256: 0x00a8,
  TLS_PSK_WITH_AES_256_GCM_SHA384: 0x00a9,
  TLS_PSK_WITH_AES_128_CBC_SHA256: 0x00ae,
  TLS_PSK_WITH_AES_256_CBC_SHA384: 0x00af,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
  TLS_AES_128_CCM_8_SHA256: 0x1305,
  TLS_FALLBACK_SCSV: 0x5600,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 0xc009,
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 0xc00a,
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 0xc013,
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 0xc014,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 0xc023,
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 0xc024,
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 0xc027,
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 0xc028,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA: 0xc035,
  TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA: 0xc036,
  TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256: 0xc037,
  TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384: 0xc038,
  TLS_RSA_WITH_AES_128_CCM: 0xc09c,
  TLS_RSA_WITH_AES_256_CCM: 0xc09d,
  TLS_RSA_WITH_AES_128_CCM_8: 0xc0a0,
  TLS_RSA_WITH_AES_256_CCM_8: 0xc0a1,
  TLS_PSK_WITH_AES_128_CCM: 0xc0a4,
  TLS_PSK_WITH_AES_256_CCM: 0xc0a5,
  TLS_PSK_WITH_AES_128_CCM_8: 0xc0a8,
  TLS_PSK_WITH_AES_256_CCM_8: 0xc0a9,
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM: 0xc0ac,
  TLS_ECDHE_ECDSA_WITH_AES_256_CCM: 0xc0ad,
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: 0xc0ae,
  TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8: 0xc0af,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xccaa,
  TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccab,
  TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccac,
  TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256: 0xd001,
  TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384: 0xd002,
  TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256: 0xd003,
  TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256: 0xd005,
});

/** TLS ExtensionType Values registry. */
export const ExtensionType = openEnum('ExtensionType', 2, {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  compress_certificate: 27,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  connection_id_deprecated: 53,
  connection_id: 54,
  renegotiation_info: 0xff01,
});

/** TLS Supported Groups registry (RFC 8422, RFC 8446, RFC 7919). */
export const NamedGroup = openEnum('NamedGroup', 2, {
  sect571r1: 14,
  secp256k1: 22,
  secp256r1: 23,
  secp384r1: 24,
  secp521r1: 25,
  x25519: 29,
  x448: 30,
  ffdhe2048: 256,
  ffdhe3072: 257,
  ffdhe4096: 258,
  X25519MLKEM768: 0x11ec,
});

/** TLS SignatureScheme registry (RFC 8446 §4.2.3). */
export const SignatureScheme = openEnum('SignatureScheme', 2, {
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
  rsa_pkcs1_sha256: 0x0401,
  ecdsa_secp256r1_sha256: 0x0403,
  rsa_pkcs1_sha384: 0x0501,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
});

/** RFC 8422 §5.1.2. */
export const ECPointFormat = openEnum('ECPointFormat', 1, {
  uncompressed: 0,
  ansiX962_compressed_prime: 1,
  ansiX962_compressed_char2: 2,
});

/** RFC 8422 §5.4. */
export const ECCurveType = openEnum('ECCurveType', 1, { explicit_prime: 1, explicit_char2: 2, named_curve: 3 });

/** RFC 5246 §7.4.4 / RFC 8422 §5.5: certificate types in CertificateRequest. */
export const ClientCertificateType = openEnum('ClientCertificateType', 1, {
  rsa_sign: 1,
  dss_sign: 2,
  rsa_fixed_dh: 3,
  dss_fixed_dh: 4,
  ecdsa_sign: 64,
  rsa_fixed_ecdh: 65,
  ecdsa_fixed_ecdh: 66,
});

/** RFC 5764 §4.1.2. */
export const SrtpProtectionProfile = openEnum('SrtpProtectionProfile', 2, {
  SRTP_AES128_CM_HMAC_SHA1_80: 0x0001,
  SRTP_AES128_CM_HMAC_SHA1_32: 0x0002,
  SRTP_NULL_HMAC_SHA1_80: 0x0005,
  SRTP_NULL_HMAC_SHA1_32: 0x0006,
  SRTP_AEAD_AES_128_GCM: 0x0007,
  SRTP_AEAD_AES_256_GCM: 0x0008,
});

/** RFC 8446 §4.2.9. */
export const PskKeyExchangeMode = openEnum('PskKeyExchangeMode', 1, { psk_ke: 0, psk_dhe_ke: 1 });

/** RFC 8446 §4.6.3. */
export const KeyUpdateRequest = openEnum('KeyUpdateRequest', 1, { update_not_requested: 0, update_requested: 1 });

/** RFC 6066 §3. */
export const NameType = openEnum('NameType', 1, { host_name: 0 });

/** RFC 6066 §4. */
export const MaxFragmentLength = openEnum('MaxFragmentLength', 1, { '2^9': 1, '2^10': 2, '2^11': 3, '2^12': 4 });

/** RFC 8446 §4.4.2: certificate entry types. */
export const CertificateType = openEnum('CertificateType', 1, { X509: 0, RawPublicKey: 2 });
