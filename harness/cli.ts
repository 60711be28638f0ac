/**
 * The `dtlsprobe` command. Each subcommand lives in `cli/` and is registered here; `main`
 * returns the exit code: 0 success, 1 a finding or failure, 2 bad usage.
 */
import { UsageError } from './cli/args.ts';
import { connectCommand } from './cli/connect.ts';
import { corpusCommand } from './cli/corpus.ts';
import { decodeCommand } from './cli/decode.ts';
import { dumpCommand } from './cli/dump.ts';
import { fuzzCommand } from './cli/fuzz.ts';
import { proxyCommand } from './cli/proxy.ts';
import { runCommand } from './cli/run.ts';
import { main as scriptMain } from './suites/script.ts';
import { serveCommand } from './cli/serve.ts';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Data, not lines: written as it is to standard output (what `connect` receives). */
  write?(data: Uint8Array): void;
  /** Standard input (`connect` sends each line of it); default process.stdin. */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
  /** Stops a long-running command (`serve`, `connect`) as SIGINT does; default SIGINT and SIGTERM. */
  readonly signal?: AbortSignal;
}

/** A probe group as a tlsfuzzer script: its flags are tlsfuzzer's (`-h` is the host), so it parses them all itself. */
const scriptCommand: Command = {
  name: 'script',
  summary: 'run one probe group as a tlsfuzzer script (tlsfuzzer flags, output and exit codes)',
  usage: 'usage: dtlsprobe script GROUP [-h host] [-p port] [-e probe] [-x probe [-X text]] [-n num] [--impl NAME] [--seed S] [probe ...]; dtlsprobe script GROUP --help',
  run: (argv, io) => scriptMain(argv, io),
};

/** Commands that read `-h`/`--help` themselves. */
const OWN_HELP = new Set(['script']);

const commands: readonly Command[] = [runCommand, scriptCommand, corpusCommand, dumpCommand, decodeCommand, serveCommand, connectCommand, fuzzCommand, proxyCommand];

function usage(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return ['usage: dtlsprobe <command> [flags]', '', 'commands:', ...lines, '', 'dtlsprobe <command> --help for its flags'].join('\n');
}

const stdio: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (data) => process.stdout.write(data),
  get stdin() {
    return process.stdin;
  },
};

export async function main(argv: readonly string[], io: CommandIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`dtlsprobe: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (!OWN_HELP.has(command.name) && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`dtlsprobe ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    throw e;
  }
}
