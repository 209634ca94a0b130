import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates `dir` and the directories above it that are missing, as `mkdir -p`, one level at a time. Node's own
 * `mkdir(dir, { recursive: true })` never returns when the system answers "no such file" for a directory under
 * one that exists: under `/proc` or `/sys` it retries the parent for ever, at full CPU (`homeostat init
 * /proc/x` hung, and a process entity's log file under `/proc` would have stopped the service in a
 * synchronous call). Here each level is made once, and an error names the level that could not be made.
 * @param mode the permissions of the directories made (those that exist are left as they are)
 */
export function makeDirectorySync(dir: string, mode?: number): void {
  for (const level of missingLevels(dir, (at) => statSync(at, { throwIfNoEntry: false }) !== undefined)) {
    try {
      mkdirSync(level, mode === undefined ? undefined : { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** `makeDirectorySync`, without blocking the event loop. */
export async function makeDirectory(dir: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !(await stat(at).then(() => true, () => false)); at = path.dirname(at)) {
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const level of missing.reverse()) {
    await mkdir(level, mode === undefined ? undefined : { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

/** The levels of `dir` below the nearest one that `exists`, top down (none when `dir` exists). */
function missingLevels(dir: string, exists: (at: string) => boolean): string[] {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !exists(at); at = path.dirname(at)) {
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  return missing.reverse();
}
