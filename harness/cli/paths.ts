/** Where the command finds the repository's own files and the shared material. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRootPath, sharedRoot } from '../locations.ts';
import { UsageError } from './args.ts';

export { repoRootPath };

/** The shared folder: the flag's value (which must exist), else $DTLSPROBE_SHARED, else ../shared. */
export function sharedFolder(flag: string | undefined): string | undefined {
  if (flag !== undefined) {
    if (!existsSync(join(flag, 'README.md'))) throw new UsageError(`--shared ${flag}: not a shared folder (no README.md there)`);
    return flag;
  }
  return sharedRoot();
}
