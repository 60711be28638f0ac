/** The only error a wire reader throws: it names the field path where decoding stopped. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Dotted path of the field being read, e.g. `ClientHello.extensions[2].server_name`. */
  readonly path: string;
  /** What was wrong, without the path. */
  readonly reason: string;
  /** Absolute offset in the input where the field starts. */
  readonly offset: number;

  constructor(path: string, reason: string, offset: number) {
    super(`${path}: ${reason} (at offset ${offset})`);
    this.path = path;
    this.reason = reason;
    this.offset = offset;
  }
}
