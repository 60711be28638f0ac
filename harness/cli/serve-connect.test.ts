/**
 * `dtlsprobe serve` and `dtlsprobe connect` against each other through the CLI's `main()`, in this
 * process, with stdin, stdout and stderr in memory; then once as child processes (`node
 * bin/dtlsprobe.js` under `timeout`), as a user runs them. Real UDP on 127.0.0.1, ports chosen by
 * the kernel (`--port 0`).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { testPkiFiles } from '../../testkit/pki-files.ts';
import { udpBind } from '../../reference/transport/udp-datagram-based.ts';
import { main } from '../cli.ts';
import { repoRootPath } from './paths.ts';
import { retransmissionBudget } from './connect.ts';

interface Run {
  readonly code: Promise<number>;
  readonly out: string[];
  readonly err: string[];
  /** What `write` got (connect's data), as text. */
  data(): string;
  /** The first stdout/stderr line matching `re`, waiting up to `ms`. */
  line(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

function run(argv: string[], options: { stdin?: AsyncIterable<Uint8Array | string>; signal?: AbortSignal } = {}): Run {
  const out: string[] = [];
  const err: string[] = [];
  const chunks: Uint8Array[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const io = {
    out: (l: string) => void (out.push(l), wake()),
    err: (l: string) => void (err.push(l), wake()),
    write: (d: Uint8Array) => void (chunks.push(d.slice()), wake()),
    stdin: options.stdin ?? Readable.from([]),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const code = main(argv, io);
  let finished = false;
  void code.finally(() => {
    finished = true;
    wake();
  });
  const line = (re: RegExp, ms = 4000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        for (const l of [...out, ...err]) {
          const m = l.match(re);
          if (m !== null) return done(() => resolve(m));
        }
        if (finished) done(() => reject(new Error(`${argv[0]} ended without printing ${re}\nstdout: ${out.join('\n')}\nstderr: ${err.join('\n')}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${argv[0]} did not print ${re} within ${ms} ms\nstdout: ${out.join('\n')}\nstderr: ${err.join('\n')}`))), ms);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  return { code, out, err, data: () => Buffer.concat(chunks).toString('utf8'), line };
}

/** `dtlsprobe serve --port 0 --cert --key ...extra`, running until its signal fires (or --once). */
async function serve(extra: string[] = []): Promise<{ run: Run; port: string; stop: AbortController }> {
  const pki = await testPkiFiles();
  const stop = new AbortController();
  const r = run(['serve', '--port', '0', '--cert', pki.chain, '--key', pki.key, ...extra], { signal: stop.signal });
  const [, port] = await r.line(/^listening on 127\.0\.0\.1:(\d+)$/);
  return { run: r, port, stop };
}

function connect(port: string, extra: string[], stdin: AsyncIterable<Uint8Array | string> = Readable.from([])): Run {
  return run(['connect', '--host', '127.0.0.1', '--port', port, ...extra], { stdin });
}

test('echo: each stdin line comes back on stdout, connected goes to stderr; --once ends serve after close_notify', async (t) => {
  const pki = await testPkiFiles();
  const s = await serve(['--once']);
  const c = connect(s.port, ['--ca', pki.ca], Readable.from(['hello\n', 'second line\nthird']));
  t.is(await c.code, 0, c.err.join('\n'));
  t.is(c.data(), 'hello\nsecond line\nthird');
  t.deepEqual(c.out, [], 'stdout carries only data');
  t.regex(c.err[0], /^connected suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 version=DTLS 1\.2 alpn=-$/);
  t.is(await s.run.code, 0, 'serve --once exits by itself');
  t.is(s.run.out.length, 3, s.run.out.join('\n'));
  t.regex(s.run.out[1], /^accepted 127\.0\.0\.1:\d+ suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 alpn=-$/);
  t.regex(s.run.out[2], /^closed 127\.0\.0\.1:\d+ \(close_notify\)$/);
});

test('[RFC7301-3.2] ALPN: the server picks its first protocol the client offers; both print it', async (t) => {
  const s = await serve(['--alpn', 'coap,h2', '--once']);
  const c = connect(s.port, ['--insecure', '--alpn', 'h2,coap'], Readable.from(['x\n']));
  t.is(await c.code, 0, c.err.join('\n'));
  t.regex(c.err[0], / alpn=coap$/);
  await s.run.code;
  t.regex(s.run.out[1], / alpn=coap$/);
});

test('--keylog: both ends write the same CLIENT_RANDOM line', async (t) => {
  const pki = await testPkiFiles();
  const [serverLog, clientLog] = [join(pki.dir, 'server-keys.txt'), join(pki.dir, 'client-keys.txt')];
  const s = await serve(['--keylog', serverLog, '--once']);
  const c = connect(s.port, ['--ca', pki.ca, '--keylog', clientLog], Readable.from(['x\n']));
  t.is(await c.code, 0, c.err.join('\n'));
  await s.run.code;
  const lines = (f: string): string[] => readFileSync(f, 'utf8').trim().split('\n');
  t.regex(lines(clientLog)[0], /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
  t.deepEqual(lines(serverLog), lines(clientLog));
});

test('--verify require: a client with --cert/--key is accepted and named; one without fails', async (t) => {
  const pki = await testPkiFiles();
  const s = await serve(['--ca', pki.ca, '--verify', 'require']);
  t.teardown(() => s.stop.abort());
  const withCert = connect(s.port, ['--ca', pki.ca, '--cert', pki.chain, '--key', pki.key], Readable.from(['x\n']));
  t.is(await withCert.code, 0, withCert.err.join('\n'));
  t.regex((await s.run.line(/^accepted .*/))[0], / client=CN=localhost,O=dtlsprobe$/);
  const without = connect(s.port, ['--ca', pki.ca, '--timeout', '2']);
  t.is(await without.code, 1);
  t.regex(without.err.join('\n'), /handshake with 127\.0\.0\.1:\d+ failed: .*CERTIFICATE_REQUIRED/);
  s.stop.abort();
  t.is(await s.run.code, 0);
});

test("the server's close_notify ends connect with 0 while its stdin is still open", async (t) => {
  const s = await serve();
  const stdin = new PassThrough();
  t.teardown(() => stdin.destroy());
  const c = connect(s.port, ['--insecure'], stdin);
  await c.line(/^connected /);
  stdin.write('before the end\n');
  await s.run.line(/^accepted /);
  s.stop.abort();
  t.is(await s.run.code, 0);
  t.is(await c.code, 0, c.err.join('\n'));
  t.true(c.err.some((l) => /the server closed the connection \(close_notify\)/.test(l)), c.err.join('\n'));
});

test('certificate verification failures print the flags by name and exit 1', async (t) => {
  const pki = await testPkiFiles();
  const s = await serve();
  t.teardown(() => s.stop.abort());
  const systemOnly = connect(s.port, []);
  t.is(await systemOnly.code, 1);
  t.regex(systemOnly.err.join('\n'), /failed verification for "127\.0\.0\.1": UNKNOWN_CA \(subject CN=localhost/);
  const wrongName = connect(s.port, ['--ca', pki.ca, '--server-name', 'example.com']);
  t.is(await wrongName.code, 1);
  t.regex(wrongName.err.join('\n'), /failed verification for "example\.com": BAD_IDENTITY/);
});

test('no DTLS answer: a closed port (ICMP) and a silent one (the retransmission budget of --timeout)', async (t) => {
  const silent = await udpBind({ address: '127.0.0.1' });
  const closed = await udpBind({ address: '127.0.0.1' });
  const closedPort = String(closed.localAddress.port);
  await closed.close();
  t.teardown(() => silent.close());
  const refused = connect(closedPort, ['--insecure']);
  t.is(await refused.code, 1);
  t.is(refused.err.join('\n'), `dtlsprobe connect: no DTLS answer from 127.0.0.1:${closedPort}: ICMP port unreachable (nothing listens on that UDP port)`);
  const started = performance.now();
  const quiet = connect(String(silent.localAddress.port), ['--insecure', '--timeout', '0.6']);
  t.is(await quiet.code, 1);
  t.is(quiet.err.join('\n'), `dtlsprobe connect: no DTLS answer from 127.0.0.1:${silent.localAddress.port} within 0.6 s`);
  // only a bound against a hang: the budget's timeline itself is checked on virtual time (retransmissionBudget below)
  t.true(performance.now() - started < 10_000, 'within the budget, not hanging');
  t.true(silent.queued >= 2, `the ClientHello and retransmissions of it reached the silent port (${silent.queued})`);
});

test('retransmissionBudget fits doubling timers into --timeout', (t) => {
  t.deepEqual(retransmissionBudget(10_000), { initialTimeoutMs: 666, maxRetransmissions: 3 });
  t.deepEqual(retransmissionBudget(600), { initialTimeoutMs: 40, maxRetransmissions: 3 });
  t.deepEqual(retransmissionBudget(63_000), { initialTimeoutMs: 1000, maxRetransmissions: 5 });
});

test('usage errors exit 2 naming the flag: unknown, missing, conflicting', async (t) => {
  const cases: [string[], RegExp][] = [
    [['serve', '--port', '0', '--bogus'], /unknown flag --bogus/],
    [['serve', '--cert', 'c', '--key', 'k'], /missing --port N/],
    [['serve', '--port', '0'], /missing --cert FILE and --key FILE/],
    [['serve', '--port', '0', '--cert', 'c', '--key', 'k', '--verify', 'maybe'], /--verify maybe: one of none, request, require/],
    [['connect', '--port', '1'], /missing --host/],
    [['connect', '--host', '127.0.0.1'], /missing --port N/],
    [['connect', '--host', '127.0.0.1', '--port', '1', '--ca', 'x', '--insecure'], /--ca FILE or --insecure, not both/],
    [['connect', '--host', '127.0.0.1', '--port', '1', '--timeout'], /flag --timeout needs a value/],
    [['connect', '--host', '127.0.0.1', '--port', '1', '--mtu', '64'], /--mtu 64: an integer 128\.\.65507/],
  ];
  for (const [argv, re] of cases) {
    const r = run(argv);
    t.is(await r.code, 2, argv.join(' '));
    t.regex(r.err[0], re);
  }
});

test('unreadable --cert, --key and --ca files are named with the OS error; exit 2', async (t) => {
  const pki = await testPkiFiles();
  const missing = join(pki.dir, 'missing.pem');
  const cases: [string[], RegExp][] = [
    [['serve', '--port', '0', '--cert', missing, '--key', pki.key], /--cert \S+missing\.pem: cannot read it: ENOENT: no such file or directory/],
    [['serve', '--port', '0', '--cert', pki.chain, '--key', pki.dir], /--key \S+: cannot read it: EISDIR/],
    [['serve', '--port', '0', '--cert', pki.chain, '--key', pki.key, '--ca', missing], /--ca \S+missing\.pem: cannot read it: ENOENT/],
    [['connect', '--host', '127.0.0.1', '--port', '1', '--ca', missing], /--ca \S+missing\.pem: cannot read it: ENOENT/],
    [['serve', '--port', '0', '--cert', pki.key, '--key', pki.key], /No PEM-encoded certificate found/],
    [['connect', '--host', '127.0.0.1', '--port', '1', '--keylog', join(pki.dir, 'no-such-dir', 'k.txt')], /--keylog \S+k\.txt: cannot write it: ENOENT/],
  ];
  for (const [argv, re] of cases) {
    const r = run(argv);
    t.is(await r.code, 2, argv.join(' '));
    t.regex(r.err[0], re);
  }
});

test('a port in use is said so (exit 1); an address that is not loopback is refused by name (exit 2)', async (t) => {
  const pki = await testPkiFiles();
  const taken = await udpBind({ address: '127.0.0.1' });
  t.teardown(() => taken.close());
  const port = String(taken.localAddress.port);
  const inUse = run(['serve', '--port', port, '--cert', pki.chain, '--key', pki.key]);
  t.is(await inUse.code, 1);
  t.is(inUse.err[0], `dtlsprobe serve: cannot listen on 127.0.0.1:${port}: the port is already in use`);
  for (const argv of [
    ['serve', '--host', '0.0.0.0', '--port', '0', '--cert', pki.chain, '--key', pki.key],
    ['connect', '--host', '192.0.2.7', '--port', '4433'],
  ]) {
    const r = run(argv);
    t.is(await r.code, 2);
    t.regex(r.err[0], new RegExp(`--host ${argv[argv.indexOf('--host') + 1].replace(/\./g, '\\.')}: refused: dtlsprobe only talks on loopback`));
  }
});

/** A child process under `timeout`, its stdout and stderr kept apart. */
function child(args: string[], stdin: string | undefined): { exit: Promise<number | null>; stdout: () => string; stderr: () => string; stop: () => void } {
  const p = spawn('timeout', ['-k', '2', '10', process.execPath, repoRootPath('bin', 'dtlsprobe.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  if (stdin !== undefined) p.stdin.end(stdin);
  let exited = false;
  p.on('exit', () => (exited = true));
  // 'close' rather than 'exit': by then stdout and stderr have been read to their end
  const exit = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  const stop = (): void => {
    if (!exited && p.pid !== undefined) process.kill(p.pid, 'SIGTERM');
  };
  return { exit, stdout: () => stdout, stderr: () => stderr, stop };
}

test('as a user runs them: node bin/dtlsprobe.js serve --once and connect, each exiting by itself with 0', async (t) => {
  const pki = await testPkiFiles();
  const server = child(['serve', '--port', '0', '--cert', pki.chain, '--key', pki.key, '--once'], undefined);
  t.teardown(server.stop);
  for (let i = 0; i < 100 && !/listening on/.test(server.stdout()); i++) await new Promise((r) => setTimeout(r, 50));
  const port = /listening on 127\.0\.0\.1:(\d+)/.exec(server.stdout())?.[1];
  t.truthy(port, server.stdout() + server.stderr());
  const client = child(['connect', '--host', '127.0.0.1', '--port', String(port), '--ca', pki.ca], 'ping\npong\n');
  t.is(await client.exit, 0, client.stderr());
  t.is(client.stdout(), 'ping\npong\n');
  t.regex(client.stderr(), /^connected suite=\S+ version=DTLS 1\.2 alpn=-\n$/);
  t.is(await server.exit, 0, server.stderr());
  t.regex(server.stdout(), /^listening on 127\.0\.0\.1:\d+\naccepted 127\.0\.0\.1:\d+ suite=\S+ alpn=-\nclosed 127\.0\.0\.1:\d+ \(close_notify\)\n$/);
});
