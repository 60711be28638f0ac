/**
 * Implementation files (config.ts) and command templates (templates.ts): a good file, every kind of
 * mistake with the file and the field in its message, and how templates expand. No processes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { loadImplementationConfig } from './config.ts';
import { BUILTIN_EXTERNAL } from './external.ts';
import { checkSpec, expandCommand, expandText } from './templates.ts';

const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-config-test-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(content: unknown): string {
  const path = join(dir, `impl-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const GOOD = {
  name: 'my-dtls',
  features: ['certificate', 'cookie', 'echo', 'psk'],
  suites: { server: ['c02b', '0xC02C', 52393, 'TLS_PSK_WITH_AES_128_CCM_8'], client: ['c02b'] },
  version: ['my-dtls', '--version'],
  server: {
    command: "my-dtls-server --port {port} --cert {cert} --key {key} [--alpn {alpn}] --name 'a b'",
    pskCommand: 'my-dtls-server --port {port} --psk {psk} --identity {psk_identity}',
    ready: '^listening on \\d+',
    stdin: 'hello\n',
    env: { SSLKEYLOGFILE: '{keylog}' },
    startupTimeoutMs: 2000,
    port: 44333,
  },
  client: { command: 'my-dtls-client {host} {port} --ca {ca}', handshakeDone: 'connected', stdin: 'hi\n' },
};

/** The message of the IutError that loading `content` throws; it starts with the file's path. */
function problem(t: ExecutionContext, content: unknown): string {
  const path = file(content);
  const e = t.throws(() => loadImplementationConfig(path), { name: 'IutError' });
  const message = e?.message ?? '';
  t.true(message.startsWith(`${path}: `), message);
  return message.slice(path.length + 2);
}

test('a good file: suites as hex, 0x-hex, numbers and IANA names; every role field kept', (t) => {
  const spec = loadImplementationConfig(file(GOOD));
  t.is(spec.name, 'my-dtls');
  t.deepEqual(spec.features, ['certificate', 'cookie', 'echo', 'psk']);
  t.deepEqual(spec.suites, { server: [0xc02b, 0xc02c, 0xcca9, 0xc0a8], client: [0xc02b] });
  t.deepEqual(spec.version, ['my-dtls', '--version']);
  t.deepEqual(spec.server, GOOD.server);
  t.deepEqual(spec.client, GOOD.client);
});

test('the smallest good file: a name, one role and its suites', (t) => {
  const spec = loadImplementationConfig(file({ name: 'x', suites: { client: ['c02b'] }, client: { command: 'x {port}' } }));
  t.deepEqual(spec, { name: 'x', features: [], suites: { client: [0xc02b] }, client: { command: 'x {port}' } });
});

test('an unreadable file names the file', (t) => {
  const path = join(dir, 'missing.json');
  t.throws(() => loadImplementationConfig(path), { name: 'IutError', message: `${path}: cannot read the implementation file: ENOENT` });
});

test('bad JSON: the complaint with line and column', (t) => {
  t.is(problem(t, '{\n  "name": "x",\n  "server": }\n'), "not valid JSON: Unexpected token '}' at line 3, column 13");
  t.is(problem(t, '{\n  "name": "x",\n}'), 'not valid JSON: Expected double-quoted property name at line 3, column 1');
  // V8's wording varies between versions; the place is ours.
  t.regex(problem(t, '{"name": "x"'), /^not valid JSON: .+ at line 1, column 13$/);
  t.regex(problem(t, '{"name": "x", "server": {"command": "a"'), /^not valid JSON: .+ at line 1, column 40$/);
  t.is(problem(t, '{"name": "x"} x'), 'not valid JSON: Unexpected non-whitespace character after JSON at line 1, column 15');
});

test('the top level must be an object', (t) => {
  t.is(problem(t, '[1]'), 'the file: must be a JSON object, got [1]');
});

test('missing or empty name', (t) => {
  t.regex(problem(t, { server: { command: 'x' }, suites: { server: ['c02b'] } }), /^name: missing/);
  t.is(problem(t, { name: ' ', server: { command: 'x' } }), 'name: must not be empty');
  t.is(problem(t, { name: 3, server: { command: 'x' } }), 'name: must be a string, got 3');
});

test('neither server nor client', (t) => {
  t.regex(problem(t, { name: 'x', suites: { server: ['c02b'] } }), /^neither "server" nor "client" is given/);
});

test('an unknown feature names it and lists the known ones', (t) => {
  t.is(
    problem(t, { ...GOOD, features: ['certificate', 'echoes'] }),
    'features[1]: unknown feature "echoes" (known: certificate, psk, cookie, alpn, cid, echo, client-sends-data, ems)',
  );
});

test('a bad suite names its place', (t) => {
  t.regex(problem(t, { ...GOOD, suites: { server: ['c02b', 'zz'] } }), /^suites\.server\[1\]: "zz" is not a cipher suite/);
  t.regex(problem(t, { ...GOOD, suites: { server: [70000] } }), /^suites\.server\[0\]: 70000 is not a cipher suite/);
  t.regex(problem(t, { ...GOOD, suites: { server: ['TLS_NO_SUCH_SUITE'] } }), /^suites\.server\[0\]: "TLS_NO_SUCH_SUITE"/);
  t.regex(problem(t, { ...GOOD, suites: { client: ['c02b'] } }), /^suites\.server: give the cipher suites the server negotiates/);
  t.is(problem(t, { ...GOOD, suites: { server: 'c02b' } }), 'suites.server: must be a JSON array, got "c02b"');
});

test('a bad regex names the field', (t) => {
  t.regex(problem(t, { ...GOOD, server: { ...GOOD.server, ready: 'listening (on' } }), /^server\.ready: not a valid regular expression: /);
  t.regex(problem(t, { ...GOOD, client: { ...GOOD.client, handshakeDone: '[' } }), /^client\.handshakeDone: not a valid regular expression: /);
});

test('an unknown placeholder names it and the field', (t) => {
  t.regex(problem(t, { ...GOOD, server: { ...GOOD.server, command: 'srv -p {prot}' } }), /^server\.command: unknown placeholder \{prot\} \(known: \{port\}, /);
  t.regex(problem(t, { ...GOOD, server: { ...GOOD.server, pskCommand: 'srv {pskey}' } }), /^server\.pskCommand: unknown placeholder \{pskey\}/);
  t.regex(problem(t, { ...GOOD, client: { ...GOOD.client, env: { K: '{keylogfile}' } } }), /^client\.env\.K: unknown placeholder \{keylogfile\}/);
  t.regex(problem(t, { ...GOOD, client: { ...GOOD.client, stdin: '{data}' } }), /^client\.stdin: unknown placeholder \{data\}/);
});

test('unknown fields, wrong types, bad quotes and groups, fixed client ports', (t) => {
  t.regex(problem(t, { ...GOOD, server: { ...GOOD.server, redy: 'x' } }), /^server\.redy: unknown field \(known: command, /);
  t.regex(problem(t, { ...GOOD, sever: {} }), /^sever: unknown field/);
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, command: undefined } }), 'server.command: missing (the command line that starts the server)');
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, startupTimeoutMs: 1.5 } }), 'server.startupTimeoutMs: must be an integer, got 1.5');
  t.regex(problem(t, { ...GOOD, server: { ...GOOD.server, startupTimeoutMs: 0 } }), /^server\.startupTimeoutMs: must be a positive integer/);
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, port: 70000 } }), 'server.port: must be 1..65535, got 70000');
  t.is(problem(t, { ...GOOD, client: { ...GOOD.client, port: 4433 } }), 'client.port: only a server listens on a fixed port');
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, command: "srv 'a b" } }), "server.command: a quote ' is not closed");
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, command: 'srv [-a {alpn}' } }), 'server.command: a [ group is not closed with ]');
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, command: 'srv [-a [{alpn}]]' } }), 'server.command: [ ] groups do not nest');
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, command: '' } }), 'server.command: the command is empty');
  t.is(problem(t, { ...GOOD, server: { ...GOOD.server, env: { K: 1 } } }), 'server.env.K: must be a string, got 1');
  t.is(problem(t, { ...GOOD, version: [] }), 'version: must name a program (e.g. ["my-dtls", "--version"])');
});

const VALUES = { port: '4433', host: '127.0.0.1', cert: '/c/leaf.pem', key: '/c/leaf.key', ca: '/c/ca.pem', keylog: '/s/keylog.txt' };

test('templates: words split on whitespace, quotes keep spaces, values never split', (t) => {
  t.deepEqual(expandCommand("srv  -p {port}\t--name 'a b {host}' -x '' --k={key}", { ...VALUES, key: '/dir with space/k.pem' }, 'f'), [
    'srv',
    '-p',
    '4433',
    '--name',
    'a b 127.0.0.1',
    '-x',
    '',
    '--k=/dir with space/k.pem',
  ]);
});

test('templates: an optional group stays only when all its placeholders have values', (t) => {
  const template = 'srv -p {port} [-alpn {alpn}] [ -psk {psk} -id {psk_identity} ] -end';
  t.deepEqual(expandCommand(template, VALUES, 'f'), ['srv', '-p', '4433', '-end']);
  t.deepEqual(expandCommand(template, { ...VALUES, alpn: 'h2,coap', psk: 'abcd', psk_identity: 'me' }, 'f'), [
    'srv', '-p', '4433', '-alpn', 'h2,coap', '-psk', 'abcd', '-id', 'me', '-end',
  ]);
  t.deepEqual(expandCommand("srv '[x]' [-a]", VALUES, 'f'), ['srv', '[x]', '-a'], 'quoted brackets are literal; a group without placeholders stays');
});

test('templates: a placeholder without a value outside a group is an error naming the field and why', (t) => {
  t.throws(() => expandCommand('srv -alpn {alpn}', VALUES, 'server.command'), {
    name: 'IutError',
    message: /^server\.command uses \{alpn\}, which this session has no value for: the probe asks for no ALPN protocols/,
  });
  t.throws(() => expandText('{psk}', VALUES, 'client.env.PSK'), { name: 'IutError', message: /^client\.env\.PSK uses \{psk\}.*no PSK suite/ });
});

test('templates: braces that are not a placeholder name are literal', (t) => {
  t.deepEqual(expandCommand("srv '{\"a\": 1}' {} {1} x]", VALUES, 'f'), ['srv', '{"a": 1}', '{}', '{1}', 'x]']);
});

test('the built-in specs pass the same checks as a user file', (t) => {
  for (const spec of Object.values(BUILTIN_EXTERNAL)) t.notThrows(() => checkSpec(spec), spec.name);
});
