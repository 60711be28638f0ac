/**
 * What every wire keeps: the transcript of datagrams both ways, the datagrams from the
 * implementation not yet read with when each arrived, and notes on the last one read.
 */
import type { WireEvent } from '../report/model.ts';

const hex = (d: Uint8Array): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');

export class WireLog {
  readonly transcript: WireEvent[] = [];
  private readonly queue: { readonly datagram: Uint8Array; readonly at: number }[] = [];
  private lastArrival = 0;

  sent(datagram: Uint8Array, at: number, note?: string): void {
    this.transcript.push({ dir: 'sent', at, hex: hex(datagram), ...(note === undefined ? {} : { note }) });
  }

  /** A datagram from the implementation, queued until read. */
  arrived(datagram: Uint8Array, at: number): void {
    this.transcript.push({ dir: 'received', at, hex: hex(datagram) });
    this.queue.push({ datagram, at });
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** The oldest datagram not yet read. */
  next(): Uint8Array | undefined {
    const n = this.queue.shift();
    if (n === undefined) return undefined;
    this.lastArrival = n.at;
    return n.datagram;
  }

  /** When the datagram `next` last returned arrived. */
  arrivedAt(): number {
    return this.lastArrival;
  }

  /** Adds a note to the latest received datagram. */
  annotate(note: string): void {
    for (let i = this.transcript.length - 1; i >= 0; i--) {
      const e = this.transcript[i]!;
      if (e.dir !== 'received') continue;
      this.transcript[i] = { ...e, note: e.note === undefined ? note : `${e.note}; ${note}` };
      return;
    }
  }
}
