/** Where the command finds the repository's own files and the shared material. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function repoRootPath(...parts: string[]): string {
  return join(root, ...parts);
}

/** The shared folder: the flag's value (which must exist), else $DTLSPROBE_SHARED, else ../shared. */
export function sharedFolder(flag: string | undefined): string | undefined {
  if (flag !== undefined) {
    if (!existsSync(join(flag, 'README.md'))) throw new UsageError(`--shared ${flag}: not a shared folder (no README.md there)`);
    return flag;
  }
  for (const c of [process.env.DTLSPROBE_SHARED, resolve(root, '..', 'shared')]) {
    if (c !== undefined && c !== '' && existsSync(join(c, 'README.md'))) return c;
  }
  return undefined;
}
