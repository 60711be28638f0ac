/**
 * Lines of a byte stream, each with its `\n` (the last one may have none), as bytes: what
 * `connect` sends as one datagram each. Stops early when `signal` fires, and then lets go of the
 * source (a Readable is destroyed, so a process's stdin no longer keeps it alive).
 */

export async function* linesOf(source: AsyncIterable<Uint8Array | string>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  let pending: Uint8Array = new Uint8Array(0);
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next === 'aborted') return;
      if (next.done === true) break;
      const chunk = typeof next.value === 'string' ? new TextEncoder().encode(next.value) : next.value;
      pending = concat(pending, chunk);
      for (let nl = pending.indexOf(0x0a); nl >= 0; nl = pending.indexOf(0x0a)) {
        yield pending.slice(0, nl + 1);
        pending = pending.slice(nl + 1);
        if (signal.aborted) return;
      }
    }
    if (pending.length > 0) yield pending;
  } finally {
    void it.return?.();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
