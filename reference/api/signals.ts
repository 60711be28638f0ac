/**
 * GObject's property notification and signals, just enough for the DTLS API:
 * `connect('notify::peer-certificate', fn)`, `connect('accept-certificate', fn)`, `disconnect(id)`.
 * Property names are GIO's (kebab-case) in signal names.
 */

type Handler = (...args: never[]) => unknown;

export class SignalEmitter<Signals extends Record<string, Handler>> {
  private nextId = 1;
  private readonly handlers = new Map<number, { signal: string; fn: Handler }>();

  /** g_signal_connect: returns the handler id. */
  connect<K extends keyof Signals & string>(signal: K, fn: Signals[K]): number {
    const id = this.nextId++;
    this.handlers.set(id, { signal, fn });
    return id;
  }

  /** g_signal_handler_disconnect. */
  disconnect(id: number): void {
    this.handlers.delete(id);
  }

  /** The handlers of a signal, in the order they were connected. */
  protected handlersOf<K extends keyof Signals & string>(signal: K): Signals[K][] {
    return [...this.handlers.values()].filter((h) => h.signal === signal).map((h) => h.fn as Signals[K]);
  }
}
