/**
 * What a fuzz target is (issue 8): the Jazzer.js entry point `fuzz(data)`, plus what a runner
 * needs around it: valid starting inputs, and a structure-aware mutator when the input has a
 * structure. A target reports a violated property by throwing a `FuzzFinding`; any other throw
 * escaping `fuzz` is a crash of the code under test, and the runner reports it as one.
 */
import { DecodeError } from '../reference/wire/errors.ts';
import { hex } from '../reference/wire/reader.ts';

export type FindingKind = 'crash' | 'property' | 'hang' | 'memory';

/** A property a target checks did not hold. */
export class FuzzFinding extends Error {
  override readonly name = 'FuzzFinding';
  readonly kind: FindingKind;
  /** What was wrong, without the input. */
  readonly detail: string;

  constructor(kind: FindingKind, detail: string, options?: { cause?: unknown }) {
    super(`${kind}: ${detail}`, options);
    this.kind = kind;
    this.detail = detail;
  }
}

export interface FuzzTarget {
  /** e.g. `record-header`, `engine-server-after-clienthello`. */
  readonly name: string;
  readonly description: string;
  /** Throws FuzzFinding on a finding; any other throw is also a crash. */
  fuzz(data: Uint8Array): void;
  /** Valid starting inputs. */
  seeds(): Iterable<Uint8Array>;
  /** Structure-aware mutation; without it the runner mutates bytes. */
  mutate?(data: Uint8Array, rng: () => number): Uint8Array;
  /**
   * Share of the runner's mutations done by `mutate` (default 0.25; see CampaignOptions). A target
   * whose `fuzz` is much cheaper than its `mutate` (the record header: a read that mostly rejects,
   * against a parse and re-write) sets it lower, so mutation does not dominate its execs.
   */
  readonly structureRatio?: number;
}

/** How a runner sees one input: no finding, or the finding (a non-FuzzFinding throw becomes a crash). */
export function runOne(target: FuzzTarget, data: Uint8Array): FuzzFinding | undefined {
  try {
    target.fuzz(data);
    return undefined;
  } catch (e) {
    return asFinding(e);
  }
}

/** Any thrown value as a finding: a FuzzFinding as it is, anything else as a crash. */
export function asFinding(e: unknown): FuzzFinding {
  if (e instanceof FuzzFinding) return e;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new FuzzFinding('crash', `uncaught ${what}`, { cause: e });
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A short hex preview of an input for finding details. */
export function preview(bytes: Uint8Array, max = 64): string {
  return bytes.length > max ? `${hex(bytes.subarray(0, max))}… (${bytes.length} bytes)` : hex(bytes);
}

/**
 * Runs a reader: its value, or undefined when it rejected the input with a DecodeError. Anything
 * else it throws is the "only DecodeError escapes a reader" property failing.
 */
export function readOrReject<T>(what: string, read: () => T): T | undefined {
  const r = readOrDecodeError(what, read);
  return r instanceof DecodeError ? undefined : r.value;
}

/**
 * `readOrReject` that also tells why a rejected input was rejected: the reader's value (in an
 * object, so a value that is itself a DecodeError is not mistaken for one), or its DecodeError.
 * Stack capture is off while it reads (see `stacksOff`), and there is no `finally`: on this path
 * most inputs are rejected, and every `finally` an exception passes through throws it again.
 */
export function readOrDecodeError<T>(what: string, read: () => T): { readonly value: T } | DecodeError {
  const saved = stacksOff();
  let value: T;
  try {
    value = read();
  } catch (e) {
    stacksBack(saved);
    if (e instanceof DecodeError) return e;
    throw notADecodeError(what, e, read);
  }
  stacksBack(saved);
  return { value };
}

/**
 * The finding for a reader that threw `e`, something other than a DecodeError: `read` runs it
 * again with stack traces (the read is deterministic), so the finding says where.
 */
export function notADecodeError(what: string, e: unknown, read: () => unknown): FuzzFinding {
  let cause: unknown = e;
  try {
    read();
  } catch (again) {
    cause = again;
  }
  const shown = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new FuzzFinding('property', `${what}: the reader threw ${shown}, not a DecodeError`, { cause });
}

/** What `stacksOff` saved: `Error.stackTraceLimit` as it was (a number, or not set). */
export type StackSetting = number | undefined;

const errorConstructor: { stackTraceLimit: StackSetting } = Error;

/**
 * Stops V8 capturing a stack for each new Error; `stacksBack(saved)` puts it back. Most fuzz inputs
 * are rejected, and capturing the stack of each DecodeError was most of what a rejection cost; a
 * finding re-runs its input to get one. `Error.stackTraceLimit` is made a non-number rather than 0:
 * V8 then skips capturing altogether, where with 0 it still does most of the work (measured on
 * Node 20: 0.69 µs a `new Error()` with 0, 0.21 µs with no limit set). While it is off, `error.stack`
 * of a new error is undefined.
 */
export function stacksOff(): StackSetting {
  const saved = errorConstructor.stackTraceLimit;
  errorConstructor.stackTraceLimit = undefined;
  return saved;
}

export function stacksBack(saved: StackSetting): void {
  errorConstructor.stackTraceLimit = saved;
}

/** Runs `fn` with stack capture off (`stacksOff`). */
export function withoutStacks<T>(fn: () => T): T {
  const saved = stacksOff();
  try {
    return fn();
  } finally {
    stacksBack(saved);
  }
}

/** The `write(read(b)) = b` property for an accepted input. */
export function checkReencoding(what: string, input: Uint8Array, write: () => Uint8Array): void {
  let again: Uint8Array;
  try {
    again = write();
  } catch (e) {
    const shown = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new FuzzFinding('property', `${what}: accepted ${preview(input)} but writing it back threw ${shown}`, { cause: e });
  }
  if (!equalBytes(again, input)) {
    throw new FuzzFinding('property', `${what}: accepted ${preview(input)} but it re-encodes as ${preview(again)}`);
  }
}
