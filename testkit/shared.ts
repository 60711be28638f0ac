/**
 * Finds the read-only `shared/` material (RFC texts, vectors, corpora) that tests read.
 *
 * It lives at `../shared` from the repository root, or wherever `$DTLSPROBE_SHARED` points.
 * A test that needs it calls `sharedTest` instead of `test`: when the folder is missing the test is
 * registered as skipped, with the reason in its title, so the skip is visible and counted.
 */
import test, { type ImplementationFn } from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRootPath, sharedRoot } from '../harness/locations.ts';

export { sharedRoot };

/** The repository's root folder. */
export function repoPath(...parts: string[]): string {
  return repoRootPath(...parts);
}

/** A path inside the shared folder; throws when the folder is missing (use `sharedTest` in tests). */
export function sharedPath(...parts: string[]): string {
  const root = sharedRoot();
  if (root === undefined) {
    throw new Error('the shared folder is missing: set $DTLSPROBE_SHARED or place it at ../shared');
  }
  return join(root, ...parts);
}

/** Reads a JSON file from the shared folder. */
export function readSharedJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(sharedPath(...parts), 'utf8')) as unknown;
}

/** Registers a test that needs `shared/<parts>`; skipped, with the reason in its title, when missing. */
export function sharedTest(title: string, parts: string[], impl: ImplementationFn<[]>): void {
  const root = sharedRoot();
  if (root === undefined || !existsSync(join(root, ...parts))) {
    test.skip(`${title} (skipped: shared/${parts.join('/')} is not available)`, () => {});
    return;
  }
  test(title, impl);
}
