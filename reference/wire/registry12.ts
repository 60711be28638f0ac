/**
 * The codecs of messages12.ts, key-exchange.ts and alert.ts: one entry per message, and one per
 * key exchange for ServerKeyExchange and ClientKeyExchange, whose layout the suite decides.
 * The generic properties (round trips, byte-exact re-encoding, mutation robustness) and the fuzz
 * targets run over this table.
 */
import { type Alert, type ChangeCipherSpec, readAlert, readChangeCipherSpec, writeAlert, writeChangeCipherSpec } from './alert.ts';
import type { Codec } from './codec.ts';
import {
  type ClientKeyExchangeByKind,
  type ClientKeyExchangeKind,
  readClientKeyExchange,
  readServerKeyExchange,
  type ServerKeyExchangeByKind,
  type ServerKeyExchangeKind,
  writeClientKeyExchange,
  writeServerKeyExchange,
} from './key-exchange.ts';
import * as m from './messages12.ts';

export const helloRequestCodec: Codec<m.HelloRequest> = {
  name: 'HelloRequest',
  read: m.readHelloRequest,
  write: m.writeHelloRequest,
};

export const helloVerifyRequestCodec: Codec<m.HelloVerifyRequest> = {
  name: 'HelloVerifyRequest',
  read: m.readHelloVerifyRequest,
  write: m.writeHelloVerifyRequest,
};

export const certificateCodec: Codec<m.Certificate> = {
  name: 'Certificate',
  read: m.readCertificate,
  write: m.writeCertificate,
};

export const certificateRequestCodec: Codec<m.CertificateRequest> = {
  name: 'CertificateRequest',
  read: m.readCertificateRequest,
  write: m.writeCertificateRequest,
};

export const serverHelloDoneCodec: Codec<m.ServerHelloDone> = {
  name: 'ServerHelloDone',
  read: m.readServerHelloDone,
  write: m.writeServerHelloDone,
};

/** Shared by DTLS 1.2 and DTLS 1.3 (same bytes). */
export const certificateVerifyCodec: Codec<m.CertificateVerify> = {
  name: 'CertificateVerify',
  read: m.readCertificateVerify,
  write: m.writeCertificateVerify,
};

export const finishedCodec: Codec<m.Finished> = {
  name: 'Finished',
  read: m.readFinished,
  write: m.writeFinished,
};

export const newSessionTicketCodec: Codec<m.NewSessionTicket> = {
  name: 'NewSessionTicket',
  read: m.readNewSessionTicket,
  write: m.writeNewSessionTicket,
};

export const keyUpdateCodec: Codec<m.KeyUpdate> = {
  name: 'KeyUpdate',
  read: m.readKeyUpdate,
  write: m.writeKeyUpdate,
};

export const endOfEarlyDataCodec: Codec<m.EndOfEarlyData> = {
  name: 'EndOfEarlyData',
  read: m.readEndOfEarlyData,
  write: m.writeEndOfEarlyData,
};

export const changeCipherSpecCodec: Codec<ChangeCipherSpec> = {
  name: 'ChangeCipherSpec',
  read: readChangeCipherSpec,
  write: writeChangeCipherSpec,
};

export const alertCodec: Codec<Alert> = { name: 'Alert', read: readAlert, write: writeAlert };

/** The ServerKeyExchange codec for one key exchange, named `ServerKeyExchange(<kind>)`. */
export function serverKeyExchangeCodec<K extends ServerKeyExchangeKind>(kind: K): Codec<ServerKeyExchangeByKind[K]> {
  return {
    name: `ServerKeyExchange(${kind})`,
    read: (r) => readServerKeyExchange(r, kind),
    write: writeServerKeyExchange,
  };
}

/** The ClientKeyExchange codec for one key exchange, named `ClientKeyExchange(<kind>)`. */
export function clientKeyExchangeCodec<K extends ClientKeyExchangeKind>(kind: K): Codec<ClientKeyExchangeByKind[K]> {
  return {
    name: `ClientKeyExchange(${kind})`,
    read: (r) => readClientKeyExchange(r, kind),
    write: writeClientKeyExchange,
  };
}

export const SERVER_KEY_EXCHANGE_KINDS: readonly ServerKeyExchangeKind[] = ['ecdhe', 'psk', 'ecdhe_psk', 'dhe'];
export const CLIENT_KEY_EXCHANGE_KINDS: readonly ClientKeyExchangeKind[] = ['ecdhe', 'psk', 'ecdhe_psk', 'rsa', 'dhe'];

/** Every codec this part of the wire layer defines. */
export const messages12Codecs: readonly Codec<unknown>[] = [
  helloRequestCodec,
  helloVerifyRequestCodec,
  certificateCodec,
  ...SERVER_KEY_EXCHANGE_KINDS.map((k) => serverKeyExchangeCodec(k)),
  certificateRequestCodec,
  serverHelloDoneCodec,
  certificateVerifyCodec,
  ...CLIENT_KEY_EXCHANGE_KINDS.map((k) => clientKeyExchangeCodec(k)),
  finishedCodec,
  newSessionTicketCodec,
  keyUpdateCodec,
  endOfEarlyDataCodec,
  changeCipherSpecCodec,
  alertCodec,
];
