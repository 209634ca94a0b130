import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * Age past which a partial file is stale whatever its pid says (ms): a write takes milliseconds, and the pid
 * may have been reused, or belong to another pid namespace (a container) sharing the directory.
 */
const STALE_AFTER_MS = 10 * 60_000;

const PARTIAL = /\.(\d+)\.partial$/;

/** Where process `pid` writes `target` before renaming it into place: `<target>.<pid>.partial`. */
export function partialFileName(target: string, pid: number = process.pid): string {
  return `${target}.${pid}.partial`;
}

/** Whether a process with this pid runs (one of another user counts: it exists). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The partial files among `entries` of `dir` that no write will finish: their writer is no longer running
 * (killed mid-write, it never renamed nor removed its file), or they are older than ten minutes.
 * @param now the current time (ms since the epoch), to compare with the files' modification times
 */
export function stalePartials(dir: string, entries: readonly string[], now: number): string[] {
  const stale: string[] = [];
  for (const entry of entries) {
    const pid = PARTIAL.exec(entry)?.[1];
    if (pid === undefined) continue;
    const file = path.join(dir, entry);
    if (!isRunning(Number(pid))) {
      stale.push(file);
      continue;
    }
    try {
      if (now - statSync(file).mtimeMs > STALE_AFTER_MS) stale.push(file);
    } catch {
      // gone meanwhile: its writer renamed it
    }
  }
  return stale;
}
