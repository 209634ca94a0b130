import { existsSync, statSync } from 'node:fs';

/** What a program was to be started with, to explain a failure to start it. */
export interface SpawnAttempt {
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/**
 * Why a program could not start, as a sentence after `cannot start <program>: `: the errno code and what
 * it means here. ENOENT is also what a missing working directory gives, so that is checked and named.
 */
export function spawnFailureReason(error: NodeJS.ErrnoException, attempt: SpawnAttempt): string {
  const code = error.code ?? error.message;
  if (code === 'ENOENT' && attempt.cwd !== undefined && !isDirectory(attempt.cwd)) return `its working directory ${attempt.cwd} does not exist`;
  if (code === 'ENOENT') return `ENOENT (no such program${attempt.program.includes('/') ? '' : ' on PATH'})`;
  if (code === 'EACCES') return 'EACCES (not executable)';
  if (code === 'E2BIG') return `E2BIG (its arguments and environment, ${commandLineBytes(attempt)} bytes, are more than the system takes)`;
  return code;
}

function isDirectory(dir: string): boolean {
  try {
    return existsSync(dir) && statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function commandLineBytes(attempt: SpawnAttempt): number {
  let bytes = 0;
  for (const arg of [attempt.program, ...attempt.args]) bytes += Buffer.byteLength(arg) + 1;
  for (const [name, value] of Object.entries(attempt.env)) if (value !== undefined) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  return bytes;
}
