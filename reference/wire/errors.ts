/**
 * The only error a wire reader throws: it names the field path where decoding stopped.
 *
 * Readers reject most of what fuzzers feed them, so a DecodeError is cheap to make: the path and
 * the message are put together only when someone reads them.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Absolute offset in the input where the field starts. */
  readonly offset: number;
  /** The path, or the enclosing fields and the field, until the path is first asked for. */
  private where: string | { readonly segments: readonly string[]; readonly field: string };
  private reasonText: string | (() => string);

  constructor(path: string | { readonly segments: readonly string[]; readonly field: string }, reason: string | (() => string), offset: number) {
    super();
    this.where = path;
    this.reasonText = reason;
    this.offset = offset;
  }

  /** The error for `field` under the enclosing fields `segments` (copied: the reader goes on using its own). */
  static at(segments: readonly string[], field: string, reason: string | (() => string), offset: number): DecodeError {
    return new DecodeError({ segments: segments.slice(), field }, reason, offset);
  }

  /** Dotted path of the field being read, e.g. `ClientHello.extensions[2].server_name`. */
  get path(): string {
    if (typeof this.where !== 'string') {
      const { segments, field } = this.where;
      const base = segments.join('.');
      this.where = base === '' ? (field === '' ? '(top level)' : field) : field === '' ? base : `${base}.${field}`;
    }
    return this.where;
  }

  /** What was wrong, without the path. */
  get reason(): string {
    if (typeof this.reasonText === 'function') this.reasonText = this.reasonText();
    return this.reasonText;
  }
}

// Error.prototype.message is a data property; the message of a DecodeError is made when read.
Object.defineProperty(DecodeError.prototype, 'message', {
  get(this: DecodeError): string {
    return `${this.path}: ${this.reason} (at offset ${this.offset})`;
  },
  configurable: true,
});
