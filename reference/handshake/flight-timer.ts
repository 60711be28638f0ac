/**
 * RFC 6347 §4.2.4: the timeout and retransmission machine, on its own.
 *
 * ```
 *                    +-----------+
 *         +--------> | PREPARING |
 *         |          +-----------+
 *         |                | send(flight)
 *         |               \|/
 *         |          ( SENDING ) <----------------------+  handleTimeout: the timer expired,
 *         |           |         |                       |  or onPeerRetransmission:
 *         |           |         | set the timer         |  the peer resent its last flight
 *         |           |        \|/                      |
 *         |           |    +-----------+                |
 *         +-----------)--- |  WAITING  | ---------------+
 *       onPeerFlight  |    +-----------+
 *                     |          |
 *   the final flight  |          | onPeerFinalFlight
 *                    \|/        \|/
 *                    +-----------+   send(flight), a rehandshake: to SENDING
 *                    | FINISHED  | ----------------------------------------->
 *                    +-----------+
 *                      |  /|\
 *                      +---+   onPeerRetransmission: resend our final flight
 * ```
 *
 * After pion/dtls's `handshaker.go`, without its regrets: no real timers (time is a number of
 * milliseconds the caller passes in, the deadline is a number it asks for), named options instead of
 * positional booleans, a bounded number of retransmissions reported as a typed result, and no
 * knowledge of message contents: a flight is an opaque list of items of type `T`.
 *
 * SENDING is not a state anyone can observe here: in a sans-IO machine it is the act of returning a
 * flight to the caller (from `send`, `handleTimeout` or `onPeerRetransmission`), who transmits it.
 */

/** Where the machine is; `timed-out` is terminal (the handshake failed, RFC 6347 §4.2.4.1). */
export type FlightState = 'preparing' | 'waiting' | 'finished' | 'timed-out';

export interface FlightTimerOptions {
  /** The first retransmission timeout, in ms. RFC 6347 §4.2.4.1: 1 second. */
  readonly initialTimeoutMs?: number;
  /** The cap on the doubled timeout, in ms. RFC 6347 §4.2.4.1: no less than 60 seconds. */
  readonly maxTimeoutMs?: number;
  /** Timer-driven retransmissions of one flight before the next expiry reports `timeout`. */
  readonly maxRetransmissions?: number;
  /**
   * Clients start in PREPARING (they send the first flight); servers start in WAITING "with empty
   * buffers and no retransmit timer" (RFC 6347 §4.2.4).
   */
  readonly startIn?: 'preparing' | 'waiting';
}

/** How a flight may be sent again. */
export interface FlightKind {
  /**
   * Whether the flight may ever be sent again. A HelloVerifyRequest may not: it is sent statelessly
   * (RFC 6347 §4.2.1, §3.2.1); the server answers each ClientHello afresh instead.
   */
  readonly retransmittable: boolean;
  /**
   * Whether this is the last flight of the handshake: no timer, FINISHED, and resent only when the
   * peer's last flight shows up again (RFC 6347 §4.2.4, Figure 1).
   */
  readonly final: boolean;
}

/** Send these items again. */
export interface Retransmit<T> {
  readonly kind: 'retransmit';
  readonly flight: readonly T[];
}

/** The handshake failed: the flight was retransmitted `retransmissions` times without an answer. */
export interface TimedOut {
  readonly kind: 'timeout';
  readonly retransmissions: number;
}

/** Nothing to do. */
export interface NoAction {
  readonly kind: 'none';
}

export type TimeoutOutcome<T> = Retransmit<T> | TimedOut | NoAction;
export type PeerRetransmissionOutcome<T> = Retransmit<T> | NoAction;

export const DEFAULT_INITIAL_TIMEOUT_MS = 1_000;
export const DEFAULT_MAX_TIMEOUT_MS = 60_000;
/** Ten timer-driven retransmissions: 1+2+4+8+16+32+60·5 s, about six minutes, before giving up. */
export const DEFAULT_MAX_RETRANSMISSIONS = 10;

const NONE: NoAction = { kind: 'none' };

function checkTimeout(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
  return value;
}

/** RFC 6347 §4.2.4 */
export class FlightTimer<T> {
  readonly initialTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly maxRetransmissions: number;

  private current: FlightState;
  /** The flight to resend, or undefined when there is none (or it may not be resent). */
  private flight: readonly T[] | undefined;
  /** The retransmission timeout: doubles on each expiry, back to the initial value on new input. */
  private timeoutMs: number;
  /** Absolute time (ms) at which the timer expires, when it runs. */
  private deadline: number | undefined;
  /** Timer-driven retransmissions of the current flight. */
  private timerRetransmissions = 0;

  constructor(options: FlightTimerOptions = {}) {
    this.initialTimeoutMs = checkTimeout('initialTimeoutMs', options.initialTimeoutMs ?? DEFAULT_INITIAL_TIMEOUT_MS);
    this.maxTimeoutMs = checkTimeout('maxTimeoutMs', options.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS);
    if (this.maxTimeoutMs < this.initialTimeoutMs) {
      throw new RangeError(`maxTimeoutMs (${this.maxTimeoutMs}) is below initialTimeoutMs (${this.initialTimeoutMs})`);
    }
    this.maxRetransmissions = options.maxRetransmissions ?? DEFAULT_MAX_RETRANSMISSIONS;
    if (!Number.isInteger(this.maxRetransmissions) || this.maxRetransmissions < 0) {
      throw new RangeError(`maxRetransmissions must be a non-negative integer, got ${this.maxRetransmissions}`);
    }
    this.current = options.startIn ?? 'preparing';
    this.timeoutMs = this.initialTimeoutMs;
  }

  get state(): FlightState {
    return this.current;
  }

  /** The retransmission timeout the next timer will run for, in ms. */
  get currentTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** Timer-driven retransmissions of the current flight so far. */
  get retransmissions(): number {
    return this.timerRetransmissions;
  }

  /** When `handleTimeout` wants to be called (absolute ms), or undefined when no timer runs. */
  nextTimeout(): number | undefined {
    return this.deadline;
  }

  /**
   * PREPARING -> SENDING -> WAITING (or FINISHED for the final flight): buffers a new flight,
   * replacing the previous one, and returns what to transmit now. The timer starts unless the
   * flight is final or may not be retransmitted.
   */
  send(flight: readonly T[], kind: FlightKind, now: number): readonly T[] {
    if (this.current === 'timed-out') throw new Error('FlightTimer.send: the handshake timed out; start a new FlightTimer');
    if (flight.length === 0) throw new RangeError('FlightTimer.send: a flight holds at least one item');
    const items = [...flight];
    this.flight = kind.retransmittable ? items : undefined;
    this.lossless();
    this.current = kind.final ? 'finished' : 'waiting';
    this.deadline = kind.retransmittable && !kind.final ? now + this.timeoutMs : undefined;
    return items;
  }

  /**
   * The peer's next flight has arrived whole (RFC 6347 §4.2.4, WAITING exit 3): our flight needs
   * no more retransmission. New input: the timer stops; its value goes back to the initial one if
   * our flight got through without a retransmission (§4.2.4.1), else it is kept for the next
   * flight. The machine is PREPARING the answer. Partial reads (some fragments, or some messages of the
   * flight) must not be reported: they "do not cause state transitions or timer resets".
   */
  onPeerFlight(): void {
    if (this.current === 'timed-out') return;
    this.receivedNewInput();
    this.current = 'preparing';
  }

  /**
   * The peer's final flight has arrived whole: the handshake is complete on our side. FINISHED,
   * with nothing to resend (we did not send the last flight).
   */
  onPeerFinalFlight(): void {
    if (this.current === 'timed-out') return;
    this.receivedNewInput();
    this.current = 'finished';
  }

  /**
   * The peer sent its previous flight again (a retransmission of a message we already processed).
   * Call once per retransmitted flight the caller detects, not once per fragment.
   *
   * - WAITING: the peer's timer probably fired because part of our flight was lost; resend it now
   *   and restart the timer at its current value (RFC 6347 §4.2.4, WAITING exit 2). Not counted
   *   against `maxRetransmissions`, which bounds the timer alone.
   * - FINISHED after sending the final flight: resend it, once per retransmission, and never on a
   *   timer (RFC 6347 §4.2.4: the node that sent the last flight "MUST respond to a retransmit of
   *   the peer's last flight with a retransmit of the last flight").
   * - Otherwise, or when the flight may not be retransmitted (HelloVerifyRequest): nothing.
   */
  onPeerRetransmission(now: number): PeerRetransmissionOutcome<T> {
    const flight = this.flight;
    if (flight === undefined) return NONE;
    switch (this.current) {
      case 'waiting':
        this.deadline = now + this.timeoutMs;
        return { kind: 'retransmit', flight };
      case 'finished':
        return { kind: 'retransmit', flight };
      case 'preparing':
      case 'timed-out':
        return NONE;
    }
  }

  /**
   * The deadline from `nextTimeout` may have passed. Before it, or with no timer, nothing happens.
   * At or after it (RFC 6347 §4.2.4, WAITING exit 1; §4.2.4.1): retransmit the flight and double
   * the timeout up to `maxTimeoutMs`; once `maxRetransmissions` retransmissions went unanswered,
   * report `timeout` and stop (state `timed-out`).
   */
  handleTimeout(now: number): TimeoutOutcome<T> {
    const deadline = this.deadline;
    const flight = this.flight;
    if (deadline === undefined || now < deadline || flight === undefined) return NONE;
    if (this.timerRetransmissions >= this.maxRetransmissions) {
      this.current = 'timed-out';
      this.deadline = undefined;
      this.flight = undefined;
      return { kind: 'timeout', retransmissions: this.timerRetransmissions };
    }
    this.timerRetransmissions++;
    this.timeoutMs = Math.min(this.timeoutMs * 2, this.maxTimeoutMs);
    this.deadline = now + this.timeoutMs;
    return { kind: 'retransmit', flight };
  }

  /** "Reset only on new input": the timer stops and goes back to its initial value. */
  private receivedNewInput(): void {
    this.deadline = undefined;
    this.flight = undefined;
  }

  /**
   * RFC 6347 §4.2.4.1: keep the grown timer value until a flight gets through without loss (no
   * timer-driven retransmission); only then does it go back to the initial value.
   */
  private lossless(): void {
    if (this.timerRetransmissions === 0) this.timeoutMs = this.initialTimeoutMs;
    this.timerRetransmissions = 0;
  }
}
