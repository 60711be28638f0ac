/**
 * The codecs of hello.ts, tls13-messages.ts and extensions.ts: one entry per message, and one per
 * (extension, context) pair, named `Extension(key_share, client_hello)`, whose read parses a
 * single extension as that message would. The generic properties and fuzz targets run over it.
 */
import type { Codec } from './codec.ts';
import {
  type Extension,
  type ExtensionContext,
  type KnownExtensionKind,
  EXTENSION_CONTEXTS,
  knownExtensionKinds,
  readExtension,
  writeExtension,
} from './extensions.ts';
import { type ClientHello, type ServerHello, readClientHello, readServerHello, writeClientHello, writeServerHello } from './hello.ts';
import * as m from './tls13-messages.ts';

export const clientHelloCodec: Codec<ClientHello> = { name: 'ClientHello', read: readClientHello, write: writeClientHello };

/** ServerHello and HelloRetryRequest (one format; the random tells them apart). */
export const serverHelloCodec: Codec<ServerHello> = { name: 'ServerHello', read: readServerHello, write: writeServerHello };

export const encryptedExtensionsCodec: Codec<m.EncryptedExtensions> = {
  name: 'EncryptedExtensions',
  read: m.readEncryptedExtensions,
  write: m.writeEncryptedExtensions,
};

export const certificate13Codec: Codec<m.Certificate13> = {
  name: 'Certificate13',
  read: m.readCertificate13,
  write: m.writeCertificate13,
};

export const certificateRequest13Codec: Codec<m.CertificateRequest13> = {
  name: 'CertificateRequest13',
  read: m.readCertificateRequest13,
  write: m.writeCertificateRequest13,
};

export const newSessionTicket13Codec: Codec<m.NewSessionTicket13> = {
  name: 'NewSessionTicket13',
  read: m.readNewSessionTicket13,
  write: m.writeNewSessionTicket13,
};

/** One extension as `ctx` reads it, named `Extension(<kind>, <ctx>)`. */
export function extensionCodec(kind: KnownExtensionKind, ctx: ExtensionContext): Codec<Extension> {
  return { name: `Extension(${kind}, ${ctx})`, read: (r) => readExtension(r, ctx), write: writeExtension };
}

/** Every (extension, context) pair where the extension is parsed, in table then context order. */
export const EXTENSION_PAIRS: readonly { readonly kind: KnownExtensionKind; readonly ctx: ExtensionContext }[] =
  EXTENSION_CONTEXTS.flatMap((ctx) => knownExtensionKinds(ctx).map((kind) => ({ kind, ctx })));

export const extensionCodecs: readonly Codec<Extension>[] = EXTENSION_PAIRS.map((p) => extensionCodec(p.kind, p.ctx));

export const helloMessageCodecs: readonly Codec<unknown>[] = [
  clientHelloCodec,
  serverHelloCodec,
  encryptedExtensionsCodec,
  certificate13Codec,
  certificateRequest13Codec,
  newSessionTicket13Codec,
];

/** Every codec this part of the wire layer defines: the messages, then the extension pairs. */
export const helloCodecs: readonly Codec<unknown>[] = [...helloMessageCodecs, ...extensionCodecs];
