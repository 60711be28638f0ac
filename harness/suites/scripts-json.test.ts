import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRootPath } from '../locations.ts';
import { generateCredentials } from '../pki.ts';
import { freeUdpPort } from '../ports.ts';
import type { ScriptIo, ScriptOutcome } from './script-args.ts';
import { parseScriptsJson, runScriptsJson, scriptArgv, ScriptsJsonError, type ScriptsJsonServer, udpPortBound } from './scripts-json.ts';

function parseError(value: unknown): string {
  try {
    parseScriptsJson(typeof value === 'string' ? value : JSON.stringify(value), 'scripts.json');
  } catch (e) {
    if (e instanceof ScriptsJsonError) return e.message;
    throw e;
  }
  throw new Error('no ScriptsJsonError');
}

const ENTRY = { server_command: ['openssl', 's_server', '-dtls1_2'], tests: [{ name: 'server-sanity' }] };

test('a tlsfuzzer scripts JSON entry with its defaults', (t) => {
  const [s] = parseScriptsJson(
    JSON.stringify([{ ...ENTRY, environment: { A: 'b' }, common_arguments: ['-n', '0'], tests: [{ name: 'dtlsprobe-server-sanity', arguments: ['-x', 'sanity'], exp_pass: false, comment: 'why' }, { name: 'server-sanity', comments: 'tlsfuzzer spells it so too' }] }]),
    'scripts.json',
  );
  t.deepEqual(s, {
    serverCommand: ['openssl', 's_server', '-dtls1_2'],
    serverHostname: 'localhost',
    serverPort: 4433,
    environment: { A: 'b' },
    commonArguments: ['-n', '0'],
    tests: [
      { name: 'dtlsprobe-server-sanity', arguments: ['-x', 'sanity'], expPass: false, comment: 'why' },
      { name: 'server-sanity', arguments: [], expPass: true, comment: 'tlsfuzzer spells it so too' },
    ],
  });
});

test('errors name the field and its index', (t) => {
  t.regex(parseError('[{"server_command": ["a"],}]'), /^scripts\.json: not valid JSON: line 1, column 27: trailing comma/);
  t.is(parseError({}), 'scripts.json: the file must hold an array of server entries, found an object');
  t.is(parseError([]), 'scripts.json: the array holds no server entry');
  t.is(parseError([ENTRY, 3]), 'scripts.json: [1]: must be an object, found a number');
  t.is(parseError([{ tests: [] }]), 'scripts.json: [0].server_command: is missing');
  t.is(parseError([{ ...ENTRY, server_command: [] }]), 'scripts.json: [0].server_command: must not be empty');
  t.is(parseError([{ ...ENTRY, server_command: ['a', 1] }]), 'scripts.json: [0].server_command[1]: must be a string, found a number');
  t.is(parseError([{ ...ENTRY, server_port: '4433' }]), 'scripts.json: [0].server_port: must be an integer from 1 to 65535, found "4433"');
  t.is(parseError([{ ...ENTRY, environment: { A: 1 } }]), 'scripts.json: [0].environment.A: must be a string, found a number');
  t.regex(parseError([{ ...ENTRY, server_comand: [] }]), /^scripts\.json: \[0\]\.server_comand: unknown key/);
  t.is(parseError([{ server_command: ['a'] }]), 'scripts.json: [0].tests: is missing');
  t.is(parseError([ENTRY, { ...ENTRY, tests: [{ name: 'a' }, { name: '' }] }]), 'scripts.json: [1].tests[1].name: must be a non-empty string naming a probe group, found a string');
  t.is(parseError([{ ...ENTRY, tests: [{ name: 'a', arguments: ['-e', null] }] }]), 'scripts.json: [0].tests[0].arguments[1]: must be a string, found null');
  t.is(parseError([{ ...ENTRY, tests: [{ name: 'a', exp_pass: 'no' }] }]), 'scripts.json: [0].tests[0].exp_pass: must be true or false, found a string');
  t.regex(parseError([{ ...ENTRY, tests: [{ name: 'a', args: [] }] }]), /^scripts\.json: \[0\]\.tests\[0\]\.args: unknown key/);
});

test("a script is pointed at the entry's server unless its arguments say otherwise", (t) => {
  const server: ScriptsJsonServer = { serverCommand: ['x'], serverHostname: '127.0.0.1', serverPort: 5684, environment: {}, commonArguments: ['-n', '0'], tests: [] };
  t.deepEqual(scriptArgv(server, { name: 'server-sanity', arguments: ['sanity'], expPass: true }), ['server-sanity', '-h', '127.0.0.1', '-p', '5684', '-n', '0', 'sanity']);
  t.deepEqual(scriptArgv(server, { name: 'server-sanity', arguments: ['-p4433'], expPass: true }), ['server-sanity', '-n', '0', '-p4433']);
  t.deepEqual(scriptArgv(server, { name: 'server-sanity', arguments: ['--impl', 'reference'], expPass: true }), ['server-sanity', '-n', '0', '--impl', 'reference']);
});

function capture(): ScriptIo & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (l) => outs.push(l), err: (l) => errs.push(l) };
}

/** A stand-in server: binds the UDP port after a short delay and waits to be stopped. */
function udpServer(port: number, delayMs = 200): string[] {
  return [process.execPath, '-e', `setTimeout(() => require('node:dgram').createSocket('udp4').bind(${port}, '127.0.0.1'), ${delayMs})`];
}

function withFile<T>(content: unknown, f: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-scripts-json-'));
  const path = join(dir, 'scripts.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return f(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('runs: the server is started and stopped, exp_pass is checked, the summary is scripts_retention.py\'s', async (t) => {
  const port = await freeUdpPort();
  const calls: string[][] = [];
  let boundDuringRun: boolean | undefined;
  const outcomes: Record<string, ScriptOutcome> = {
    'server-a': { code: 0, usageError: false, counts: { total: 3, skip: 1, pass: 3, xfail: 0, fail: 0, xpass: 0 } },
    'server-b': { code: 1, usageError: false, counts: { total: 3, skip: 0, pass: 2, xfail: 0, fail: 1, xpass: 0 } },
    'server-c': { code: 1, usageError: false, counts: { total: 4, skip: 0, pass: 2, xfail: 0, fail: 1, xpass: 1 } },
    'server-d': { code: 1, usageError: true },
  };
  const runScript = async (argv: readonly string[], io: ScriptIo): Promise<ScriptOutcome> => {
    calls.push([...argv]);
    boundDuringRun = await udpPortBound(port);
    io.out(`${argv[0]} ...`);
    return outcomes[argv[0]];
  };
  const config = [
    {
      server_command: udpServer(port),
      server_hostname: '127.0.0.1',
      server_port: port,
      tests: [
        { name: 'server-a' },
        { name: 'server-b', exp_pass: false, comment: 'a failure is expected' },
        { name: 'server-c', arguments: ['-x', 'p'] },
        { name: 'server-d', exp_pass: false },
      ],
    },
  ];
  const io = capture();
  const code = await withFile(config, (path) => runScriptsJson(path, io, { runScript, groups: Object.keys(outcomes) }));
  t.is(code, 1);
  t.true(boundDuringRun);
  t.false(await udpPortBound(port), 'the server was stopped');
  t.deepEqual(calls[2], ['server-c', '-h', '127.0.0.1', '-p', String(port), '-x', 'p']);
  t.deepEqual(io.outs, [
    '====================',
    'Ran 11 test cases',
    'skip 1',
    'pass: 7',
    'xfail: 1',
    'fail: 1',
    'xpass: 1',
    '====================',
    'Ran 4 scripts',
    'PASS: 2',
    'FAIL: 2',
    '====================',
    'Failed script configurations:',
    ` ['dtlsprobe', 'script', 'server-c', '-h', '127.0.0.1', '-p', '${port}', '-x', 'p']`,
    ` ['dtlsprobe', 'script', 'server-d', '-h', '127.0.0.1', '-p', '${port}']`,
  ]);
  t.true(io.errs.includes('server-c:stdout:server-c ...'), 'a failed script shows its output');
  t.false(io.errs.includes('server-a:stdout:server-a ...'), 'a script as expected does not');
  t.true(io.errs.some((l) => /^ERROR:dtlsprobe:server-d: the command line is wrong/.test(l)));
});

test('a server that never listens fails its scripts, with its output', async (t) => {
  const port = await freeUdpPort();
  const io = capture();
  const config = [{ server_command: [process.execPath, '-e', 'console.log("starting"); setTimeout(() => {}, 30000)'], server_port: port, tests: [{ name: 'server-a' }] }];
  const code = await withFile(config, (path) => runScriptsJson(path, io, { runScript: () => Promise.reject(new Error('must not run')), listenMs: 2000, groups: ['server-a'] }));
  t.is(code, 1);
  t.true(io.errs.some((l) => l.includes(`did not listen on UDP port ${port} within 2 s; its output:\nstarting`)), io.errs.join('\n'));
  t.true(io.outs.includes('FAIL: 1'));
});

test('a server that exits at once is reported with how it ended', async (t) => {
  const port = await freeUdpPort();
  const io = capture();
  const config = [{ server_command: [process.execPath, '-e', 'console.error("no certificate"); process.exit(3)'], server_port: port, tests: [{ name: 'server-a' }] }];
  const code = await withFile(config, (path) => runScriptsJson(path, io, { runScript: () => Promise.reject(new Error('must not run')), groups: ['server-a'] }));
  t.is(code, 1);
  t.true(io.errs.some((l) => l.includes('the server exited with code 3 before it listened') && l.includes('no certificate')), io.errs.join('\n'));
});

test('an unreadable or malformed file is exit code 2 with the reason', async (t) => {
  const io = capture();
  t.is(await runScriptsJson('/nonexistent/scripts.json', io), 2);
  t.deepEqual(io.errs, ['/nonexistent/scripts.json: cannot read the scripts JSON file: no such file']);
  const io2 = capture();
  t.is(await withFile('[{"server_command": 1, "tests": []}]', (path) => runScriptsJson(path, io2)), 2);
  t.regex(io2.errs[0], /\[0\]\.server_command: must be an array of strings, found a number$/);
  const io3 = capture();
  t.is(await withFile([{ server_command: ['true'], tests: [{ name: 'server-sanity' }, { name: 'test-conversation.py' }] }], (path) => runScriptsJson(path, io3)), 2);
  t.regex(io3.errs[0], /\[0\]\.tests\[1\]\.name: no probe group "test-conversation\.py" \(nor "dtlsprobe-<group>"\); the groups: server-sanity, /);
});

test('end to end: `dtlsprobe serve` as the server, the real scripts against it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-scripts-json-e2e-'));
  try {
    const files = await generateCredentials(dir);
    const port = await freeUdpPort();
    const config = [
      {
        server_command: [process.execPath, repoRootPath('bin', 'dtlsprobe.js'), 'serve', '--port', String(port), '--cert', files.leaf.p256.cert, '--key', files.leaf.p256.key],
        server_hostname: '127.0.0.1',
        server_port: port,
        common_arguments: ['--seed', '9'],
        tests: [
          { name: 'dtlsprobe-server-sanity', arguments: ['sanity'] },
          { name: 'server-sanity', arguments: ['-x', 'sanity'], exp_pass: false, comment: 'sanity passes, so -x makes it XPASS and the script exit 1' },
        ],
      },
    ];
    const io = capture();
    const code = await withFile(config, (path) => runScriptsJson(path, io));
    t.is(code, 0, [...io.errs, ...io.outs].join('\n'));
    t.deepEqual(io.outs, ['====================', 'Ran 5 test cases', 'skip 1', 'pass: 4', 'xfail: 0', 'fail: 0', 'xpass: 0', '====================', 'Ran 2 scripts', 'PASS: 2', 'FAIL: 0', '====================']);
    t.false(await udpPortBound(port), 'the server was stopped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
