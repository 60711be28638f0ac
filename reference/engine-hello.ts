/**
 * What a server does with a ClientHello before the cookie checks out (RFC 6347 §4.2.1): it keeps no
 * handshake state, so each ClientHello is answered afresh. One that comes in fragments is reassembled
 * first (§4.2.3 leaves no exception for it): one message at a time, bounded like any other; a
 * fragment of another message_seq starts over. A whole ClientHello is let through only if the
 * handshake it starts fits the record and message numbers left after it.
 */
import { Reassembler, type WholeHandshakeMessage } from './handshake/reassembly.ts';
import { type HandshakeFragment, isWholeMessage } from './wire/handshake-header.ts';

/**
 * A server answers a ClientHello with the same record number and goes on from there in epoch 0;
 * a ClientHello numbered above this leaves too few for the handshake (2^48 - 1 is the last).
 */
export const LAST_ANSWERABLE_HELLO_SEQ = 2 ** 48 - 1 - 1024;

/**
 * message_seq is 16 bits, and a server numbers its messages from the ClientHello's (RFC 6347
 * §4.2.2). A full handshake takes six more numbers from there: ServerHello, Certificate,
 * ServerKeyExchange, CertificateRequest, ServerHelloDone, Finished on our side (the client's
 * Certificate, ClientKeyExchange, CertificateVerify, Finished take fewer). A ClientHello numbered
 * above this cannot be answered.
 */
export const LAST_ANSWERABLE_HELLO_MESSAGE_SEQ = 0xffff - 5;

export class StatelessHellos {
  /** Whole ClientHellos dropped because the handshake they start would run out of numbers. */
  unanswerable = 0;
  /** The ClientHello being reassembled. */
  private fragments: Reassembler | undefined;

  constructor(private readonly maxMessageLength: number) {}

  /**
   * A ClientHello fragment that arrived in record `recordSeq`: the whole ClientHello to answer,
   * once it is complete and answerable, else undefined.
   */
  take(f: HandshakeFragment, recordSeq: number): WholeHandshakeMessage | undefined {
    const hello = isWholeMessage(f) ? f : this.reassemble(f);
    if (hello === undefined) return undefined;
    // Our answer takes this record's number (RFC 6347 §4.2.1), and the handshake needs more
    // after it: a ClientHello too close to the end of the 48-bit space cannot be answered.
    // Likewise its message_seq: our messages take the numbers after it (§4.2.2).
    if (recordSeq > LAST_ANSWERABLE_HELLO_SEQ || hello.messageSeq > LAST_ANSWERABLE_HELLO_MESSAGE_SEQ) {
      this.unanswerable++;
      return undefined;
    }
    return { msgType: hello.msgType, messageSeq: hello.messageSeq, body: hello.body };
  }

  /** The handshake moved on: a ClientHello half reassembled is no longer wanted. */
  forget(): void {
    this.fragments = undefined;
  }

  private reassemble(f: HandshakeFragment): WholeHandshakeMessage | undefined {
    if (this.fragments?.nextSeq !== f.messageSeq) {
      const max = this.maxMessageLength;
      this.fragments = new Reassembler({ nextSeq: f.messageSeq, maxMessageLength: max, maxBufferedBytes: max, maxBufferedMessages: 1 });
    }
    this.fragments.add(f);
    const hello = this.fragments.poll();
    if (hello !== undefined) this.fragments = undefined;
    return hello;
  }
}
