/**
 * The UDP impairment proxy over real loopback sockets, and `dtlsprobe proxy`'s flags. No sleeps:
 * every test waits for datagrams or proxy events to arrive (with a fail-safe limit), and decides
 * from the transcript what must have arrived.
 */
import test from 'ava';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/args.ts';
import { modelFromFlags, proxyCommand } from '../cli/proxy.ts';
import type { CommandIo } from '../cli.ts';
import type { LinkRecord } from './link.ts';
import type { NetworkModel, ScriptRule } from './model.ts';
import { type HostPort, type ProxyEvent, type ProxyHandle, type ProxyOptions, ProxyError, inversions, startProxy } from './proxy.ts';

/** Whether this machine has ::1 (containers without IPv6 do not). */
async function canBind(host: string): Promise<boolean> {
  const socket = dgram.createSocket('udp6');
  const ok = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind({ address: host, port: 0 }, () => resolve(true));
  });
  await new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // the failed bind closed it
    }
  });
  return ok;
}

const ipv6 = await canBind('::1');

const LIMIT_MS = 5000;

/** Resolves when `ready()` holds, re-checked on each `poke`; rejects after LIMIT_MS (a fail-safe, not a wait). */
class Waiter {
  private readonly checks = new Set<() => void>();

  poke(): void {
    for (const c of [...this.checks]) c();
  }

  until(ready: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ready()) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`gave up waiting for ${what}`));
      }, LIMIT_MS);
      const finish = (): void => {
        clearTimeout(timer);
        this.checks.delete(check);
      };
      this.checks.add(check);
      check();
    });
  }
}

/** A UDP socket on loopback that keeps what it receives. */
class Peer {
  readonly got: { text: string; from: HostPort }[] = [];
  readonly waiter = new Waiter();

  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => {
      this.got.push({ text: msg.toString('latin1'), from: { host: rinfo.address, port: rinfo.port } });
      this.waiter.poke();
    });
  }

  static async open(host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<Peer> {
    const socket = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port: 0 }, () => resolve());
    });
    return new Peer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string, to: HostPort): void {
    this.socket.send(Buffer.from(text, 'latin1'), to.port, to.host);
  }

  texts(): string[] {
    return this.got.map((g) => g.text);
  }

  receive(n: number): Promise<void> {
    return this.waiter.until(() => this.got.length >= n, `${n} datagrams (got ${this.got.length})`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

interface Rig {
  readonly proxy: ProxyHandle;
  readonly client: Peer;
  readonly server: Peer;
  readonly events: ProxyEvent[];
  readonly waiter: Waiter;
  /** Resolves when the proxy has reported `n` events of these kinds. */
  events_(n: number, kinds: readonly ProxyEvent['kind'][]): Promise<void>;
  close(): Promise<void>;
}

async function rig(options: Partial<ProxyOptions> = {}): Promise<Rig> {
  const client = await Peer.open();
  const server = await Peer.open();
  const events: ProxyEvent[] = [];
  const waiter = new Waiter();
  const proxy = await startProxy({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: server.port },
    seed: 'proxy-test',
    ...options,
    onEvent: (e) => {
      events.push(e);
      waiter.poke();
    },
  });
  return {
    proxy,
    client,
    server,
    events,
    waiter,
    events_: (n, kinds) => waiter.until(() => events.filter((e) => kinds.includes(e.kind)).length >= n, `${n} ${kinds.join('/')} events`),
    close: async () => {
      await proxy.close();
      await Promise.all([client.close(), server.close()]);
    },
  };
}

const numbered = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('a clean proxy carries datagrams both ways, in order, and records each one delivered', async (t) => {
  const r = await rig();
  try {
    const out = numbered('c', 20);
    for (const d of out) r.client.send(d, r.proxy.address);
    await r.server.receive(20);
    t.deepEqual(r.server.texts(), out);
    t.deepEqual(r.proxy.client, { host: '127.0.0.1', port: r.client.port });

    const upstream = r.server.got[0].from;
    t.not(upstream.port, r.proxy.address.port, 'the proxy talks to the target from a socket of its own');
    const back = numbered('s', 20);
    for (const d of back) r.server.send(d, upstream);
    await r.client.receive(20);
    t.deepEqual(r.client.texts(), back);
    t.true(r.client.got.every((g) => g.from.port === r.proxy.address.port), 'replies come from the address the client sent to');

    t.is(r.proxy.transcript.length, 40);
    t.true(r.proxy.transcript.every((rec) => rec.fate === 'delivered' && rec.deliveries.length === 1 && !rec.deliveries[0].altered));
    t.deepEqual(r.proxy.transcript.filter((rec) => rec.from === 'client').map((rec) => rec.index), [...Array(20).keys()]);
    const s = r.proxy.stats;
    t.deepEqual(s.received, { client: 20, server: 20 });
    t.deepEqual(s.forwarded, { client: 20, server: 20 });
    t.is(s.fates.client.delivered, 20);
    t.is(s.fates.server.delivered, 20);
    t.is(r.proxy.pending, 0);
  } finally {
    await r.close();
  }
});

test('a script rule drops the client\'s datagram 2 and only that one', async (t) => {
  const script: ScriptRule[] = [{ from: 'client', datagram: 2, action: { kind: 'drop' } }];
  const r = await rig({ script });
  try {
    for (const d of numbered('c', 6)) r.client.send(d, r.proxy.address);
    // Copies go out in the order they were scheduled: once c5 is in, c2 would have been too.
    await r.server.waiter.until(() => r.server.texts().includes('c5'), 'c5');
    t.deepEqual(r.server.texts(), ['c0', 'c1', 'c3', 'c4', 'c5']);
    const dropped = r.proxy.transcript[2];
    t.like(dropped, { from: 'client', index: 2, fate: 'dropped', cause: 'script' });
    t.deepEqual(dropped.copies, []);
    t.deepEqual(dropped.deliveries, []);
    t.is(r.proxy.stats.fates.client.dropped, 1);
    t.is(r.proxy.stats.fates.client.delivered, 5);
  } finally {
    await r.close();
  }
});

test('a delayed datagram is overtaken by the ones sent after it, and the transcript shows it', async (t) => {
  const script: ScriptRule[] = [{ from: 'client', datagram: 0, action: { kind: 'delay', ms: 100 } }];
  const r = await rig({ script });
  try {
    for (const d of numbered('c', 3)) r.client.send(d, r.proxy.address);
    await r.server.receive(3);
    t.deepEqual(r.server.texts(), ['c1', 'c2', 'c0']);
    t.is(inversions(r.proxy.transcript, 'client'), 2);
    const [first] = r.proxy.transcript;
    t.true(first.deliveries[0].at - first.sentAt >= 99, `delivered ${first.deliveries[0].at - first.sentAt} ms after it was sent`);
  } finally {
    await r.close();
  }
});

/** Sends `n` datagrams each way through a lossy, duplicating model; returns the fates and what arrived. */
async function lossyRun(seed: string, n: number): Promise<{ fates: string[]; atServer: string[]; atClient: string[]; transcript: readonly LinkRecord[] }> {
  const model: NetworkModel = {
    client: { loss: { kind: 'bernoulli', rate: 0.3 }, duplicate: 0.2 },
    server: { loss: { kind: 'bernoulli', rate: 0.3 }, duplicate: 0.2, corrupt: { rate: 0.2, bits: 3 } },
  };
  const r = await rig({ model, seed });
  try {
    const copiesFrom = (side: 'client' | 'server'): number => r.proxy.transcript.filter((rec) => rec.from === side).reduce((sum, rec) => sum + rec.copies.length, 0);
    for (const d of numbered('c', n)) r.client.send(d, r.proxy.address);
    await r.events_(n, ['datagram']);
    await r.server.receive(copiesFrom('client'));
    // Where the server answers: the proxy's upstream socket (with this seed, some c datagram got through).
    for (const d of numbered('s', n)) r.server.send(d, r.server.got[0].from);
    await r.events_(2 * n, ['datagram']);
    await r.client.receive(copiesFrom('server'));
    return { fates: r.proxy.transcript.map((rec) => `${rec.from}${rec.index}:${rec.fate}`), atServer: r.server.texts(), atClient: r.client.texts(), transcript: [...r.proxy.transcript] };
  } finally {
    await r.close();
  }
}

test('what arrives is what the transcript says, and a seed gives the same fates again', async (t) => {
  const a = await lossyRun('same-dice', 40);
  const b = await lossyRun('same-dice', 40);
  t.deepEqual(a.fates, b.fates, 'the n-th datagram of a direction meets the same dice');
  const expected = (side: 'client' | 'server', prefix: string): string[] =>
    a.transcript.filter((rec) => rec.from === side).flatMap((rec) => rec.copies.map(() => `${prefix}${rec.index}`));
  t.deepEqual([...a.atServer].sort(), expected('client', 'c').sort());
  const fates = a.transcript.map((rec) => rec.fate);
  for (const fate of ['delivered', 'dropped', 'duplicated', 'corrupted'] as const) t.true(fates.includes(fate), `some datagram was ${fate}`);
  // Every unaltered copy arrived as sent; the rest of what arrived are the altered (corrupted) copies.
  const server = a.transcript.filter((rec) => rec.from === 'server');
  const altered = server.flatMap((rec) => rec.deliveries.filter((d) => d.altered)).length;
  t.true(altered > 0);
  const unaltered = server.flatMap((rec) => rec.deliveries.filter((d) => !d.altered).map(() => `s${rec.index}`));
  const left = [...a.atClient];
  for (const text of unaltered) {
    const i = left.indexOf(text);
    t.true(i >= 0, `${text} arrived`);
    left.splice(i, 1);
  }
  t.is(left.length, altered);
  const c = await lossyRun('other-dice', 40);
  t.notDeepEqual(a.fates, c.fates, 'another seed, other fates');
});

test('datagrams from a second address are ignored and counted', async (t) => {
  const r = await rig();
  const intruder = await Peer.open();
  try {
    r.client.send('first', r.proxy.address);
    await r.server.receive(1);
    intruder.send('intruder', r.proxy.address);
    await r.events_(1, ['ignored']);
    r.client.send('second', r.proxy.address);
    await r.server.receive(2);
    t.deepEqual(r.server.texts(), ['first', 'second']);
    t.is(r.proxy.stats.ignored, 1);
    t.like(r.events.find((e) => e.kind === 'ignored'), { kind: 'ignored', from: { host: '127.0.0.1', port: intruder.port }, size: 8 });
    t.is(r.proxy.transcript.length, 2);
  } finally {
    await intruder.close();
    await r.close();
  }
});

test('pending datagrams are bounded: past maxPending they are refused and counted', async (t) => {
  const r = await rig({ model: { client: { delay: { baseMs: 60_000, jitterMs: 0 } } }, maxPending: 4 });
  try {
    for (const d of numbered('c', 10)) r.client.send(d, r.proxy.address);
    await r.events_(10, ['datagram', 'overflow']);
    t.is(r.proxy.pending, 4);
    t.is(r.proxy.stats.received.client, 4);
    t.is(r.proxy.stats.overflow.client, 6);
    t.is(r.server.got.length, 0);
  } finally {
    await r.close(); // cancels the 60 s deliveries
  }
  t.is(r.proxy.pending, 0);
});

(ipv6 ? test : test.skip)(`IPv6 loopback on both sides${ipv6 ? '' : ' (skipped: this machine has no ::1)'}`, async (t) => {
  const client = await Peer.open('::1');
  const server = await Peer.open('::1');
  const proxy = await startProxy({ listen: { host: '::1', port: 0 }, target: { host: '::1', port: server.port }, seed: 1 });
  try {
    client.send('over ::1', proxy.address);
    await server.receive(1);
    t.deepEqual(server.texts(), ['over ::1']);
    t.is(proxy.address.host, '::1');
  } finally {
    await proxy.close();
    await Promise.all([client.close(), server.close()]);
  }
});

test('anything but 127.0.0.1 and ::1 is refused, naming the field', async (t) => {
  const target = { host: '127.0.0.1', port: 9 };
  await t.throwsAsync(startProxy({ listen: { host: '0.0.0.0', port: 0 }, target, seed: 0 }), { instanceOf: ProxyError, message: /^listen\.host "0\.0\.0\.0": refused/ });
  await t.throwsAsync(startProxy({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '10.1.2.3', port: 9 }, seed: 0 }), {
    instanceOf: ProxyError,
    message: /^target\.host "10\.1\.2\.3": refused/,
  });
  await t.throwsAsync(startProxy({ listen: { host: 'localhost', port: 0 }, target, seed: 0 }), { message: /^listen\.host/ });
  await t.throwsAsync(startProxy({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '::1', port: 0 }, seed: 0 }), { message: /^target\.port 0/ });
  await t.throwsAsync(startProxy({ listen: { host: '127.0.0.1', port: 70_000 }, target, seed: 0 }), { message: /^listen\.port 70000/ });
});

test('a port in use is an error naming the listen side', async (t) => {
  const busy = await Peer.open();
  try {
    await t.throwsAsync(startProxy({ listen: { host: '127.0.0.1', port: busy.port }, target: { host: '127.0.0.1', port: 9 }, seed: 0 }), {
      instanceOf: ProxyError,
      message: /^listen: cannot bind 127\.0\.0\.1:\d+/,
    });
  } finally {
    await busy.close();
  }
});

// ---- dtlsprobe proxy ----

interface CliRun {
  readonly code: Promise<number>;
  readonly out: string[];
  readonly err: string[];
  line(re: RegExp): Promise<RegExpMatchArray>;
}

/** Runs the command as `main` does: a UsageError is exit code 2 with its message on stderr. */
function cli(argv: string[], signal?: AbortSignal): CliRun {
  const out: string[] = [];
  const err: string[] = [];
  const waiter = new Waiter();
  const io: CommandIo = {
    out: (l) => void (out.push(l), waiter.poke()),
    err: (l) => void (err.push(l), waiter.poke()),
    ...(signal === undefined ? {} : { signal }),
  };
  const code = proxyCommand.run(argv, io).catch((e: unknown) => {
    if (!(e instanceof UsageError)) throw e;
    err.push(`dtlsprobe proxy: ${e.message}`);
    return 2;
  });
  const match = (re: RegExp): RegExpMatchArray | undefined => out.map((l) => l.match(re)).find((m) => m !== null) ?? undefined;
  const line = async (re: RegExp): Promise<RegExpMatchArray> => {
    await waiter.until(() => match(re) !== undefined, `a line ${re}\n${out.join('\n')}`);
    return match(re) as RegExpMatchArray;
  };
  return { code, out, err, line };
}

const BASE = ['--listen', '127.0.0.1:0', '--target', '127.0.0.1:9'];

const badFlags: [string[], RegExp][] = [
  [['--listen', '10.0.0.1:4000', '--target', '127.0.0.1:9'], /--listen 10\.0\.0\.1:4000: refused/],
  [['--listen', '127.0.0.1:0', '--target', '[2001:db8::1]:9'], /--target \[2001:db8::1\]:9: refused/],
  [['--listen', '127.0.0.1', '--target', '127.0.0.1:9'], /--listen 127\.0\.0\.1: expected HOST:PORT/],
  [['--listen', '127.0.0.1:0'], /missing --target/],
  [['--listen', '127.0.0.1:0', '--target', '127.0.0.1:0'], /--target 127\.0\.0\.1:0: a port/],
  [[...BASE, '--loss', '1.5'], /--loss 1\.5: RATE is a probability/],
  [[...BASE, '--duplicate', 'lots'], /--duplicate lots/],
  [[...BASE, '--reorder', '0.2'], /--reorder 0\.2: expected RATE:WINDOW/],
  [[...BASE, '--reorder', '0.2:0'], /--reorder 0\.2:0: WINDOW is an integer 1\.\.1000/],
  [[...BASE, '--delay', '20+x'], /--delay 20\+x: JITTER/],
  [[...BASE, '--mtu', '1200:bounce'], /--mtu 1200:bounce: the action is drop or truncate/],
  [[...BASE, '--corrupt', '0.1:0'], /--corrupt 0\.1:0: BITS/],
  [[...BASE, '--client-loss', '-1'], /--client-loss -1/],
  [[...BASE, '--server-lose', '0.1'], /unknown flag --server-lose/],
  [[...BASE, '--max-pending', '0'], /--max-pending 0/],
  [[...BASE, '--model', '/nonexistent/model.json'], /--model \/nonexistent\/model\.json: cannot read it/],
  [[...BASE, 'extra'], /unexpected argument extra/],
];

for (const [argv, message] of badFlags) {
  test(`dtlsprobe proxy ${argv.join(' ')}: exit 2 naming the flag`, async (t) => {
    const r = cli(argv);
    t.is(await r.code, 2);
    t.regex(r.err.join('\n'), message);
  });
}

test('dtlsprobe proxy --model: a bad field is named by its path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-proxy-'));
  try {
    const file = join(dir, 'model.json');
    writeFileSync(file, JSON.stringify({ client: { loss: { kind: 'bernoulli', rate: 2 } } }));
    const r = cli([...BASE, '--model', file]);
    t.is(await r.code, 2);
    t.regex(r.err.join('\n'), /--model .*model\.json: network\.client\.loss\.rate: expected a number in \[0, 1\], got 2/);

    writeFileSync(file, JSON.stringify({ seed: 7, model: { server: { duplicate: 0.5 } }, script: [{ from: 'client', datagram: 1, action: { kind: 'nope' } }] }));
    const s = cli([...BASE, '--model', file]);
    t.is(await s.code, 2);
    t.regex(s.err.join('\n'), /script\[0\]\.action\.kind/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dtlsprobe proxy: flags for both directions, then --client-X and --server-X over them, over --model', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-proxy-'));
  try {
    const file = join(dir, 'fixture.json');
    writeFileSync(file, JSON.stringify({ model: { server: { blackouts: [{ startMs: 0, durationMs: 10 }], duplicate: 0.9 } }, script: [{ from: 'server', burst: 1, action: { kind: 'drop' } }] }));
    const { model, script } = modelFromFlags({
      model: file,
      loss: '0.2',
      'client-loss': '0.5',
      duplicate: '0.1',
      reorder: '0.2:3',
      'server-reorder': '0.3:2:100',
      delay: '20+10',
      'client-mtu': '1200:truncate',
      corrupt: '0.01',
    });
    t.deepEqual(model.client, {
      loss: { kind: 'bernoulli', rate: 0.5 },
      duplicate: 0.1,
      reorder: { rate: 0.2, window: 3 },
      delay: { baseMs: 20, jitterMs: 10 },
      mtu: { size: 1200, action: 'truncate' },
      corrupt: { rate: 0.01, bits: 1 },
    });
    t.deepEqual(model.server, {
      blackouts: [{ startMs: 0, durationMs: 10 }],
      loss: { kind: 'bernoulli', rate: 0.2 },
      duplicate: 0.1,
      reorder: { rate: 0.3, window: 2, maxHoldMs: 100 },
      delay: { baseMs: 20, jitterMs: 10 },
      corrupt: { rate: 0.01, bits: 1 },
    });
    t.deepEqual(script, [{ from: 'server', burst: 1, action: { kind: 'drop' } }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dtlsprobe proxy: runs until stopped, a line per datagram with --verbose, a summary and the transcript at exit', async (t) => {
  const client = await Peer.open();
  const server = await Peer.open();
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-proxy-'));
  const stop = new AbortController();
  try {
    const file = join(dir, 'transcript.json');
    const r = cli(['--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--server-loss', '1', '--seed', 'cli', '--verbose', '--transcript', file], stop.signal);
    const [, port] = await r.line(/^listening on 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:\d+ seed=cli$/);
    t.true(r.out.includes('client->server: clean'));
    t.true(r.out.includes('server->client: loss 100.0%'));
    const proxyAddress = { host: '127.0.0.1', port: Number(port) };
    for (const d of numbered('c', 3)) client.send(d, proxyAddress);
    await server.receive(3);
    for (const d of numbered('s', 2)) server.send(d, server.got[0].from);
    await r.line(/^#4 server->client \d+ B \[server #1 burst \d+\] dropped \(loss\)$/);
    stop.abort();
    t.is(await r.code, 0);
    t.true(r.out.includes(`client is 127.0.0.1:${client.port}`));
    t.true(r.out.some((l) => /^#0 client->server 2 B \[client #0 burst 0\] delivered copies=1$/.test(l)), r.out.join('\n'));
    t.true(r.out.some((l) => l.startsWith('client->server: 3 datagrams: delivered=3 dropped=0 ')));
    t.true(r.out.some((l) => l.startsWith('server->client: 2 datagrams: delivered=0 dropped=2 ')));
    const json = JSON.parse(readFileSync(file, 'utf8')) as { seed: string; transcript: LinkRecord[]; stats: { fates: { server: { dropped: number } } } };
    t.is(json.seed, 'cli');
    t.is(json.transcript.length, 5);
    t.is(json.stats.fates.server.dropped, 2);
    t.is(client.got.length, 0);
  } finally {
    stop.abort();
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([client.close(), server.close()]);
  }
});

test('dtlsprobe proxy: a port in use is exit 1 with the reason', async (t) => {
  const busy = await Peer.open();
  try {
    const r = cli(['--listen', `127.0.0.1:${busy.port}`, '--target', '127.0.0.1:9']);
    t.is(await r.code, 1);
    t.regex(r.err.join('\n'), /dtlsprobe proxy: listen: cannot bind 127\.0\.0\.1:\d+/);
  } finally {
    await busy.close();
  }
});
