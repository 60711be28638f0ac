/**
 * RFC 6347 §4.2.3 fragmentation: one whole handshake message into contiguous, non-overlapping
 * fragments, each small enough for the record it will travel in.
 */
import { HANDSHAKE_HEADER_LENGTH, type HandshakeFragment } from '../wire/handshake-header.ts';
import type { WholeHandshakeMessage } from './reassembly.ts';

const MAX_U16 = 0xffff;
const MAX_U24 = 0xffffff;

/**
 * RFC 6347 §4.2.3
 *
 * Splits `message` into fragments whose encoding (the 12-byte handshake header plus the fragment's
 * bytes) is at most `budget` bytes; the caller computes the budget from the path MTU minus the
 * record and datagram overhead. The fragments are in order, "N contiguous data ranges" that
 * "jointly contain the entire handshake message" and do not overlap; each carries the message's
 * msg_type, length and message_seq. A message that fits is one fragment at offset 0 (the
 * "degenerate case"), and an empty body is one empty fragment.
 *
 * A budget that cannot hold the header, or the header and one byte of a non-empty body, is refused
 * with a RangeError, as are a body or message_seq that do not fit their wire fields.
 */
export function fragmentMessage(message: WholeHandshakeMessage, budget: number): HandshakeFragment[] {
  const { msgType, messageSeq, body } = message;
  if (!Number.isInteger(budget) || budget < HANDSHAKE_HEADER_LENGTH) {
    throw new RangeError(`fragment budget ${budget} is too small for the ${HANDSHAKE_HEADER_LENGTH}-byte handshake header`);
  }
  if (budget === HANDSHAKE_HEADER_LENGTH && body.length > 0) {
    throw new RangeError(
      `fragment budget ${budget} leaves no room for body bytes after the ${HANDSHAKE_HEADER_LENGTH}-byte handshake header`,
    );
  }
  if (!Number.isInteger(msgType) || msgType < 0 || msgType > 0xff) throw new RangeError(`msg_type ${msgType} does not fit 8 bits`);
  if (!Number.isInteger(messageSeq) || messageSeq < 0 || messageSeq > MAX_U16) {
    throw new RangeError(`message_seq ${messageSeq} does not fit 16 bits`);
  }
  if (body.length > MAX_U24) throw new RangeError(`a ${body.length}-byte body does not fit the 24-bit length`);

  const room = budget - HANDSHAKE_HEADER_LENGTH;
  const fragments: HandshakeFragment[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + room, body.length);
    fragments.push({ msgType, length: body.length, messageSeq, fragmentOffset: offset, body: body.slice(offset, end) });
    offset = end;
  } while (offset < body.length);
  return fragments;
}
