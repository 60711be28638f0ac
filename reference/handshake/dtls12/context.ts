/**
 * What the DTLS 1.2 handshake states share: the transcript, the message_seq counter, the flight
 * being built, what has been negotiated, and the actions the engine must carry out (install keys,
 * switch epochs, report completion). States read and extend it; only the engine touches records.
 */
import { type Hash, hashByName } from '../../crypto/hash.ts';
import { extendedMasterSecret, masterSecret, verifyData } from '../../crypto/prf.ts';
import { DtlsError } from '../../errors.ts';
import { AlertDescription } from '../../wire/enums.ts';
import { suiteInfo } from '../../wire/suites.ts';
import { encode } from '../../wire/writer.ts';
import type { Writer } from '../../wire/writer.ts';
import type { ResolvedConfig } from './config.ts';
import { Transcript } from './transcript.ts';
import { type ResumedBy, ResumptionState } from './session.ts';
import type { ConnectionIds } from './connection-id.ts';
import type { SrtpNegotiated } from './srtp.ts';

/** One item of an outgoing flight, with the epoch it goes out in (retransmissions keep it). */
export type FlightItem =
  | { readonly kind: 'handshake'; readonly epoch: number; readonly msgType: number; readonly messageSeq: number; readonly body: Uint8Array }
  | { readonly kind: 'ccs'; readonly epoch: number };

export type HandshakeAction =
  /** Keys for epoch 1 are ready: derive them, install the write side now, keep the read side for the peer's CCS. */
  | { readonly kind: 'keys'; readonly masterSecret: Uint8Array; readonly clientRandom: Uint8Array; readonly serverRandom: Uint8Array; readonly cipherSuite: number }
  /** The peer's ChangeCipherSpec: read epoch 1 from now on. */
  | { readonly kind: 'peer-ccs' }
  /** A flight to send (replacing the previous one), and whether it is the last of the handshake. */
  | { readonly kind: 'flight'; readonly items: readonly FlightItem[]; readonly final: boolean; readonly retransmittable: boolean }
  /** The peer's last flight arrived and checked out. */
  | { readonly kind: 'complete' }
  /** Client: the server asked for a certificate (RFC 5246 §7.4.4); what it accepts and whether we sent one. */
  | { readonly kind: 'certificate-requested'; readonly acceptedCas: readonly Uint8Array[]; readonly sentCertificate: boolean }
  /** An alert to send that does not end the connection (a warning). */
  | { readonly kind: 'alert'; readonly level: number; readonly description: number };

/** What the handshake settled, for the application and for exporters. */
export interface Negotiated {
  cipherSuite: number;
  group: number | undefined;
  extendedMasterSecret: boolean;
  alpn: string | undefined;
  serverName: string | undefined;
  peerChain: readonly Uint8Array[];
  peerVerified: boolean;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  masterSecret: Uint8Array;
  /** RFC 5929 §3.1: the first Finished message's verify_data. */
  tlsUnique: Uint8Array;
  /** The server's leaf certificate (DER), for tls-server-end-point. */
  serverCertificate: Uint8Array | undefined;
  /** Client: the CertificateRequest's certificate_authorities (DER names), when one came. */
  acceptedCas: readonly Uint8Array[] | undefined;
  /** Client: whether we sent a certificate when asked for one. */
  sentClientCertificate: boolean;
  /** PSK suites: the psk_identity the client sent (RFC 4279 §2); the PSK authenticated both sides. */
  pskIdentity: Uint8Array | undefined;
  /** RFC 5246 §7.3: how an earlier session was resumed (abbreviated handshake), or undefined after a full one. */
  resumed: ResumedBy | undefined;
  /** RFC 9146: the CIDs agreed (either may be empty: none that way), or undefined when not negotiated. */
  connectionIds: ConnectionIds | undefined;
  /** RFC 5764: the SRTP protection profile and MKI agreed, or undefined. */
  srtp: SrtpNegotiated | undefined;
}

export class HandshakeContext {
  readonly transcript = new Transcript();
  /** message_seq of the next message we send (RFC 6347 §4.2.2). */
  nextSendSeq = 0;
  /** The epoch our next record goes out in. */
  writeEpoch = 0;
  private items: FlightItem[] = [];
  readonly actions: HandshakeAction[] = [];

  clientRandom: Uint8Array = new Uint8Array(0);
  serverRandom: Uint8Array = new Uint8Array(0);
  cipherSuite: number | undefined;
  group: number | undefined;
  extendedMasterSecret = false;
  alpn: string | undefined;
  serverName: string | undefined;
  peerChain: readonly Uint8Array[] = [];
  peerVerified = false;
  serverCertificate: Uint8Array | undefined;
  master: Uint8Array | undefined;
  firstFinished: Uint8Array | undefined;
  acceptedCas: readonly Uint8Array[] | undefined;
  /** Client: a CertificateRequest came; and whether we answered it with a certificate. */
  certificateRequested = false;
  sentClientCertificate = false;
  /** PSK suites: the identity the client chose (client) or the server looked up (server). */
  pskIdentity: Uint8Array | undefined;
  /** RFC 9146: the CIDs agreed in the hellos; the engine gives them to the record layer with the keys. */
  connectionIds: ConnectionIds | undefined;
  /** RFC 5764: use_srtp as agreed in the hellos. */
  srtp: SrtpNegotiated | undefined;
  /** Session resumption (session.ts, resumption.ts): what was offered, issued, resumed. */
  readonly resumption = new ResumptionState();
  /** The time of the input being handled (ms), for cookie secret rotation. */
  now = 0;

  constructor(readonly config: ResolvedConfig) {}

  /** Appends a handshake message to the flight being built and to the transcript. */
  emit(msgType: number, write: (w: Writer) => void): Uint8Array {
    const body = encode(write);
    const messageSeq = this.nextSendSeq++;
    this.transcript.add(msgType, messageSeq, body);
    this.items.push({ kind: 'handshake', epoch: this.writeEpoch, msgType, messageSeq, body });
    return body;
  }

  /** Appends our ChangeCipherSpec; what follows goes out in the next epoch. */
  emitChangeCipherSpec(): void {
    this.items.push({ kind: 'ccs', epoch: this.writeEpoch });
    this.writeEpoch++;
  }

  /** Closes the flight being built and hands it to the engine. */
  endFlight(options: { final: boolean; retransmittable: boolean }): void {
    this.actions.push({ kind: 'flight', items: this.items, ...options });
    this.items = [];
  }

  /** The PRF hash of the negotiated suite. */
  prfHash(): Hash {
    const info = this.cipherSuite === undefined ? undefined : suiteInfo(this.cipherSuite);
    if (info === undefined || info.tls13) throw DtlsError.internal('the PRF hash is needed before a suite was chosen');
    return hashByName(info.prfHash);
  }

  /** RFC 5246 §8.1, RFC 7627 §4: the master secret; hands epoch-1 keys to the engine. */
  deriveKeys(preMasterSecret: Uint8Array): void {
    const hash = this.prfHash();
    this.master = this.extendedMasterSecret
      ? extendedMasterSecret(hash, preMasterSecret, this.transcript.hash(hash))
      : masterSecret(hash, preMasterSecret, this.clientRandom, this.serverRandom);
    preMasterSecret.fill(0);
    if (this.cipherSuite === undefined) throw DtlsError.internal('keys derived before a suite was chosen');
    this.actions.push({
      kind: 'keys',
      masterSecret: this.master,
      clientRandom: this.clientRandom,
      serverRandom: this.serverRandom,
      cipherSuite: this.cipherSuite,
    });
    const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    this.config.keyLog?.(`CLIENT_RANDOM ${toHex(this.clientRandom)} ${toHex(this.master)}`);
  }

  /** RFC 5246 §7.4.9: verify_data over the transcript so far. */
  finishedData(sender: 'client' | 'server'): Uint8Array {
    if (this.master === undefined) throw DtlsError.internal('Finished before the master secret');
    const hash = this.prfHash();
    return verifyData(hash, this.master, `${sender} finished`, this.transcript.hash(hash));
  }

  /** Checks the peer's Finished; a mismatch is decrypt_error (RFC 5246 §7.4.9, §7.2.2). */
  checkFinished(sender: 'client' | 'server', received: Uint8Array): void {
    const expected = this.finishedData(sender);
    const same = received.length === expected.length && received.every((b, i) => b === expected[i]);
    if (!same) throw DtlsError.misbehaved(AlertDescription.decrypt_error, `the ${sender}'s Finished verify_data is wrong`);
    this.firstFinished ??= received;
  }

  /** Everything the application may ask about once the handshake is complete. */
  negotiated(): Negotiated {
    if (this.cipherSuite === undefined || this.master === undefined || this.firstFinished === undefined) {
      throw DtlsError.internal('the handshake is not complete');
    }
    return {
      cipherSuite: this.cipherSuite,
      group: this.group,
      extendedMasterSecret: this.extendedMasterSecret,
      alpn: this.alpn,
      serverName: this.serverName,
      peerChain: this.peerChain,
      peerVerified: this.peerVerified,
      clientRandom: this.clientRandom,
      serverRandom: this.serverRandom,
      masterSecret: this.master,
      tlsUnique: this.firstFinished,
      serverCertificate: this.serverCertificate,
      acceptedCas: this.acceptedCas,
      sentClientCertificate: this.sentClientCertificate,
      pskIdentity: this.pskIdentity,
      resumed: this.resumption.resumed,
      connectionIds: this.connectionIds,
      srtp: this.srtp,
    };
  }
}
