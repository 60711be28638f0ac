/**
 * What a traced read saw: one entry per leaf field, with its byte range, its value as printed,
 * and the RFC section of the nearest enclosing structure. The annotated dump is built from this.
 */
export interface TraceEntry {
  /** Dotted field path, e.g. `DTLSPlaintext.fragment.ClientHello.cipher_suites[0]`. */
  readonly path: string;
  /** Absolute start offset in the traced input. */
  readonly start: number;
  /** Absolute end offset (exclusive). */
  readonly end: number;
  /** The value, printed: numbers in decimal and hex, enum names, byte strings as hex. */
  readonly value: string;
  /** The RFC section that defines the enclosing structure, e.g. `RFC 6347 §4.2.2`. */
  readonly rfc: string | undefined;
  /** Depth of nesting, for indentation. */
  readonly depth: number;
  /** A structure's opening line rather than a leaf field. */
  readonly isStruct: boolean;
}

export class Trace {
  readonly entries: TraceEntry[] = [];
  add(entry: TraceEntry): void {
    this.entries.push(entry);
  }
}
