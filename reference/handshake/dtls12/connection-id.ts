/**
 * Connection IDs for DTLS 1.2 (RFC 9146): the connection_id extension offered and answered, the
 * CIDs each direction then uses, and the "newer record" rule a transport follows before it moves
 * a peer to a new address.
 *
 * Each side sends, in its hello, the CID it wants to RECEIVE; an empty one means "I will put your
 * CID in my records, but send me none". The extension is answered only when offered. Once the
 * epoch changes, a direction with a non-empty CID uses tls12_cid records (the record layer does
 * the format, the inner plaintext and the §5 additional data).
 */
import { DtlsError } from '../../errors.ts';
import type { Extension } from '../../wire/extensions.ts';
import { findExtension } from './state.ts';

/** The CIDs one endpoint uses: `send` goes in its records (the peer's), `receive` it expects (its own). Empty: none that way. */
export interface ConnectionIds {
  readonly send: Uint8Array;
  readonly receive: Uint8Array;
}

/** RFC 9146 §3: cid<0..2^8-1>. */
export const MAX_CONNECTION_ID_LENGTH = 255;

/** Checks the `connectionId` setting (the CID we want to receive); undefined: we do not negotiate CIDs. */
export function resolveConnectionId(cid: Uint8Array | undefined): Uint8Array | undefined {
  if (cid === undefined) return undefined;
  if (!(cid instanceof Uint8Array) || cid.length > MAX_CONNECTION_ID_LENGTH) {
    throw DtlsError.internal(`configuration: connectionId must be a Uint8Array of 0..${MAX_CONNECTION_ID_LENGTH} bytes (RFC 9146 §3)`);
  }
  return cid.slice();
}

/** Client: the connection_id extension of our ClientHello, when we negotiate CIDs. */
export function connectionIdOffer(own: Uint8Array | undefined): Extension[] {
  return own === undefined ? [] : [{ kind: 'connection_id', cid: own }];
}

/**
 * Client: the CIDs agreed, from the ServerHello. No connection_id there: none, in both directions
 * (RFC 9146 §3; an answer to an extension we did not offer is refused before this).
 */
export function connectionIdsFromServerHello(own: Uint8Array | undefined, extensions: readonly Extension[] | undefined): ConnectionIds | undefined {
  const answer = findExtension(extensions, 'connection_id');
  if (answer === undefined || own === undefined) return undefined;
  return { send: answer.cid.slice(), receive: own };
}

/** Server: the CIDs agreed when the client offers connection_id and we negotiate CIDs. */
export function acceptConnectionId(own: Uint8Array | undefined, clientExtensions: readonly Extension[] | undefined): ConnectionIds | undefined {
  const offer = findExtension(clientExtensions, 'connection_id');
  if (offer === undefined || own === undefined) return undefined;
  return { send: offer.cid.slice(), receive: own };
}

/** Server: the connection_id extension of our ServerHello, carrying the CID we want to receive. */
export function connectionIdAnswer(ids: ConnectionIds | undefined): Extension[] {
  return ids === undefined ? [] : [{ kind: 'connection_id', cid: ids.receive }];
}

/**
 * RFC 9146 §6: a peer's address may be replaced only on a datagram that authenticated and is
 * "newer" in both epoch and sequence number than the newest one received. This remembers the
 * newest authenticated (epoch, sequence number) and says whether a record moved it forward.
 */
export class NewestRecord {
  private epoch = -1;
  private seq = -1;

  /** Notes an authenticated record; true when it is newer than every one noted before. */
  advance(epoch: number, seq: number): boolean {
    if (epoch < this.epoch || (epoch === this.epoch && seq <= this.seq)) return false;
    this.epoch = epoch;
    this.seq = seq;
    return true;
  }
}
