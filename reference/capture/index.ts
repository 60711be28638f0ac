/**
 * Capture files for dtlsprobe: classic pcap and pcapng readers and writers, link-layer/IP/UDP
 * framing, and NSS key logs. Times are `bigint` nanoseconds since the Unix epoch.
 */
import { CaptureError } from './bytes.ts';
import { type UdpExtraction, extractUdp } from './packet.ts';
import { isPcap, readPcap } from './pcap.ts';
import { isPcapng, readPcapng } from './pcapng.ts';

export { CaptureError, fromHex, toHex } from './bytes.ts';
export * from './keylog.ts';
export * from './packet.ts';
export * from './pcap.ts';
export * from './pcapng.ts';
export * from './transcript.ts';

/** The UDP datagrams in a pcap or pcapng file (told apart by their magic numbers). */
export function readCaptureUdp(bytes: Uint8Array): UdpExtraction & { format: 'pcap' | 'pcapng' } {
  if (isPcapng(bytes)) return { format: 'pcapng', ...extractUdp(readPcapng(bytes).packets) };
  if (isPcap(bytes)) return { format: 'pcap', ...extractUdp(readPcap(bytes).packets) };
  throw new CaptureError('capture', 0, 'file header', 'neither a pcap nor a pcapng magic number');
}

/** Nanoseconds from seconds (a float, as virtual clocks and transcripts keep them), rounded to 1 ns. */
export function nsFromSeconds(seconds: number): bigint {
  const whole = Math.floor(seconds);
  return BigInt(whole) * 1_000_000_000n + BigInt(Math.round((seconds - whole) * 1e9));
}

/** Seconds as a float from nanoseconds (loses precision below ~1 µs at today's epoch). */
export function secondsFromNs(ns: bigint): number {
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}
