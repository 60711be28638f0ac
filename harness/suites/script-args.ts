/**
 * The command line of a probe group run as a tlsfuzzer script, and which probes it runs. Flags and
 * their meaning follow tlsfuzzer's scripts (`getopt(argv, "h:p:e:x:X:n:", ["help"])` in their
 * `main()`): `-h host` `-p port` `-e name` `-x name [-X text]` `-n num`, probe names as positional
 * arguments, `--help`. Ours besides: `--impl NAME`, `--seed S`.
 *
 * Two departures, both stricter: flags may follow probe names (Python's getopt stops at the first
 * name), and a probe name that is not in the group is an error (tlsfuzzer ignores it silently).
 */
import type { Feature } from '../iut/types.ts';
import { Prng } from '../net/prng.ts';

/** Every feature an implementation can declare (checked against the `Feature` type). */
export const FEATURES = ['certificate', 'psk', 'cookie', 'alpn', 'cid', 'echo', 'client-sends-data', 'ems'] as const satisfies readonly Feature[];
type MissingFeature = Exclude<Feature, (typeof FEATURES)[number]>;
const allFeaturesListed: [MissingFeature] extends [never] ? true : MissingFeature = true;
void allFeaturesListed;

/** What a server at -h/-p is taken to do unless --features says otherwise: tlsfuzzer's sanity expects an answer to its data. */
export const REMOTE_FEATURES: readonly Feature[] = ['certificate', 'echo'];

/** A bad command line. tlsfuzzer's scripts end with an uncaught exception then, so the exit code is 1. */
export class ScriptUsageError extends Error {
  override readonly name = 'ScriptUsageError';
}

/** tlsfuzzer exits 1 on a bad command line (an uncaught getopt.GetoptError or ValueError), as on a failure. */
export const EXIT_USAGE = 1;

export interface ScriptArgs {
  /** The group (first positional), as given: `server-cookie` or `dtlsprobe-server-cookie`. */
  readonly group?: string;
  readonly host?: string;
  readonly port?: number;
  /** -e, in order. */
  readonly exclude: readonly string[];
  /** -x name -> the -X text that must be in its failure (undefined: any failure will do). */
  readonly expected: ReadonlyMap<string, string | undefined>;
  /** -n; 0 means all, as in tlsfuzzer. */
  readonly n?: number;
  /** Positional probe names: run only these. */
  readonly names: readonly string[];
  readonly help: boolean;
  readonly impl?: string;
  readonly seed?: number;
  /** --features: what the server at -h/-p does. */
  readonly features?: readonly Feature[];
}

const WITH_VALUE = new Set(['h', 'p', 'e', 'x', 'X', 'n']);
const LONG_WITH_VALUE = new Set(['impl', 'seed', 'features']);

/** Python's `int(text)` for decimal text: optional sign, digits, single underscores between digits, spaces around. */
function pythonInt(text: string, flag: string): number {
  if (!/^\s*[+-]?\d+(_\d+)*\s*$/.test(text)) throw new ScriptUsageError(`${flag} needs an integer, got ${JSON.stringify(text)}`);
  return Number(text.replace(/_/g, '').trim());
}

export function parseScriptArgs(argv: readonly string[]): ScriptArgs {
  let host: string | undefined;
  let port: number | undefined;
  let n: number | undefined;
  let impl: string | undefined;
  let seed: number | undefined;
  let features: Feature[] | undefined;
  let help = false;
  let lastExpected: string | undefined;
  const exclude: string[] = [];
  const expected = new Map<string, string | undefined>();
  const positional: string[] = [];

  const apply = (flag: string, value: string): void => {
    switch (flag) {
      case '-h':
        host = value;
        break;
      case '-p':
        port = pythonInt(value, '-p');
        if (port < 1 || port > 65535) throw new ScriptUsageError(`-p needs a port number from 1 to 65535, got ${value}`);
        break;
      case '-e':
        exclude.push(value);
        break;
      case '-x':
        expected.set(value, undefined);
        lastExpected = value;
        break;
      case '-X':
        // tlsfuzzer's own words for this mistake
        if (lastExpected === undefined) throw new ScriptUsageError('-x has to be specified before -X');
        expected.set(lastExpected, value);
        break;
      case '-n':
        n = pythonInt(value, '-n');
        if (n < 0) throw new ScriptUsageError(`-n needs a number of probes, 0 or more (0: all), got ${value}`);
        break;
      case '--impl':
        if (value === '') throw new ScriptUsageError('--impl needs an implementation name');
        impl = value;
        break;
      case '--seed':
        seed = pythonInt(value, '--seed');
        if (seed < 0 || seed > 0xffffffff) throw new ScriptUsageError(`--seed needs an integer from 0 to 4294967295, got ${value}`);
        break;
      case '--features': {
        const names = value.split(',').map((f) => f.trim()).filter((f) => f !== '');
        const bad = names.filter((f) => !(FEATURES as readonly string[]).includes(f));
        if (bad.length > 0) throw new ScriptUsageError(`--features: unknown feature ${bad.join(', ')}; known: ${FEATURES.join(', ')}`);
        features = names as Feature[];
        break;
      }
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq >= 0 ? eq : undefined);
      if (name === 'help') {
        if (eq >= 0) throw new ScriptUsageError('option --help must not have an argument');
        help = true;
        continue;
      }
      if (!LONG_WITH_VALUE.has(name)) throw new ScriptUsageError(`option --${name} not recognized`);
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new ScriptUsageError(`option --${name} requires argument`);
      apply(`--${name}`, value);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg[1];
      if (!WITH_VALUE.has(letter)) throw new ScriptUsageError(`option -${letter} not recognized`);
      // getopt: the value may be attached (-p4433) or the next argument
      const value = arg.length > 2 ? arg.slice(2) : argv[++i];
      if (value === undefined) throw new ScriptUsageError(`option -${letter} requires argument`);
      apply(`-${letter}`, value);
      continue;
    }
    positional.push(arg);
  }
  const [group, ...names] = positional;
  return {
    ...(group === undefined ? {} : { group }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(n === undefined ? {} : { n }),
    ...(impl === undefined ? {} : { impl }),
    ...(seed === undefined ? {} : { seed }),
    ...(features === undefined ? {} : { features }),
    exclude,
    expected,
    names,
    help,
  };
}

/** The usage text (our words, tlsfuzzer's layout). */
export function scriptUsage(group = 'GROUP'): string {
  return [
    `Usage: dtlsprobe script ${group} [-h hostname] [-p port] [-e probe] [-x probe [-X text]] [-n num] [--impl name] [--features F,G] [--seed S] [[probe-name] ...]`,
    `       node --import=tsx harness/suites/script.ts ${group} [flags] [[probe-name] ...]`,
    ' -h hostname    host of the DTLS server under test, localhost by default',
    ' -p port        its UDP port, 4433 by default',
    ' probe-name     run only the probes named (sanity probes still run first and last)',
    ' -e probe-name  do not run this probe; may be given more than once',
    ' -x probe-name  expect this probe to fail: a pass is reported as XPASS and fails the',
    '                script; may be given more than once',
    ' -X text        the failure of the -x probe just before must contain `text`; otherwise',
    '                the probe counts as FAIL. Order matters: -x name -X text',
    ' -n num         run `num` probes picked at random (0: all, the default); sanity probes',
    '                always run',
    ' --impl name    probe a built-in implementation (reference, openssl, gnutls, ...)',
    '                instead of a server at -h/-p; client groups need --impl',
    ' --features F,G what the server at -h/-p does (default certificate,echo): any of',
    `                ${FEATURES.join(', ')}`,
    '                probes needing what it lacks are skipped',
    ' --seed S       the seed for the probes and for -n (random by default; the summary',
    '                shows it)',
    ' --help         this message',
    '',
    'Exit code: 0 when nothing failed and no expected failure passed, 1 otherwise (also for a',
    'bad command line, as tlsfuzzer).',
  ].join('\n');
}

export interface Selection<T> {
  /** The group's sanity probes: run first and last. */
  readonly sanity: readonly T[];
  /** The other probes to run, in the order they run. */
  readonly sampled: readonly T[];
  /** How many probes of the group -e excluded (tlsfuzzer's SKIP). */
  readonly excluded: number;
}

/** Names given on the command line (positional, -e, -x) that the group has no probe for. */
export function unknownNames(probes: readonly { readonly name: string }[], args: ScriptArgs): string[] {
  const known = new Set(probes.map((p) => p.name));
  const given = [...args.names, ...args.exclude, ...args.expected.keys()];
  return [...new Set(given.filter((n) => !known.has(n)))];
}

/**
 * Which probes run, as tlsfuzzer picks them: the sanity probes always; of the others, the named
 * ones (or all), less the excluded, then `random.sample(regular, min(n, len(regular)))` with n = all
 * when -n is 0 or absent. A sample comes out in random order, as tlsfuzzer's does; ours is drawn
 * from the seed, so a run replays.
 */
export function selectProbes<T extends { readonly name: string; readonly sanity?: boolean }>(probes: readonly T[], args: ScriptArgs, seed: number): Selection<T> {
  const excluded = new Set(args.exclude);
  const only = args.names.length > 0 ? new Set(args.names) : undefined;
  const sanity = probes.filter((p) => p.sanity === true && !excluded.has(p.name));
  const regular = probes.filter((p) => p.sanity !== true && !excluded.has(p.name) && (only === undefined || only.has(p.name)));
  const limit = args.n === undefined || args.n === 0 ? regular.length : Math.min(args.n, regular.length);
  const pool = [...regular];
  const rng = new Prng(`script-sample:${seed}`);
  const sampled: T[] = [];
  for (let i = 0; i < limit; i++) {
    const j = i + rng.below(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
    sampled.push(pool[i]);
  }
  return { sanity, sampled, excluded: probes.filter((p) => excluded.has(p.name)).length };
}

/** Where a script writes: one line per call, as `console.log` would print it. */
export interface ScriptIo {
  out(line: string): void;
  err(line: string): void;
}

/** How a script run ended: its exit code, whether the command line was at fault, and its counts. */
export interface ScriptOutcome {
  readonly code: number;
  readonly usageError: boolean;
  /** The summary's counts, when probes ran. */
  readonly counts?: {
    readonly total: number;
    readonly skip: number;
    readonly pass: number;
    readonly xfail: number;
    readonly fail: number;
    readonly xpass: number;
  };
}

/** The group a script name means: the group itself, or `dtlsprobe-<group>`. */
export function resolveGroup(name: string, groups: Iterable<string>): string | undefined {
  const known = new Set(groups);
  if (known.has(name)) return name;
  const bare = name.startsWith('dtlsprobe-') ? name.slice('dtlsprobe-'.length) : undefined;
  return bare !== undefined && known.has(bare) ? bare : undefined;
}
