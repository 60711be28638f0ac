/**
 * RFC 6347 §4.2.1 in front of a UdpDemux: the stateless cookie exchange happens before a
 * connection exists for the client. A datagram from an address without a view is admitted only
 * when it carries a whole ClientHello with a cookie this jar made for that address; anything else
 * is handed to a fresh server Endpoint sharing the jar, whose answer (a HelloVerifyRequest, or an
 * alert for a ClientHello it refuses outright) goes back, and the Endpoint is forgotten. The
 * connection made for an admitted client is given the same jar and `peerAddress`, so it accepts
 * the cookie again and carries on where the gate stopped (the engine numbers its records past the
 * ClientHello's, whatever endpoint answered first).
 */
import type { Clock, SocketAddress } from '../api/datagram-based.ts';
import { systemClock } from '../api/datagram-based.ts';
import { Endpoint } from '../engine.ts';
import type { CookieJar } from '../handshake/dtls12/cookie.ts';
import { ContentType, HandshakeType } from '../wire/enums.ts';
import { isWholeMessage } from '../wire/handshake-header.ts';
import { readClientHello } from '../wire/hello.ts';
import { decode } from '../wire/reader.ts';
import { handshakeFragmentsOf, readDatagram } from '../wire/records.ts';
import { formatAddress } from './datagram-common.ts';
import type { DemuxGate, GateVerdict } from './demux.ts';

export interface CookieGateOptions {
  /** The jar every connection behind the gate shares. */
  readonly cookieJar: CookieJar;
  /** The clock the connections run on (the jar rotates its secret by it); default systemClock. */
  readonly clock?: Clock;
  /** The cookie's address binding; default `formatAddress` (`127.0.0.1:5555`), which the connections must use as `peerAddress`. */
  readonly peerAddressOf?: (from: SocketAddress) => string;
}

/** Whether `datagram` holds a whole ClientHello whose cookie `jar` made for `peerAddress`. */
export function hasValidCookie(datagram: Uint8Array, jar: CookieJar, peerAddress: string, now: number): boolean {
  try {
    for (const record of readDatagram(datagram)) {
      if (record.format !== 'plaintext' || record.type !== ContentType.handshake || record.epoch !== 0) continue;
      for (const f of handshakeFragmentsOf(record)) {
        if (f.msgType !== HandshakeType.client_hello || !isWholeMessage(f)) continue;
        if (jar.check(peerAddress, decode(f.body, 'ClientHello', readClientHello), now)) return true;
      }
    }
  } catch {
    return false; // what does not parse carries no cookie of ours
  }
  return false;
}

/** A DemuxGate doing the server's side of the cookie exchange statelessly. */
export function cookieGate(options: CookieGateOptions): DemuxGate {
  const clock = options.clock ?? systemClock;
  const peerAddressOf = options.peerAddressOf ?? formatAddress;
  return (datagram, from): GateVerdict => {
    const peerAddress = peerAddressOf(from);
    const now = clock.now();
    if (hasValidCookie(datagram, options.cookieJar, peerAddress, now)) return { admit: true };
    const responder = new Endpoint({ role: 'server', cookieJar: options.cookieJar, peerAddress });
    responder.receive(datagram, now);
    const replies: Uint8Array[] = [];
    for (let d = responder.pollTransmit(); d !== undefined; d = responder.pollTransmit()) replies.push(d);
    return { admit: false, replies };
  };
}
