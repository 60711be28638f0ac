/**
 * Regenerates the committed compliance reports in reports/<impl>/: every probe against the
 * reference, OpenSSL, GnuTLS, werift-dtls and node-dtls-client, each with its expectations file.
 * `--only a,b` limits the implementations. Exits non-zero when a run has an unexpected result
 * (a failure not in the expectations, an error, an xpass, or a stale expectation).
 *
 *   npm run reports
 *   npm run reports -- --only openssl,gnutls
 */
import { main } from '../harness/cli.ts';
import { repoRootPath } from '../harness/locations.ts';

const DEFAULT = ['reference', 'openssl', 'gnutls', 'werift', 'node-dtls-client'];

const args = process.argv.slice(2);
const at = args.indexOf('--only');
const impls = at >= 0 ? (args[at + 1] ?? '').split(',').filter((s) => s !== '') : DEFAULT;
if (at >= 0 && impls.length === 0) {
  process.stderr.write('reports: --only needs a comma-separated list of implementations\n');
  process.exit(2);
}
const unknown = args.filter((a, i) => a !== '--only' && i !== at + 1);
if (unknown.length > 0) {
  process.stderr.write(`reports: unknown argument ${unknown[0]}\nusage: npm run reports [-- --only impl,impl]\n`);
  process.exit(2);
}

let failed = 0;
for (const impl of impls) {
  process.stderr.write(`== ${impl}\n`);
  const code = await main(['run', '--impl', impl, '--report', repoRootPath('reports', impl)]);
  if (code !== 0) {
    failed++;
    process.stderr.write(`reports: ${impl} exited ${code}\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
