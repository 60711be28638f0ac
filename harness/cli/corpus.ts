/** `dtlsprobe corpus`: parse every real DTLS datagram we have and report what parsed. */
import { repoRootPath, sharedFolder } from './paths.ts';
import { realBytesReport, renderReport } from '../corpus/report.ts';
import type { Command } from '../cli.ts';
import { describeFlags, parseArgs } from './args.ts';

const flags = {
  json: { type: 'boolean', help: 'print the report as JSON' },
  shared: { type: 'string', help: 'the shared folder (default: $DTLSPROBE_SHARED or ../shared)', valueName: 'DIR' },
} as const;

export const corpusCommand: Command = {
  name: 'corpus',
  summary: 'parse the real DTLS bytes in ../shared and vectors/transcripts; report parsed, re-encoded, malformed',
  usage: `usage: dtlsprobe corpus [--json] [--shared DIR]\n\n${describeFlags(flags)}`,
  async run(argv, io) {
    const { flags: f, positional } = parseArgs(argv, flags);
    if (positional.length > 0) io.err(`dtlsprobe corpus: ignoring unexpected argument "${positional[0]}"`);
    const shared = sharedFolder(f.shared);
    if (shared === undefined) io.err('dtlsprobe corpus: the shared folder is not there; reporting our transcripts only');
    const reports = realBytesReport(shared, repoRootPath('vectors', 'transcripts'));
    io.out(f.json === true ? JSON.stringify(reports, null, 2) : renderReport(reports));
    return 0;
  },
};
