/** The flags of fuzz/external/run.ts: every wrong one is named in the error. */
import test from 'ava';
import { parseArgs } from './run.ts';

test('external fuzz flags: a valid command line', (t) => {
  const o = parseArgs(['--impl', 'gnutls', '--role', 'server', '--time', '10m', '--seed', '8', '--report=out', '--quiet']);
  t.is(o.impl, 'gnutls');
  t.is(o.role, 'server');
  t.is(o.seed, 8);
  t.is(o.timeMs, 600_000);
  t.is(o.reportDir, 'out');
  t.true(o.quiet);
  t.is(parseArgs(['--impl', 'openssl', '--role', 'client', '--cases', '5']).cases, 5);
  t.deepEqual(parseArgs(['--impl', 'openssl', '--role', 'client', '--case', '3,17']).only, [3, 17]);
});

test('external fuzz flags: each mistake names the flag', (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--impl', 'mbedtls', '--role', 'server'], /--impl must be openssl or gnutls/],
    [['--impl', 'openssl'], /--role must be server or client/],
    [['--impl', 'openssl', '--role', 'server', '--seed', '-1'], /--seed must be a non-negative integer/],
    [['--impl', 'openssl', '--role', 'server', '--cases', 'many'], /--cases must be a positive integer, got many/],
    [['--impl', 'openssl', '--role', 'server', '--cases', '0'], /--cases must be a positive integer, got 0/],
    [['--impl', 'openssl', '--role', 'server', '--case', 'x'], /--case takes case indexes/],
    [['--impl', 'openssl', '--role', 'server', '--kinds', 'nonsense'], /unknown mutation kind nonsense/],
    [['--impl', 'openssl', '--role', 'server', '--flights', 'nonsense'], /unknown flight nonsense; against a server/],
    [['--impl', 'openssl', '--role', 'server', '--bogus', '1'], /unknown flag --bogus/],
    [['--impl', 'openssl', '--role', 'server', '--time'], /--time needs a value/],
    [['openssl'], /unexpected argument openssl/],
  ];
  for (const [argv, message] of cases) t.throws(() => parseArgs(argv), { message }, argv.join(' '));
});
