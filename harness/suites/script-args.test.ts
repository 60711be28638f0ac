import test from 'ava';
import { parseScriptArgs, ScriptUsageError, scriptUsage, selectProbes, unknownNames } from './script-args.ts';

const usage = (argv: string[]): string => t_throws(() => parseScriptArgs(argv));
function t_throws(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ScriptUsageError) return e.message;
    throw e;
  }
  throw new Error('no ScriptUsageError');
}

test('tlsfuzzer flags: -h -p -e -x -X -n and probe names', (t) => {
  const a = parseScriptArgs(['server-cookie', '-h', 'example.test', '-p', '5684', '-e', 'a', '-e', 'b', '-x', 'c', '-X', 'handshake_failure', '-x', 'd', '-n', '3', 'e', 'f']);
  t.is(a.group, 'server-cookie');
  t.is(a.host, 'example.test');
  t.is(a.port, 5684);
  t.deepEqual(a.exclude, ['a', 'b']);
  t.deepEqual([...a.expected], [['c', 'handshake_failure'], ['d', undefined]]);
  t.is(a.n, 3);
  t.deepEqual(a.names, ['e', 'f']);
  t.false(a.help);
});

test('getopt details: attached values, --, a second -x clears its -X, Python int() spelling', (t) => {
  const a = parseScriptArgs(['g', '-p4433', '-xone', '-X', 'msg', '-x', 'one', '-n', ' 1_0 ', '--', '-e']);
  t.is(a.port, 4433);
  t.deepEqual([...a.expected], [['one', undefined]]);
  t.is(a.n, 10);
  t.deepEqual(a.names, ['-e']);
});

test('our flags: --impl, --seed, with = or a separate value; --help', (t) => {
  const a = parseScriptArgs(['g', '--impl=reference', '--seed', '42', '--help']);
  t.is(a.impl, 'reference');
  t.is(a.seed, 42);
  t.true(a.help);
  t.true(parseScriptArgs(['--help']).help);
  t.is(parseScriptArgs(['--help']).group, undefined);
});

test('--features lists what a server at -h/-p does', (t) => {
  t.deepEqual(parseScriptArgs(['g', '--features', 'certificate,psk, echo']).features, ['certificate', 'psk', 'echo']);
  t.is(parseScriptArgs(['g']).features, undefined);
  t.is(usage(['g', '--features', 'certificate,telepathy']), '--features: unknown feature telepathy; known: certificate, psk, cookie, alpn, cid, echo, client-sends-data, ems');
});

test('bad command lines are usage errors with getopt-like words', (t) => {
  t.is(usage(['g', '-q']), 'option -q not recognized');
  t.is(usage(['g', '--verbose']), 'option --verbose not recognized');
  t.is(usage(['g', '-p']), 'option -p requires argument');
  t.is(usage(['g', '--impl']), 'option --impl requires argument');
  t.is(usage(['g', '--help=1']), 'option --help must not have an argument');
  t.is(usage(['g', '-X', 'text']), '-x has to be specified before -X');
  t.is(usage(['g', '-n', 'two']), '-n needs an integer, got "two"');
  t.regex(usage(['g', '-n', '-1']), /-n needs a number of probes, 0 or more/);
  t.regex(usage(['g', '-p', '70000']), /-p needs a port number from 1 to 65535/);
  t.regex(usage(['g', '--seed', '1.5']), /--seed needs an integer/);
});

test('the usage text names every flag', (t) => {
  const text = scriptUsage('server-cookie');
  for (const flag of [' -h ', ' -p ', ' -e ', ' -x ', ' -X ', ' -n ', ' --impl ', ' --features ', ' --seed ', ' --help ']) t.true(text.includes(flag), flag);
  t.true(text.startsWith('Usage: dtlsprobe script server-cookie '));
});

const PROBES = [
  { name: 'sanity', sanity: true },
  { name: 'a' },
  { name: 'b' },
  { name: 'c' },
  { name: 'd' },
];

test('selection: sanity always; -e excludes and counts as SKIP; names restrict; -n 0 means all', (t) => {
  const all = selectProbes(PROBES, parseScriptArgs(['g']), 1);
  t.deepEqual(all.sanity.map((p) => p.name), ['sanity']);
  t.deepEqual([...all.sampled.map((p) => p.name)].sort(), ['a', 'b', 'c', 'd']);
  t.is(all.excluded, 0);
  t.deepEqual([...selectProbes(PROBES, parseScriptArgs(['g', '-n', '0']), 1).sampled.map((p) => p.name)].sort(), ['a', 'b', 'c', 'd']);
  const some = selectProbes(PROBES, parseScriptArgs(['g', '-e', 'b', '-e', 'c']), 1);
  t.deepEqual([...some.sampled.map((p) => p.name)].sort(), ['a', 'd']);
  t.is(some.excluded, 2);
  const named = selectProbes(PROBES, parseScriptArgs(['g', 'c', 'a']), 1);
  t.deepEqual([...named.sampled.map((p) => p.name)].sort(), ['a', 'c']);
  t.deepEqual(selectProbes(PROBES, parseScriptArgs(['g', 'sanity']), 1).sampled, [], 'naming sanity runs it first and last only');
});

test('selection: -n picks that many at random, the same ones for the same seed', (t) => {
  const args = parseScriptArgs(['g', '-n', '2']);
  const one = selectProbes(PROBES, args, 7).sampled.map((p) => p.name);
  t.is(one.length, 2);
  t.deepEqual(selectProbes(PROBES, args, 7).sampled.map((p) => p.name), one);
  t.is(new Set(one).size, 2);
  t.is(selectProbes(PROBES, parseScriptArgs(['g', '-n', '9']), 7).sampled.length, 4, 'n larger than the group runs all');
  const seen = new Set<string>();
  for (let seed = 0; seed < 40; seed++) seen.add(selectProbes(PROBES, args, seed).sampled.map((p) => p.name).join());
  t.true(seen.size > 1, 'other seeds pick other probes');
});

test('names the group does not have are reported once each', (t) => {
  t.deepEqual(unknownNames(PROBES, parseScriptArgs(['g', '-e', 'zz', '-x', 'a', '-x', 'yy', 'zz', 'b'])), ['zz', 'yy']);
});
