/**
 * The DTLS handshake header (RFC 6347 §4.2.2, RFC 9147 §5.2): every handshake message or fragment
 * of one travels with its message_seq and its place in the whole message.
 */
import { HandshakeType } from './enums.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

export const HANDSHAKE_HEADER_LENGTH = 12;

/** One handshake fragment as it appears in a record; a whole message is a fragment at offset 0. */
export interface HandshakeFragment {
  msgType: number;
  /** Length of the whole message body. */
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  /** The fragment's bytes; fragment_length on the wire is its length. */
  body: Uint8Array;
}

/** RFC 6347 §4.2.2 */
export function readHandshakeFragment(r: Reader): HandshakeFragment {
  return r.struct('Handshake', 'RFC 6347 §4.2.2', (s) => {
    const msgType = s.u8('msg_type', HandshakeType);
    const length = s.u24('length');
    const messageSeq = s.u16('message_seq');
    const fragmentOffset = s.u24('fragment_offset');
    const fragmentLength = s.u24('fragment_length');
    const body = s.bytes(fragmentLength, 'body');
    return { msgType, length, messageSeq, fragmentOffset, body };
  });
}

export function writeHandshakeFragment(w: Writer, f: HandshakeFragment): void {
  w.u8(f.msgType).u24(f.length).u16(f.messageSeq).u24(f.fragmentOffset).u24(f.body.length).bytes(f.body);
}

/** Every handshake fragment in a record's fragment, in order. */
export function readHandshakeFragments(r: Reader): HandshakeFragment[] {
  return r.many('handshake', readHandshakeFragment);
}

/** Whether a fragment carries its whole message (offset 0, full length). */
export function isWholeMessage(f: HandshakeFragment): boolean {
  return f.fragmentOffset === 0 && f.body.length === f.length;
}
