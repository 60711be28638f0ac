/**
 * A codec is the pair every wire structure has: read from a `Reader`, write into a `Writer`.
 * The table of all codecs (`registry.ts`) drives the generic properties (round trips, byte-exact
 * re-encoding, mutation robustness) and the fuzz targets.
 */
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

export interface Codec<T> {
  /** Name used in reports and DecodeError roots, e.g. `ClientHello` or `Extension(key_share, server_hello)`. */
  readonly name: string;
  read(r: Reader): T;
  write(w: Writer, value: T): void;
}
