/**
 * A small, strict command-line parser: each command declares its flags; an unknown flag, a
 * missing value or a malformed number is a `UsageError` that names the flag.
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagSpec {
  /** `string` and `number` take a value; `boolean` does not. */
  readonly type: 'string' | 'number' | 'boolean';
  readonly help: string;
  /** One-letter alias, without the dash. */
  readonly short?: string;
  readonly valueName?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]?: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string;
};

export interface Parsed<S extends FlagSpecs> {
  readonly flags: ParsedFlags<S>;
  readonly positional: string[];
}

export function parseArgs<S extends FlagSpecs>(argv: readonly string[], specs: S): Parsed<S> {
  const flags: Record<string, string | number | boolean> = {};
  const positional: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short !== undefined) byShort.set(spec.short, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq >= 0 ? arg.slice(0, eq) : arg;
    const name = rawName.startsWith('--') ? rawName.slice(2) : byShort.get(rawName.slice(1));
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) throw new UsageError(`unknown flag ${rawName}`);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`flag ${rawName} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`flag ${rawName} needs a value (${spec.valueName ?? spec.type})`);
    if (spec.type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`flag ${rawName} needs a number, got "${value}"`);
      flags[name] = n;
    } else {
      flags[name] = value;
    }
  }
  return { flags: flags as ParsedFlags<S>, positional };
}

/** The flag lines of a usage text. */
export function describeFlags(specs: FlagSpecs): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const short = s.short !== undefined ? `-${s.short}, ` : '    ';
      const value = s.type === 'boolean' ? '' : ` ${s.valueName ?? s.type.toUpperCase()}`;
      return `  ${short}--${name}${value}`.padEnd(32) + s.help;
    })
    .join('\n');
}
