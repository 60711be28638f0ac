/**
 * A user's implementation file: JSON in the shape of `ExternalSpec` (templates.ts), for
 * `dtlsprobe run --config FILE`. Suites may be written as hex ("c02b", "0xc02b"), numbers, or
 * IANA names; features are checked against the Feature list; templates and regexes are checked
 * before anything runs. Every error names the file and the field.
 *
 * ```json
 * {
 *   "name": "my-dtls",
 *   "features": ["certificate", "cookie", "echo"],
 *   "suites": { "server": ["c02b", "c02c"] },
 *   "version": ["my-dtls", "--version"],
 *   "server": { "command": "my-dtls-server --port {port} --cert {cert} --key {key}", "ready": "^listening" }
 * }
 * ```
 */
import { readFileSync } from 'node:fs';
import { CipherSuite } from '../../reference/wire/enums.ts';
import { type ExternalSpec, FEATURES, type RoleSpec, checkSpec } from './templates.ts';
import { type Feature, IutError } from './types.ts';

const TOP_FIELDS = ['name', 'features', 'suites', 'version', 'server', 'client', '$comment'];
const ROLE_FIELDS = ['command', 'pskCommand', 'ready', 'handshakeDone', 'stdin', 'env', 'startupTimeoutMs', 'port', '$comment'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Reads and checks an implementation file; throws an `IutError` naming the file and the field. */
export function loadImplementationConfig(path: string): ExternalSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IutError(`${path}: cannot read the implementation file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new IutError(`${path}: not valid JSON: ${jsonProblem(text, (e as Error).message)}`);
  }
  try {
    const spec = readSpec(json);
    checkSpec(spec);
    return spec;
  } catch (e) {
    if (e instanceof IutError) throw new IutError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * JSON.parse's complaint with its place as line:column. V8 gives a position for most mistakes but
 * not for an unexpected token; then the place is the end of the longest prefix that can still
 * begin a JSON text (one whose parse fails only at its end).
 */
function jsonProblem(text: string, message: string): string {
  const positionIn = (m: string): number | undefined => {
    const p = / at position (\d+)/.exec(m);
    return p === null ? undefined : Number(p[1]);
  };
  const couldBegin = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (e) {
      const m = (e as Error).message;
      return /Unexpected end of JSON input/.test(m) || positionIn(m) === n;
    }
  };
  let at = /Unexpected end of JSON input/.test(message) ? text.length : positionIn(message);
  if (at === undefined) {
    let lo = 0; // couldBegin(0): an empty text ends unexpectedly
    let hi = text.length; // !couldBegin(text.length): the whole text fails before its end
    while (lo < hi - 1) {
      const mid = (lo + hi) >> 1;
      if (couldBegin(mid)) lo = mid;
      else hi = mid;
    }
    at = lo;
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  const what = message.replace(/ (?:in JSON )?at position \d+.*$/s, '').replace(/, .*is not valid JSON$/s, '');
  return `${what} at line ${line}, column ${column}`;
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const show = (v: Json | undefined): string => (v === undefined ? 'nothing' : JSON.stringify(v));

function object(v: Json | undefined, field: string, known: readonly string[]): { [key: string]: Json } {
  if (!isObject(v)) throw new IutError(`${field === '' ? 'the file' : field}: must be a JSON object, got ${show(v)}`);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw new IutError(`${field === '' ? '' : `${field}.`}${k}: unknown field (known: ${known.filter((f) => f !== '$comment').join(', ')})`);
  }
  return v;
}

function string(v: Json | undefined, field: string): string {
  if (typeof v !== 'string') throw new IutError(`${field}: must be a string, got ${show(v)}`);
  return v;
}

function optionalString(v: Json | undefined, field: string): string | undefined {
  return v === undefined ? undefined : string(v, field);
}

function array(v: Json | undefined, field: string): Json[] {
  if (!Array.isArray(v)) throw new IutError(`${field}: must be a JSON array, got ${show(v)}`);
  return v;
}

function integer(v: Json | undefined, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new IutError(`${field}: must be an integer, got ${show(v)}`);
  return v;
}

/** A cipher suite: 0..0xffff as a number, hex text ("c02b", "0xC02B"), or an IANA name. */
export function parseSuite(v: Json, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) return v;
  if (typeof v === 'string') {
    const hex = /^(?:0x)?([0-9a-f]{4})$/i.exec(v.trim());
    if (hex !== null) return parseInt(hex[1], 16);
    const named = CipherSuite.parse(v.trim());
    if (named !== undefined) return named;
  }
  throw new IutError(`${field}: ${show(v)} is not a cipher suite (write it as hex such as "c02b", a number 0..65535, or an IANA name)`);
}

function readSpec(json: Json): ExternalSpec {
  const o = object(json, '', TOP_FIELDS);
  if (o.name === undefined) throw new IutError('name: missing (the implementation\'s name, e.g. "my-dtls")');
  const name = string(o.name, 'name');
  if (name.trim() === '') throw new IutError('name: must not be empty');
  if (o.server === undefined && o.client === undefined) {
    throw new IutError('neither "server" nor "client" is given: describe at least one role ({"server": {"command": "..."}})');
  }
  const features = o.features === undefined ? [] : array(o.features, 'features').map((f, i) => feature(f, `features[${i}]`));
  const suitesObject = o.suites === undefined ? {} : object(o.suites, 'suites', ['server', 'client']);
  const suites: { server?: number[]; client?: number[] } = {};
  for (const role of ['server', 'client'] as const) {
    const list = suitesObject[role];
    if (list !== undefined) suites[role] = array(list, `suites.${role}`).map((s, i) => parseSuite(s, `suites.${role}[${i}]`));
    if (o[role] !== undefined && (suites[role] ?? []).length === 0) {
      throw new IutError(`suites.${role}: give the cipher suites the ${role} negotiates, e.g. ["c02b"] (only those are probed)`);
    }
  }
  let version: string[] | undefined;
  if (o.version !== undefined) {
    version = typeof o.version === 'string' ? o.version.trim().split(/\s+/) : array(o.version, 'version').map((a, i) => string(a, `version[${i}]`));
    if (version.length === 0 || version[0] === '') throw new IutError('version: must name a program (e.g. ["my-dtls", "--version"])');
  }
  return {
    name,
    features,
    suites,
    ...(version === undefined ? {} : { version }),
    ...(o.server === undefined ? {} : { server: readRole(o.server, 'server') }),
    ...(o.client === undefined ? {} : { client: readRole(o.client, 'client') }),
  };
}

function feature(v: Json, field: string): Feature {
  const f = string(v, field);
  const known: readonly string[] = FEATURES;
  if (!known.includes(f)) throw new IutError(`${field}: unknown feature "${f}" (known: ${FEATURES.join(', ')})`);
  return f as Feature;
}

function readRole(v: Json, role: 'server' | 'client'): RoleSpec {
  const o = object(v, role, ROLE_FIELDS);
  if (o.command === undefined) throw new IutError(`${role}.command: missing (the command line that starts the ${role})`);
  let env: Record<string, string> | undefined;
  if (o.env !== undefined) {
    if (!isObject(o.env)) throw new IutError(`${role}.env: must be a JSON object of strings, got ${show(o.env)}`);
    env = {};
    for (const [k, val] of Object.entries(o.env)) env[k] = string(val, `${role}.env.${k}`);
  }
  const spec: { -readonly [K in keyof RoleSpec]: RoleSpec[K] } = { command: string(o.command, `${role}.command`) };
  const pskCommand = optionalString(o.pskCommand, `${role}.pskCommand`);
  const ready = optionalString(o.ready, `${role}.ready`);
  const handshakeDone = optionalString(o.handshakeDone, `${role}.handshakeDone`);
  const stdin = optionalString(o.stdin, `${role}.stdin`);
  if (pskCommand !== undefined) spec.pskCommand = pskCommand;
  if (ready !== undefined) spec.ready = ready;
  if (handshakeDone !== undefined) spec.handshakeDone = handshakeDone;
  if (stdin !== undefined) spec.stdin = stdin;
  if (env !== undefined) spec.env = env;
  if (o.startupTimeoutMs !== undefined) spec.startupTimeoutMs = integer(o.startupTimeoutMs, `${role}.startupTimeoutMs`);
  if (o.port !== undefined) spec.port = integer(o.port, `${role}.port`);
  return spec;
}
