/**
 * Where dtlsprobe finds its own files and the shared material (RFC texts, vectors, corpora):
 * `$DTLSPROBE_SHARED`, else `../shared` beside the repository. No test framework here, so the
 * command, the fuzz targets and the tests all use this one lookup.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A path inside the repository. */
export function repoRootPath(...parts: string[]): string {
  return join(root, ...parts);
}

/** The shared folder, or undefined when it is not there. */
export function sharedRoot(): string | undefined {
  for (const c of [process.env.DTLSPROBE_SHARED, resolve(root, '..', 'shared')]) {
    if (c !== undefined && c !== '' && existsSync(join(c, 'README.md'))) return c;
  }
  return undefined;
}
