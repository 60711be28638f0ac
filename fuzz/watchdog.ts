/**
 * A hang watchdog for synchronous parsers. A parser stuck in a loop blocks its thread, so nothing on
 * that thread can report it; this watchdog runs on a worker thread and watches a heartbeat in shared
 * memory. The caller marks each call with `enter(label, input)` / `leave()`; when one call stays
 * inside for longer than the limit, the watchdog writes the label and the input's hex to stderr and
 * kills the process, so the hang fails the run with the input that caused it.
 *
 * With a memory limit it also watches the process's resident size, which a thread of the same
 * process can read while the one it watches is stuck in a loop or in the garbage collector: past
 * the limit it reports the label and input of the call running then (or of the last one) and kills
 * the process, before V8 dies of an exhausted heap without saying which input did it.
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';

const HEADER_INTS = 4; // busy, heartbeat, label length, input length
const LABEL_BYTES = 512;
const INPUT_BYTES = 4096;

const WATCHER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { sab, limitMs, memoryLimitBytes, headerInts, labelBytes, inputBytes } = workerData;
const head = new Int32Array(sab, 0, headerInts);
const label = new Uint8Array(sab, headerInts * 4, labelBytes);
const input = new Uint8Array(sab, headerInts * 4 + labelBytes, inputBytes);
const current = () => {
  const name = Buffer.from(label.subarray(0, Atomics.load(head, 2))).toString('utf8');
  const n = Atomics.load(head, 3);
  const hex = Buffer.from(input.subarray(0, Math.min(n, inputBytes))).toString('hex');
  return { name, n, shown: hex + (n > inputBytes ? '...' : '') };
};
let seen = -1;
let since = Date.now();
const tick = memoryLimitBytes > 0 ? 20 : Math.max(50, Math.floor(limitMs / 10));
setInterval(() => {
  if (memoryLimitBytes > 0) {
    const rss = process.memoryUsage.rss();
    if (rss > memoryLimitBytes) {
      const c = current();
      const when = Atomics.load(head, 0) === 1 ? 'while running on' : 'after';
      const mb = (b) => Math.round(b / 1048576);
      fs.writeSync(2, '\\nMEMORY: ' + c.name + ' took the process to ' + mb(rss) + ' MB (limit ' + mb(memoryLimitBytes) + ' MB) ' + when + ' input (' + c.n + ' bytes) ' + c.shown + '\\n');
      process.kill(process.pid, 'SIGKILL');
    }
  }
  const beat = Atomics.load(head, 1);
  if (Atomics.load(head, 0) === 0 || beat !== seen) { seen = beat; since = Date.now(); return; }
  if (Date.now() - since < limitMs) return;
  const c = current();
  fs.writeSync(2, '\\nHANG: ' + c.name + ' did not return within ' + limitMs + ' ms on input (' + c.n + ' bytes) ' + c.shown + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, tick);
`;

export interface WatchdogOptions {
  /** Kill the process, reporting the current input, when its resident size passes this (0: no limit). */
  readonly memoryLimitBytes?: number;
}

/**
 * A memory limit for this process: its resident size now plus four fifths of the heap still free.
 * Past it a runaway input is reported with its bytes, well before V8 dies of an exhausted heap.
 */
export function memoryLimitFromHeap(): number {
  const heap = getHeapStatistics();
  return process.memoryUsage.rss() + 0.8 * (heap.heap_size_limit - heap.used_heap_size);
}

export class HangWatchdog {
  private readonly worker: Worker;
  private readonly head: Int32Array;
  private readonly label: Uint8Array;
  private readonly input: Uint8Array;
  private readonly encoder = new TextEncoder();
  private lastLabel: string | undefined;

  constructor(limitMs: number, options: WatchdogOptions = {}) {
    const sab = new SharedArrayBuffer(HEADER_INTS * 4 + LABEL_BYTES + INPUT_BYTES);
    this.head = new Int32Array(sab, 0, HEADER_INTS);
    this.label = new Uint8Array(sab, HEADER_INTS * 4, LABEL_BYTES);
    this.input = new Uint8Array(sab, HEADER_INTS * 4 + LABEL_BYTES, INPUT_BYTES);
    this.worker = new Worker(WATCHER, {
      eval: true,
      workerData: { sab, limitMs, memoryLimitBytes: options.memoryLimitBytes ?? 0, headerInts: HEADER_INTS, labelBytes: LABEL_BYTES, inputBytes: INPUT_BYTES },
    });
    this.worker.unref();
  }

  /**
   * Marks the start of a call on `input`; `label` names it in the report. Called every exec, so
   * with plain stores rather than Atomics (each a locked instruction): the watcher acts only on
   * a heartbeat that has not moved for a second, long after any store has become visible to it.
   */
  enter(label: string, input: Uint8Array): void {
    // The label is the same exec after exec: encode it only when it changes.
    if (label !== this.lastLabel) {
      const l = this.encoder.encodeInto(label, this.label);
      Atomics.store(this.head, 2, l.written);
      this.lastLabel = label;
    }
    this.input.set(input.length > INPUT_BYTES ? input.subarray(0, INPUT_BYTES) : input);
    const head = this.head;
    head[3] = input.length;
    head[1] = (head[1] + 1) | 0;
    head[0] = 1;
  }

  /** Marks the end of the current call. */
  leave(): void {
    this.head[0] = 0;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
