/**
 * fast-check arbitraries for valid values of the messages in reference/wire/messages12.ts,
 * key-exchange.ts and alert.ts, and the cases pairing them with their codecs. Values mostly use
 * known code points and realistic sizes, and sometimes any value the field can hold.
 */
import fc from 'fast-check';
import type { Alert, ChangeCipherSpec } from '../../../reference/wire/alert.ts';
import {
  AlertDescription,
  AlertLevel,
  ClientCertificateType,
  KeyUpdateRequest,
  NamedGroup,
  ProtocolVersion,
  SignatureScheme,
} from '../../../reference/wire/enums.ts';
import type {
  ClientKeyExchangeByKind,
  ClientKeyExchangeKind,
  ServerDHParams,
  ServerECDHParams,
  ServerKeyExchangeByKind,
  ServerKeyExchangeKind,
} from '../../../reference/wire/key-exchange.ts';
import type {
  Certificate,
  CertificateRequest,
  DigitallySigned,
  EmptyMessage,
  Finished,
  HelloVerifyRequest,
  KeyUpdate,
  NewSessionTicket,
} from '../../../reference/wire/messages12.ts';
import {
  CLIENT_KEY_EXCHANGE_KINDS,
  SERVER_KEY_EXCHANGE_KINDS,
  alertCodec,
  certificateCodec,
  certificateRequestCodec,
  certificateVerifyCodec,
  changeCipherSpecCodec,
  clientKeyExchangeCodec,
  endOfEarlyDataCodec,
  finishedCodec,
  helloRequestCodec,
  helloVerifyRequestCodec,
  keyUpdateCodec,
  newSessionTicketCodec,
  serverHelloDoneCodec,
  serverKeyExchangeCodec,
} from '../../../reference/wire/registry12.ts';
import type { WireCase } from './case.ts';

/** Plain objects, so values compare equal to what the readers build (fast-check 4 defaults to null prototypes). */
const NO_NULL_PROTO = { noNullPrototype: true };

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;

/** Mostly one of `known`, sometimes any value up to `max`. */
function openValue(known: readonly number[], max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max }), weight: 1 },
  );
}

/** Byte strings of `minLength..maxLength`, usually short. */
function bytes(minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ minLength, maxLength: Math.max(minLength, Math.min(maxLength, 40)) }), weight: 5 },
    { arbitrary: fc.uint8Array({ minLength, maxLength }), weight: 1 },
  );
}

const emptyMessage: fc.Arbitrary<EmptyMessage> = fc.constant({});

export const arbHelloRequest: fc.Arbitrary<EmptyMessage> = emptyMessage;
export const arbServerHelloDone: fc.Arbitrary<EmptyMessage> = emptyMessage;
export const arbEndOfEarlyData: fc.Arbitrary<EmptyMessage> = emptyMessage;

export const arbHelloVerifyRequest: fc.Arbitrary<HelloVerifyRequest> = fc.record({
  serverVersion: openValue([ProtocolVersion.DTLSv1_0, ProtocolVersion.DTLSv1_2], U16),
  cookie: bytes(0, U8),
}, NO_NULL_PROTO);

/** A certificate-sized DER blob: the codec keeps certificates opaque, so any non-empty bytes do. */
const arbDer: fc.Arbitrary<Uint8Array> = bytes(1, 600);

export const arbCertificate: fc.Arbitrary<Certificate> = fc.record({
  certificateList: fc.array(arbDer, { maxLength: 4 }),
}, NO_NULL_PROTO);

export const arbCertificateRequest: fc.Arbitrary<CertificateRequest> = fc.record({
  certificateTypes: fc.array(openValue(ClientCertificateType.known, U8), { minLength: 1, maxLength: 8 }),
  supportedSignatureAlgorithms: fc.array(openValue(SignatureScheme.known, U16), { minLength: 1, maxLength: 24 }),
  certificateAuthorities: fc.array(bytes(1, 200), { maxLength: 4 }),
}, NO_NULL_PROTO);

export const arbDigitallySigned: fc.Arbitrary<DigitallySigned> = fc.record({
  algorithm: openValue(SignatureScheme.known, U16),
  signature: bytes(0, 600),
}, NO_NULL_PROTO);

/** CertificateVerify is a DigitallySigned (DTLS 1.2 and 1.3 alike). */
export const arbCertificateVerify: fc.Arbitrary<DigitallySigned> = arbDigitallySigned;

export const arbFinished: fc.Arbitrary<Finished> = fc.record({
  verifyData: fc.oneof(
    { arbitrary: fc.uint8Array({ minLength: 12, maxLength: 12 }), weight: 4 },
    { arbitrary: fc.constantFrom(32, 48).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
  ),
}, NO_NULL_PROTO);

export const arbNewSessionTicket: fc.Arbitrary<NewSessionTicket> = fc.record({
  ticketLifetimeHint: fc.oneof(fc.constantFrom(0, 300, 7200, 604800), fc.integer({ min: 0, max: U32 })),
  ticket: bytes(0, 1000),
}, NO_NULL_PROTO);

export const arbKeyUpdate: fc.Arbitrary<KeyUpdate> = fc.record({
  requestUpdate: openValue(KeyUpdateRequest.known, U8),
}, NO_NULL_PROTO);

export const arbChangeCipherSpec: fc.Arbitrary<ChangeCipherSpec> = fc.record({
  type: fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: U8 }), weight: 1 }),
}, NO_NULL_PROTO);

export const arbAlert: fc.Arbitrary<Alert> = fc.record({
  level: openValue(AlertLevel.known, U8),
  description: openValue(AlertDescription.known, U8),
}, NO_NULL_PROTO);

/** An EC point: x25519 (32), P-256 (65), P-384 (97) sizes mostly; any 1..255 bytes sometimes. */
const arbECPoint: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(32, 65, 97).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), weight: 3 },
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: U8 }), weight: 1 },
);

/** Readable ServerECDHParams: curve_type is named_curve, the only one RFC 8422 §5.4 leaves. */
export const arbServerECDHParams: fc.Arbitrary<ServerECDHParams> = fc.record({
  curveType: fc.constant(3),
  namedCurve: openValue(NamedGroup.known, U16),
  public: arbECPoint,
}, NO_NULL_PROTO);

export const arbServerDHParams: fc.Arbitrary<ServerDHParams> = fc.record({
  dhP: bytes(1, 512),
  dhG: bytes(1, 4),
  dhYs: bytes(1, 512),
}, NO_NULL_PROTO);

const arbPskIdentity: fc.Arbitrary<Uint8Array> = bytes(0, 300);

export const arbServerKeyExchange: { [K in ServerKeyExchangeKind]: fc.Arbitrary<ServerKeyExchangeByKind[K]> } = {
  ecdhe: fc.record({
    keyExchange: fc.constant('ecdhe' as const),
    params: arbServerECDHParams,
    signedParams: arbDigitallySigned,
  }, NO_NULL_PROTO),
  dhe: fc.record({
    keyExchange: fc.constant('dhe' as const),
    params: arbServerDHParams,
    signedParams: arbDigitallySigned,
  }, NO_NULL_PROTO),
  psk: fc.record({ keyExchange: fc.constant('psk' as const), pskIdentityHint: arbPskIdentity }, NO_NULL_PROTO),
  ecdhe_psk: fc.record({
    keyExchange: fc.constant('ecdhe_psk' as const),
    pskIdentityHint: arbPskIdentity,
    params: arbServerECDHParams,
  }, NO_NULL_PROTO),
};

export const arbClientKeyExchange: { [K in ClientKeyExchangeKind]: fc.Arbitrary<ClientKeyExchangeByKind[K]> } = {
  ecdhe: fc.record({ keyExchange: fc.constant('ecdhe' as const), ecdhYc: arbECPoint }, NO_NULL_PROTO),
  dhe: fc.record({ keyExchange: fc.constant('dhe' as const), dhYc: bytes(1, 512) }, NO_NULL_PROTO),
  psk: fc.record({ keyExchange: fc.constant('psk' as const), pskIdentity: arbPskIdentity }, NO_NULL_PROTO),
  ecdhe_psk: fc.record({
    keyExchange: fc.constant('ecdhe_psk' as const),
    pskIdentity: arbPskIdentity,
    ecdhYc: arbECPoint,
  }, NO_NULL_PROTO),
  rsa: fc.record({
    keyExchange: fc.constant('rsa' as const),
    encryptedPreMasterSecret: fc.oneof(
      fc.constantFrom(128, 256, 384, 512).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
      bytes(0, 600),
    ),
  }, NO_NULL_PROTO),
};

function wireCase<T>(codec: WireCase<T>['codec'], arbitrary: fc.Arbitrary<T>): WireCase<unknown> {
  return { codec, arbitrary };
}

/** Every codec of registry12.ts with an arbitrary for its valid values. */
export const messages12Cases: WireCase<unknown>[] = [
  wireCase(helloRequestCodec, arbHelloRequest),
  wireCase(helloVerifyRequestCodec, arbHelloVerifyRequest),
  wireCase(certificateCodec, arbCertificate),
  ...SERVER_KEY_EXCHANGE_KINDS.map((k) => wireCase(serverKeyExchangeCodec(k), arbServerKeyExchange[k])),
  wireCase(certificateRequestCodec, arbCertificateRequest),
  wireCase(serverHelloDoneCodec, arbServerHelloDone),
  wireCase(certificateVerifyCodec, arbCertificateVerify),
  ...CLIENT_KEY_EXCHANGE_KINDS.map((k) => wireCase(clientKeyExchangeCodec(k), arbClientKeyExchange[k])),
  wireCase(finishedCodec, arbFinished),
  wireCase(newSessionTicketCodec, arbNewSessionTicket),
  wireCase(keyUpdateCodec, arbKeyUpdate),
  wireCase(endOfEarlyDataCodec, arbEndOfEarlyData),
  wireCase(changeCipherSpecCodec, arbChangeCipherSpec),
  wireCase(alertCodec, arbAlert),
];
