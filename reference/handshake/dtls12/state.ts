/**
 * The shape of a DTLS 1.2 handshake state (DESIGN.md): named for what it waits for, it consumes one
 * message and returns the next state. Anything it does not expect is unexpected_message; no
 * connection-wide switch on message types.
 */
import { DtlsError } from '../../errors.ts';
import type { Extension } from '../../wire/extensions.ts';
import { decode } from '../../wire/reader.ts';
import type { Reader } from '../../wire/reader.ts';
import type { WholeHandshakeMessage } from '../reassembly.ts';
import type { HandshakeContext } from './context.ts';

export interface HandshakeState {
  /** e.g. `ExpectServerHello`. */
  readonly name: string;
  /** The handshake message types this state takes. */
  readonly expects: readonly number[];
  /** Whether the peer's ChangeCipherSpec is what comes next. */
  readonly expectsChangeCipherSpec: boolean;
  /** Whether the handshake is over (`Established`). */
  readonly established: boolean;
  handle(message: WholeHandshakeMessage, ctx: HandshakeContext): HandshakeState;
  /** The peer's ChangeCipherSpec, when `expectsChangeCipherSpec`. */
  changeCipherSpec(ctx: HandshakeContext): HandshakeState;
}

/** A state that takes handshake messages of the listed types; CCS is unexpected. */
export function expecting(
  name: string,
  expects: readonly number[],
  handle: (message: WholeHandshakeMessage, ctx: HandshakeContext) => HandshakeState,
): HandshakeState {
  return {
    name,
    expects,
    expectsChangeCipherSpec: false,
    established: false,
    handle(message, ctx) {
      if (!expects.includes(message.msgType)) throw DtlsError.unexpected(expects, message.msgType);
      return handle(message, ctx);
    },
    changeCipherSpec() {
      throw unexpectedChangeCipherSpec(name);
    },
  };
}

/** A state that waits for the peer's ChangeCipherSpec. */
export function expectingChangeCipherSpec(name: string, next: (ctx: HandshakeContext) => HandshakeState): HandshakeState {
  return {
    name,
    expects: [],
    expectsChangeCipherSpec: true,
    established: false,
    handle(message) {
      throw new DtlsError(
        { kind: 'unexpected-message', expected: ['change_cipher_spec'], got: String(message.msgType) },
        `unexpected handshake message (type ${message.msgType}) where ChangeCipherSpec was due`,
      );
    },
    changeCipherSpec(ctx) {
      ctx.actions.push({ kind: 'peer-ccs' });
      return next(ctx);
    },
  };
}

export function unexpectedChangeCipherSpec(state: string): DtlsError {
  return new DtlsError(
    { kind: 'unexpected-message', expected: [state], got: 'change_cipher_spec' },
    `unexpected ChangeCipherSpec in ${state}`,
  );
}

/** Decodes a message body and adds the message to the transcript (in that order: a bad body never enters it). */
export function receive<T>(ctx: HandshakeContext, message: WholeHandshakeMessage, root: string, read: (r: Reader) => T): T {
  const value = decode(message.body, root, read);
  ctx.transcript.add(message.msgType, message.messageSeq, message.body);
  return value;
}

/** The first extension of a kind. */
export function findExtension<K extends Extension['kind']>(
  extensions: readonly Extension[] | undefined,
  kind: K,
): Extract<Extension, { kind: K }> | undefined {
  return extensions?.find((e): e is Extract<Extension, { kind: K }> => e.kind === kind);
}
