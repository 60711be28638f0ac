/**
 * Open enums: a table of known code points that prints a name for a known value and the hex of
 * an unknown one. Values stay plain numbers in message models, so unknown ones survive parse and
 * re-encode untouched.
 */
import type { NamePrinter } from './reader.ts';

export interface OpenEnumMethods extends NamePrinter {
  /** The enum's own name, e.g. `CipherSuite`. */
  readonly enumName: string;
  /** Width of the field on the wire, in bytes. */
  readonly width: 1 | 2;
  /** Every known value. */
  readonly known: readonly number[];
  isKnown(value: number): boolean;
  /** The value for a name, or undefined. */
  parse(name: string): number | undefined;
}

export type OpenEnum<T extends Record<string, number>> = Readonly<T> & OpenEnumMethods;

export function openEnum<const T extends Record<string, number>>(
  enumName: string,
  width: 1 | 2,
  table: T,
): OpenEnum<T> {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(table)) {
    if (!names.has(value)) names.set(value, name);
  }
  const digits = width * 2;
  const methods: OpenEnumMethods = {
    enumName,
    width,
    known: [...names.keys()],
    nameOf: (value: number): string =>
      names.get(value) ?? `unknown(0x${value.toString(16).padStart(digits, '0')})`,
    isKnown: (value: number): boolean => names.has(value),
    parse: (name: string): number | undefined =>
      Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined,
  };
  return Object.freeze({ ...table, ...methods }) as OpenEnum<T>;
}
