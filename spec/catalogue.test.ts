import test from 'ava';
import { readFileSync } from 'node:fs';
import { REQUIREMENTS, requireRequirement, requirementById, requirementsFrom, sourceOfId, type Requirement } from './requirement.ts';
import { SEED_REQUIREMENTS } from './seed.ts';
import { sharedPath, sharedRoot, sharedTest } from '../testkit/shared.ts';

test('catalogue ids are unique', (t) => {
  const seen = new Set<string>();
  const dupes = REQUIREMENTS.filter((r) => (seen.has(r.id) ? true : (seen.add(r.id), false))).map((r) => r.id);
  t.deepEqual(dupes, []);
});

test('an id names its source: SEED- for the seed, RFC<n>- for RFC <n>', (t) => {
  const wrong = REQUIREMENTS.filter((r) => sourceOfId(r.id) !== r.source).map((r) => `${r.id} (source ${r.source})`);
  t.deepEqual(wrong, []);
});

test('an RFC id carries its entry\'s section right after the RFC number', (t) => {
  const wrong = REQUIREMENTS.filter((r) => r.source !== 'seed')
    .filter((r) => {
      const m = /^RFC\d+-(\d+(?:\.\d+)*)(?:-[a-z0-9-]+)?$/.exec(r.id);
      return m === null || m[1] !== r.section;
    })
    .map((r) => `${r.id} (section ${r.section})`);
  t.deepEqual(wrong, []);
});

test('seed ids are SEED- plus a lowercase slug, and name the method, property or signal', (t) => {
  const wrong = SEED_REQUIREMENTS.filter((r) => !/^SEED-[a-z0-9]+(?:-[a-z0-9]+)*$/.test(r.id) || r.section.trim() === '');
  t.deepEqual(wrong.map((r) => r.id), []);
});

test('every summary is one sentence of at most 260 characters', (t) => {
  const bad = REQUIREMENTS.filter(
    (r) => r.summary.length > 260 || /\n/.test(r.summary) || !r.summary.endsWith('.') || /[.!?] [A-Z]/.test(r.summary.slice(0, -1)),
  );
  t.deepEqual(bad.map((r) => `${r.id}: ${r.summary}`), []);
});

test('an untested mark gives a reason', (t) => {
  t.deepEqual(REQUIREMENTS.filter((r) => r.untested !== undefined && r.untested.trim() === '').map((r) => r.id), []);
});

test('requirementById finds every entry; requireRequirement names a missing id', (t) => {
  for (const r of REQUIREMENTS) t.is(requirementById(r.id), r);
  t.is(requirementById('RFC6347-9.9-nothing'), undefined);
  t.throws(() => requireRequirement('RFC6347-9.9-nothing'), { message: /RFC6347-9\.9-nothing/ });
  t.is(requirementsFrom('seed').length, SEED_REQUIREMENTS.length);
});

test('the seed ids other developers were given exist', (t) => {
  const given = [
    'close-shuts-both', 'close-sends-close-notify', 'close-keeps-base-socket', 'closed-ops-fail-closed', 'close-twice-ok',
    'close-cancelled-recall', 'client-implicit-handshake', 'handshake-once', 'accept-certificate-client-on-failure',
    'accept-certificate-server-always', 'peer-certificate-unset-during-signal', 'verify-failure-sets-flag',
    'null-database-unknown-ca', 'require-close-notify-eof', 'no-require-close-notify-zero-read', 'alpn-null-disables',
    'ciphersuite-null-before-handshake', 'protocol-version-unknown-before-handshake', 'server-needs-certificate',
    'certificate-required-error', 'accepted-cas', 'channel-binding-check-only', 'rehandshake-mode-deprecated',
  ].map((slug) => `SEED-${slug}`);
  t.deepEqual(given.filter((id) => requirementById(id) === undefined), []);
});

/** Where the shared folder keeps each source's text (RFC 9146 and 9147 as their final drafts). */
const TEXTS: Partial<Record<Requirement['source'], string[]>> = {
  seed: ['seed', 'gio-dtls-connection.txt'],
  RFC9147: ['rfc', 'draft-ietf-tls-dtls13-rfcfinal-932447c.txt'],
  RFC9146: ['rfc', 'draft-ietf-tls-dtls-connection-id-13.txt'],
};
function textPath(source: Requirement['source']): string[] | undefined {
  const fixed = TEXTS[source];
  if (fixed !== undefined) return fixed;
  return ['rfc', `${source.toLowerCase()}.txt`];
}
function readText(source: Requirement['source']): string | undefined {
  const parts = textPath(source);
  if (parts === undefined || sharedRoot() === undefined) return undefined;
  try {
    return readFileSync(sharedPath(...parts), 'utf8');
  } catch {
    return undefined;
  }
}
const SOURCES = [...new Set(REQUIREMENTS.map((r) => r.source))];

/** Sources whose text shared/rfc does not hold; pinned so the list cannot grow unnoticed. */
const WITHOUT_TEXT = ['RFC3610', 'RFC4514', 'RFC5958', 'RFC7748', 'RFC8032'];

sharedTest('the sources without a text in shared/ are exactly the pinned five', ['rfc'], (t) => {
  t.deepEqual(SOURCES.filter((s) => readText(s) === undefined).sort(), WITHOUT_TEXT);
});

sharedTest('every RFC entry\'s section is a heading of that RFC\'s text', ['rfc'], (t) => {
  const missing: string[] = [];
  for (const r of REQUIREMENTS) {
    if (r.source === 'seed') continue;
    const text = readText(r.source);
    if (text === undefined) continue;
    const heading = new RegExp(`^ ?${r.section.replaceAll('.', '\\.')}\\.? +[A-Z"]`, 'm');
    if (!heading.test(text)) missing.push(`${r.id} (§${r.section})`);
  }
  t.deepEqual(missing, []);
});

const words = (s: string): string[] => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];
const RUN = 8;

sharedTest(`summaries are in our words: no run of ${RUN} words copied from the source text`, ['rfc'], (t) => {
  const copied: string[] = [];
  const cache = new Map<string, string>();
  for (const r of REQUIREMENTS) {
    let body = cache.get(r.source);
    if (body === undefined) {
      body = ` ${words(readText(r.source) ?? '').join(' ')} `;
      cache.set(r.source, body);
    }
    const w = words(r.summary);
    for (let i = 0; i + RUN <= w.length; i++) {
      const run = w.slice(i, i + RUN).join(' ');
      if (body.includes(` ${run} `)) {
        copied.push(`${r.id}: "${run}"`);
        break;
      }
    }
  }
  t.deepEqual(copied, []);
});
