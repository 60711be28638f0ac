/**
 * Which codec reads a handshake body. The bytes alone do not always say: DTLS 1.2 and 1.3 lay
 * out Certificate, CertificateRequest and NewSessionTicket differently, and ServerKeyExchange and
 * ClientKeyExchange depend on the negotiated key exchange. The caller (the dissector, a probe,
 * a fuzz target) says what it knows in a `MessageContext`.
 */
import type { Codec } from './codec.ts';
import { HandshakeType } from './enums.ts';
import { readClientHello, readServerHello, writeClientHello, writeServerHello } from './hello.ts';
import {
  type ClientKeyExchange,
  type ServerKeyExchange,
  type ServerKeyExchangeKind,
  readClientKeyExchange,
  readServerKeyExchange,
  writeClientKeyExchange,
  writeServerKeyExchange,
} from './key-exchange.ts';
import * as m12 from './messages12.ts';
import type { Reader } from './reader.ts';
import type { KeyExchange } from './suites.ts';
import * as m13 from './tls13-messages.ts';
import type { Writer } from './writer.ts';

export interface MessageContext {
  /** DTLS 1.3 layouts for Certificate, CertificateRequest and NewSessionTicket. */
  readonly dtls13: boolean;
  /** The negotiated key exchange, for ServerKeyExchange and ClientKeyExchange. */
  readonly keyExchange: KeyExchange | undefined;
}

function codec<T>(name: string, read: (r: Reader) => T, write: (w: Writer, m: T) => void): Codec<unknown> {
  return { name, read, write: write as (w: Writer, m: unknown) => void };
}

function hasServerKeyExchange(kx: KeyExchange): kx is ServerKeyExchangeKind {
  return kx !== 'rsa';
}

/** The codec for a handshake body, or undefined when the context does not tell which to use. */
export function messageCodec(msgType: number, ctx: MessageContext): Codec<unknown> | undefined {
  const T = HandshakeType;
  switch (msgType) {
    case T.hello_request:
      return codec('HelloRequest', m12.readHelloRequest, m12.writeHelloRequest);
    case T.client_hello:
      return codec('ClientHello', readClientHello, writeClientHello);
    case T.server_hello:
      return codec('ServerHello', readServerHello, writeServerHello);
    case T.hello_verify_request:
      return codec('HelloVerifyRequest', m12.readHelloVerifyRequest, m12.writeHelloVerifyRequest);
    case T.new_session_ticket:
      return ctx.dtls13
        ? codec('NewSessionTicket', m13.readNewSessionTicket13, m13.writeNewSessionTicket13)
        : codec('NewSessionTicket', m12.readNewSessionTicket, m12.writeNewSessionTicket);
    case T.end_of_early_data:
      return codec('EndOfEarlyData', m12.readEndOfEarlyData, m12.writeEndOfEarlyData);
    case T.encrypted_extensions:
      return codec('EncryptedExtensions', m13.readEncryptedExtensions, m13.writeEncryptedExtensions);
    case T.certificate:
      return ctx.dtls13
        ? codec('Certificate', m13.readCertificate13, m13.writeCertificate13)
        : codec('Certificate', m12.readCertificate, m12.writeCertificate);
    case T.server_key_exchange: {
      const kx = ctx.keyExchange;
      if (kx === undefined || !hasServerKeyExchange(kx)) return undefined;
      return codec<ServerKeyExchange>('ServerKeyExchange', (r) => readServerKeyExchange(r, kx), writeServerKeyExchange);
    }
    case T.certificate_request:
      return ctx.dtls13
        ? codec('CertificateRequest', m13.readCertificateRequest13, m13.writeCertificateRequest13)
        : codec('CertificateRequest', m12.readCertificateRequest, m12.writeCertificateRequest);
    case T.server_hello_done:
      return codec('ServerHelloDone', m12.readServerHelloDone, m12.writeServerHelloDone);
    case T.certificate_verify:
      return codec('CertificateVerify', m12.readCertificateVerify, m12.writeCertificateVerify);
    case T.client_key_exchange: {
      const kx = ctx.keyExchange;
      if (kx === undefined) return undefined;
      return codec<ClientKeyExchange>('ClientKeyExchange', (r) => readClientKeyExchange(r, kx), writeClientKeyExchange);
    }
    case T.finished:
      return codec('Finished', m12.readFinished, m12.writeFinished);
    case T.key_update:
      return codec('KeyUpdate', m12.readKeyUpdate, m12.writeKeyUpdate);
    default:
      return undefined;
  }
}
