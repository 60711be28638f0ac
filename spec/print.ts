/**
 * Prints the requirement catalogue as a Markdown table (id, source §section, level, summary,
 * tests) for the README and reports. Reads only spec/ and the test files' text.
 *
 *   node --import=tsx spec/print.ts             every entry
 *   node --import=tsx spec/print.ts --untested  only entries no test names yet, with the reason
 */
import { pathToFileURL } from 'node:url';
import { computeCoverage, type Coverage } from './coverage.ts';
import { REQUIREMENTS, type Requirement } from './requirement.ts';

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function sourceCell(r: Requirement): string {
  return r.source === 'seed' ? `seed: ${r.section}` : `RFC ${r.source.slice(3)} §${r.section}`;
}

function testsCell(r: Requirement, coverage: Coverage): string {
  const refs = coverage.byRequirement.get(r.id) ?? [];
  const files = [...new Set([...refs.map((t) => t.file), ...(r.tests ?? [])])];
  if (files.length > 0) return `${refs.length + (r.tests ?? []).length}: ${files.map((f) => `\`${f}\``).join(', ')}`;
  return r.untested === undefined ? '**none**' : `untested: ${r.untested}`;
}

/** The catalogue (or the untested part of it) as Markdown lines. */
export function catalogueTable(options: { untestedOnly?: boolean } = {}): string[] {
  const coverage = computeCoverage();
  const uncovered = new Set([...coverage.untested, ...coverage.missing].map((r) => r.id));
  const rows = options.untestedOnly === true ? REQUIREMENTS.filter((r) => uncovered.has(r.id)) : REQUIREMENTS;
  const covered = REQUIREMENTS.length - uncovered.size;
  return [
    `${REQUIREMENTS.length} requirements, ${covered} named by tests, ${coverage.untested.length} marked untested, ${coverage.missing.length} missing a test.`,
    '',
    '| id | source | level | summary | tests |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${cell(sourceCell(r))} | ${r.level} | ${cell(r.summary)} | ${cell(testsCell(r, coverage))} |`),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const unknownArgs = args.filter((a) => a !== '--untested');
  if (unknownArgs.length > 0) {
    process.stderr.write(`usage: node --import=tsx spec/print.ts [--untested]\n`);
    process.exit(2);
  }
  process.stdout.write(`${catalogueTable({ untestedOnly: args.includes('--untested') }).join('\n')}\n`);
}
