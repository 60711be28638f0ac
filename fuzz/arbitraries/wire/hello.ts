/**
 * fast-check arbitraries for valid ClientHello, ServerHello / HelloRetryRequest and the DTLS 1.3
 * messages with extensions (reference/wire/hello.ts, tls13-messages.ts), and the cases pairing
 * them with their codecs. `helloCases` mirrors `helloCodecs`: the messages, then `extensionCases`.
 */
import fc from 'fast-check';
import { CipherSuite, ProtocolVersion } from '../../../reference/wire/enums.ts';
import { type ClientHello, HELLO_RETRY_REQUEST_RANDOM, type ServerHello } from '../../../reference/wire/hello.ts';
import {
  certificate13Codec,
  certificateRequest13Codec,
  clientHelloCodec,
  encryptedExtensionsCodec,
  newSessionTicket13Codec,
  serverHelloCodec,
} from '../../../reference/wire/registry-hello.ts';
import type {
  Certificate13,
  CertificateEntry13,
  CertificateRequest13,
  EncryptedExtensions,
  NewSessionTicket13,
} from '../../../reference/wire/tls13-messages.ts';
import type { WireCase } from './case.ts';
import { arbExtension, arbExtensions, bytes, exactly, extensionCases, mostly, openValue } from './extensions.ts';

const EMPTY = fc.constant(new Uint8Array(0));

const U16 = 0xffff;
const U32 = 0xffffffff;

const arbHelloVersion = openValue([ProtocolVersion.DTLSv1_2, ProtocolVersion.DTLSv1_0], U16);
const arbRandom = fc.uint8Array({ minLength: 32, maxLength: 32 });
const arbSessionId = fc.oneof(EMPTY, exactly(32), fc.uint8Array({ maxLength: 32 }));
const arbCipherSuite = openValue(CipherSuite.known, U16);
const arbCookie = fc.oneof(
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 2 },
  { arbitrary: fc.uint8Array({ minLength: 20, maxLength: 32 }), weight: 2 },
  { arbitrary: bytes(0, 255), weight: 1 },
);
const arbCompressionMethods = mostly(
  fc.constant(0).map((m) => [m]),
  fc.array(fc.integer({ min: 0, max: 0xff }), { minLength: 1, maxLength: 4 }),
);

/** The extension block is absent sometimes, which is not the same bytes as an empty one. */
function optionalBlock<T>(block: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: block, weight: 5 }, { arbitrary: fc.constant(undefined), weight: 1 });
}

export const arbClientHello: fc.Arbitrary<ClientHello> = fc
  .tuple(
    arbHelloVersion,
    arbRandom,
    arbSessionId,
    arbCookie,
    fc.array(arbCipherSuite, { minLength: 1, maxLength: 20 }),
    arbCompressionMethods,
    optionalBlock(arbExtensions('client_hello')),
  )
  .map(([legacyVersion, random, sessionId, cookie, cipherSuites, compressionMethods, extensions]) => ({
    legacyVersion,
    random,
    sessionId,
    cookie,
    cipherSuites,
    compressionMethods,
    extensions,
  }));

function arbServerHelloWith(random: fc.Arbitrary<Uint8Array>, ctx: 'server_hello' | 'hello_retry_request'): fc.Arbitrary<ServerHello> {
  return fc
    .tuple(
      arbHelloVersion,
      random,
      arbSessionId,
      arbCipherSuite,
      fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 0xff }), weight: 1 }),
      optionalBlock(arbExtensions(ctx)),
    )
    .map(([legacyVersion, r, sessionId, cipherSuite, compressionMethod, extensions]) => ({
      legacyVersion,
      random: r,
      sessionId,
      cipherSuite,
      compressionMethod,
      extensions,
    }));
}

/** A HelloRetryRequest: the special random, extensions of the `hello_retry_request` context. */
export const arbHelloRetryRequest: fc.Arbitrary<ServerHello> = arbServerHelloWith(
  fc.constant(HELLO_RETRY_REQUEST_RANDOM).map((r) => r.slice()),
  'hello_retry_request',
);

/** A ServerHello, sometimes a HelloRetryRequest. */
export const arbServerHello: fc.Arbitrary<ServerHello> = fc.oneof(
  { arbitrary: arbServerHelloWith(arbRandom, 'server_hello'), weight: 3 },
  { arbitrary: arbHelloRetryRequest, weight: 1 },
);

export const arbEncryptedExtensions: fc.Arbitrary<EncryptedExtensions> = arbExtensions('encrypted_extensions').map((extensions) => ({
  extensions,
}));

const arbCertificateEntry13: fc.Arbitrary<CertificateEntry13> = fc
  .tuple(bytes(1, 600), fc.array(arbExtension('certificate'), { maxLength: 2 }))
  .map(([certData, extensions]) => ({ certData, extensions }));

export const arbCertificate13: fc.Arbitrary<Certificate13> = fc
  .tuple(fc.oneof(EMPTY, bytes(0, 255)), fc.array(arbCertificateEntry13, { maxLength: 3 }))
  .map(([certificateRequestContext, certificateList]) => ({ certificateRequestContext, certificateList }));

export const arbCertificateRequest13: fc.Arbitrary<CertificateRequest13> = fc
  .tuple(fc.oneof(EMPTY, bytes(0, 255)), arbExtensions('certificate_request', 1))
  .map(([certificateRequestContext, extensions]) => ({ certificateRequestContext, extensions }));

export const arbNewSessionTicket13: fc.Arbitrary<NewSessionTicket13> = fc
  .tuple(
    fc.integer({ min: 0, max: U32 }),
    fc.integer({ min: 0, max: U32 }),
    bytes(0, 255),
    bytes(1, 400),
    arbExtensions('new_session_ticket'),
  )
  .map(([ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions]) => ({
    ticketLifetime,
    ticketAgeAdd,
    ticketNonce,
    ticket,
    extensions,
  }));

/** One case per message codec. */
export const helloMessageCases: WireCase<unknown>[] = [
  { codec: clientHelloCodec, arbitrary: arbClientHello },
  { codec: serverHelloCodec, arbitrary: arbServerHello },
  { codec: encryptedExtensionsCodec, arbitrary: arbEncryptedExtensions },
  { codec: certificate13Codec, arbitrary: arbCertificate13 },
  { codec: certificateRequest13Codec, arbitrary: arbCertificateRequest13 },
  { codec: newSessionTicket13Codec, arbitrary: arbNewSessionTicket13 },
];

/** Every case of this part, in the order of `helloCodecs`. */
export const helloCases: WireCase<unknown>[] = [...helloMessageCases, ...extensionCases];
