/**
 * `dtlsprobe proxy`: a UDP impairment proxy on loopback (harness/net/proxy.ts) between a DTLS client
 * and server we cannot simulate: loss, duplication, reordering, delay, an MTU and bit corruption, in
 * real time, from a seed.
 *
 * The impairment flags apply to both directions; `--client-X` applies X only to what the client sends
 * (client→server) and `--server-X` only to what the server sends, over the plain `--X`. `--model
 * FILE.json` gives a starting model (a NetworkModel `{client, server}`, or an object with `model`
 * and/or `script`, as regression fixtures hold), which the flags then override field by field.
 *
 * One client: the first address that sends to `--listen` is the client until the proxy stops.
 *
 * stdout: `listening on 127.0.0.1:P -> 127.0.0.1:T seed=S` once bound, the model per direction, with
 * `--verbose` a line per datagram, and at the end a fate summary per direction. Stops on SIGINT or
 * SIGTERM (or the test's signal); `--transcript FILE` is written then.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from '../cli.ts';
import type { Fate, LinkRecord } from '../net/link.ts';
import { type NetworkModel, ModelError, type PathModel, type ScriptRule, type Side, SIDES, describePath, parseNetworkModel, parseScript } from '../net/model.ts';
import { type HostPort, ProxyError, type ProxyEvent, type ProxyHandle, formatHostPort, inversions, startProxy } from '../net/proxy.ts';
import { type FlagSpec, UsageError, describeFlags, parseArgs } from './args.ts';
import { describeError, stopSignal } from './dtls-flags.ts';

const IMPAIRMENTS = {
  loss: { valueName: 'RATE', help: 'drop each datagram with probability RATE (0..1)' },
  duplicate: { valueName: 'RATE', help: 'deliver a datagram twice with probability RATE' },
  reorder: { valueName: 'RATE:WIN[:MS]', help: 'hold a datagram back until WIN later ones went (at most MS, default 500)' },
  delay: { valueName: 'MS[+JITTER]', help: 'one-way delay: MS plus a uniform 0..JITTER ms' },
  mtu: { valueName: 'SIZE:drop|truncate', help: 'drop, or cut to SIZE, datagrams longer than SIZE bytes' },
  corrupt: { valueName: 'RATE[:BITS]', help: 'flip BITS random bits (default 1) with probability RATE' },
} as const;
type Impairment = keyof typeof IMPAIRMENTS;
const IMPAIRMENT_NAMES = Object.keys(IMPAIRMENTS) as Impairment[];

function impairmentFlags(): Record<string, FlagSpec> {
  const out: Record<string, FlagSpec> = {};
  for (const prefix of ['', 'client-', 'server-'] as const) {
    for (const name of IMPAIRMENT_NAMES) {
      const { valueName, help } = IMPAIRMENTS[name];
      out[`${prefix}${name}`] =
        prefix === ''
          ? { type: 'string', valueName, help: `${help}; both directions` }
          : { type: 'string', valueName: 'V', help: `--${name} for what the ${prefix === 'client-' ? 'client' : 'server'} sends only` };
    }
  }
  return out;
}

const flags = {
  listen: { type: 'string', help: 'where clients send: 127.0.0.1:PORT or [::1]:PORT (PORT 0: any free port)', valueName: 'HOST:PORT' },
  target: { type: 'string', help: 'the server: 127.0.0.1:PORT or [::1]:PORT', valueName: 'HOST:PORT' },
  ...impairmentFlags(),
  model: { type: 'string', help: 'starting model: JSON NetworkModel {client, server}, or {model, script}', valueName: 'FILE' },
  script: { type: 'string', help: 'JSON script rules (replace --model\'s script)', valueName: 'FILE' },
  seed: { type: 'string', help: 'seeds every decision (default: random, printed)', valueName: 'S' },
  transcript: { type: 'string', help: 'write the transcript and stats as JSON at exit', valueName: 'FILE' },
  'max-pending': { type: 'number', help: 'most datagrams held or delayed at once (default 256)', valueName: 'N' },
  'burst-gap': { type: 'number', help: 'datagrams this close (ms) form one burst, for scripts (default 5)', valueName: 'MS' },
  verbose: { type: 'boolean', short: 'v', help: 'a line per datagram' },
} as const satisfies Record<string, FlagSpec>;

type Flags = Partial<Record<string, string | number | boolean>>;

/** `127.0.0.1:4433`, `[::1]:4433`, `localhost:4433`. */
export function hostPortFlag(flag: string, value: string | undefined, allowZero: boolean): HostPort {
  if (value === undefined) throw new UsageError(`missing --${flag} HOST:PORT`);
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  if (m === null) throw new UsageError(`--${flag} ${value}: expected HOST:PORT (127.0.0.1:4433 or [::1]:4433)`);
  const rawHost = m[1] ?? m[2];
  const host = rawHost === 'localhost' ? '127.0.0.1' : rawHost;
  if (host !== '127.0.0.1' && host !== '::1') {
    throw new UsageError(`--${flag} ${value}: refused: dtlsprobe only talks on loopback (127.0.0.1, ::1 or localhost)`);
  }
  const port = Number(m[3]);
  const min = allowZero ? 0 : 1;
  if (port < min || port > 65_535) throw new UsageError(`--${flag} ${value}: a port is an integer ${min}..65535`);
  return { host, port };
}

function probability(flag: string, value: string, what = 'RATE'): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${flag} ${value}: ${what} is a probability in [0, 1]`);
  return n;
}

function integer(flag: string, whole: string, value: string | undefined, what: string, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} ${whole}: ${what} is an integer ${min}..${max}`);
  }
  return n;
}

function parts(flag: string, value: string, sep: string, min: number, max: number, shape: string): string[] {
  const p = value.split(sep);
  if (p.length < min || p.length > max) throw new UsageError(`--${flag} ${value}: expected ${shape}`);
  return p;
}

/** One impairment flag's value as the part of a PathModel it sets. */
export function impairment(name: Impairment, flag: string, value: string): PathModel {
  switch (name) {
    case 'loss':
      return { loss: { kind: 'bernoulli', rate: probability(flag, value) } };
    case 'duplicate':
      return { duplicate: probability(flag, value) };
    case 'reorder': {
      const [rate, window, hold] = parts(flag, value, ':', 2, 3, 'RATE:WINDOW or RATE:WINDOW:MS (0.2:3)');
      return {
        reorder: {
          rate: probability(flag, rate),
          window: integer(flag, value, window, 'WINDOW', 1, 1000),
          ...(hold === undefined ? {} : { maxHoldMs: integer(flag, value, hold, 'MS', 0, 86_400_000) }),
        },
      };
    }
    case 'delay': {
      const [base, jitter] = parts(flag, value, '+', 1, 2, 'MS or MS+JITTER (20+10)');
      return { delay: { baseMs: integer(flag, value, base, 'MS', 0, 86_400_000), jitterMs: jitter === undefined ? 0 : integer(flag, value, jitter, 'JITTER', 0, 86_400_000) } };
    }
    case 'mtu': {
      const [size, action] = parts(flag, value, ':', 2, 2, 'SIZE:drop or SIZE:truncate (1200:drop)');
      if (action !== 'drop' && action !== 'truncate') throw new UsageError(`--${flag} ${value}: the action is drop or truncate`);
      return { mtu: { size: integer(flag, value, size, 'SIZE', 0, 65_535), action } };
    }
    case 'corrupt': {
      const [rate, bits] = parts(flag, value, ':', 1, 2, 'RATE or RATE:BITS (0.01:1)');
      return { corrupt: { rate: probability(flag, rate), bits: bits === undefined ? 1 : integer(flag, value, bits, 'BITS', 1, 64) } };
    }
  }
}

function readJson(flag: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: cannot read it: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function modelError<T>(flag: string, path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ModelError) throw new UsageError(`--${flag} ${path}: ${e.message}`);
    throw e;
  }
}

/** `--model FILE`: a NetworkModel, or an object with `model` and/or `script` (other fields ignored). */
function modelFile(path: string): { model: NetworkModel; script: ScriptRule[] | undefined } {
  const json = readJson('model', path);
  return modelError('model', path, () => {
    if (typeof json === 'object' && json !== null && !Array.isArray(json) && ('model' in json || 'script' in json)) {
      const o = json as { model?: unknown; script?: unknown };
      return {
        model: o.model === undefined ? {} : parseNetworkModel(o.model, 'model'),
        script: o.script === undefined ? undefined : parseScript(o.script, 'script'),
      };
    }
    return { model: parseNetworkModel(json, 'network'), script: undefined };
  });
}

/** The model the flags describe: `--model`, then the flags for both directions, then `--client-X` / `--server-X`. */
export function modelFromFlags(f: Flags): { model: NetworkModel; script: ScriptRule[] | undefined } {
  const base = typeof f.model === 'string' ? modelFile(f.model) : { model: {}, script: undefined };
  const script = typeof f.script === 'string' ? modelError('script', f.script, () => parseScript(readJson('script', f.script as string), 'script')) : base.script;
  const path = (side: Side): PathModel => {
    let m: PathModel = { ...(base.model[side] ?? {}) };
    for (const prefix of ['', `${side}-`]) {
      for (const name of IMPAIRMENT_NAMES) {
        const flag = `${prefix}${name}`;
        const value = f[flag];
        if (typeof value === 'string') m = { ...m, ...impairment(name, flag, value) };
      }
    }
    return m;
  };
  return { model: { client: path('client'), server: path('server') }, script };
}

const ARROW: Record<Side, string> = { client: 'client->server', server: 'server->client' };

/** One line per datagram, for --verbose. */
export function datagramLine(r: LinkRecord): string {
  const copies = r.copies.length === 0 ? '' : ` copies=${r.copies.length}`;
  const delays = r.copies.some((c) => (c.delayMs ?? 0) > 0) ? ` delay=${r.copies.map((c) => Math.round((c.delayMs ?? 0) * 10) / 10).join(',')}ms` : '';
  return `#${r.n} ${ARROW[r.from]} ${r.size} B [${r.from} #${r.index} burst ${r.burst}] ${r.fate}${r.cause === undefined ? '' : ` (${r.cause})`}${copies}${delays}`;
}

const FATES: readonly Fate[] = ['delivered', 'dropped', 'duplicated', 'reordered', 'corrupted', 'truncated'];

/** The summary printed at exit: one line per direction. */
export function summaryLines(p: ProxyHandle): string[] {
  const s = p.stats;
  return SIDES.map((side) => {
    const fates = FATES.map((fate) => `${fate}=${s.fates[side][fate]}`).join(' ');
    const extra = `overtook=${inversions(p.transcript, side)} overflow=${s.overflow[side]} errors=${s.errors[side]}`;
    return `${ARROW[side]}: ${s.received[side]} datagrams: ${fates} ${extra}`;
  }).concat(s.ignored > 0 ? [`ignored ${s.ignored} datagrams from addresses other than the client's`] : []);
}

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'UDP impairment proxy on loopback: loss, duplication, reordering, delay, MTU, corruption',
  usage: `usage: dtlsprobe proxy --listen 127.0.0.1:PORT --target 127.0.0.1:PORT [--loss 0.2] [--duplicate 0.1]
                      [--reorder 0.2:3] [--delay 20+10] [--mtu 1200:drop|truncate] [--corrupt 0.01:1]
                      [--client-X V | --server-X V ...] [--model FILE.json] [--script FILE.json]
                      [--seed S] [--transcript FILE.json] [--verbose]

Impairments apply to both directions; --client-X only to what the client sends, --server-X only to
what the server sends (over the plain flag). The first address that sends to --listen is the client.

${describeFlags(flags)}`,
  async run(argv, io) {
    const { flags: f, positional } = parseArgs(argv, flags);
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    const listen = hostPortFlag('listen', f.listen, true);
    const target = hostPortFlag('target', f.target, false);
    const { model, script } = modelFromFlags(f);
    const seed = f.seed ?? randomBytes(4).toString('hex');
    const maxPending = f['max-pending'];
    if (maxPending !== undefined && (!Number.isInteger(maxPending) || maxPending < 1)) throw new UsageError(`--max-pending ${maxPending}: an integer >= 1`);
    const burstGap = f['burst-gap'];
    if (burstGap !== undefined && burstGap < 0) throw new UsageError(`--burst-gap ${burstGap}: a number of ms >= 0`);
    if (f.transcript !== undefined) {
      try {
        writeFileSync(f.transcript, '');
      } catch (e) {
        throw new UsageError(`--transcript ${f.transcript}: cannot write it: ${e instanceof Error ? e.message : String(e)}`);
      }
    }

    const verbose = f.verbose === true;
    const onEvent = (e: ProxyEvent): void => {
      if (e.kind === 'error') io.err(`dtlsprobe proxy: socket towards the ${e.side}: ${e.error.message}`);
      if (!verbose) return;
      if (e.kind === 'client') io.out(`client is ${formatHostPort(e.address)}`);
      else if (e.kind === 'datagram') io.out(datagramLine(e.record));
      else if (e.kind === 'ignored') io.out(`ignored ${e.size} B from ${formatHostPort(e.from)} (not the client)`);
      else if (e.kind === 'overflow') io.out(`refused ${e.size} B from the ${e.from}: too many datagrams pending`);
    };

    let proxy: ProxyHandle;
    try {
      proxy = await startProxy({
        listen,
        target,
        model,
        ...(script === undefined ? {} : { script }),
        seed,
        ...(maxPending === undefined ? {} : { maxPending }),
        ...(burstGap === undefined ? {} : { burstGapMs: burstGap }),
        onEvent,
      });
    } catch (e) {
      io.err(`dtlsprobe proxy: ${e instanceof ProxyError ? e.message : describeError(e)}`);
      return 1;
    }
    io.out(`listening on ${formatHostPort(proxy.address)} -> ${formatHostPort(proxy.target)} seed=${seed}`);
    for (const side of SIDES) io.out(`${ARROW[side]}: ${describePath(model[side])}`);
    if (script !== undefined && script.length > 0) io.out(`script: ${script.length} rule(s)`);

    const stop = stopSignal(io);
    try {
      await new Promise<void>((resolve) => {
        if (stop.signal.aborted) resolve();
        else stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      stop.dispose();
      await proxy.close();
    }
    for (const line of summaryLines(proxy)) io.out(line);
    if (f.transcript !== undefined) {
      const json = { seed, model, ...(script === undefined ? {} : { script }), stats: proxy.stats, transcript: proxy.transcript };
      writeFileSync(f.transcript, `${JSON.stringify(json, null, 1)}\n`);
      io.out(`transcript: ${proxy.transcript.length} datagrams written to ${f.transcript}`);
    }
    return 0;
  },
};
