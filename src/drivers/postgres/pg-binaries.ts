import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { HomeostatError } from '../../core/errors.js';

/** A PostgreSQL program that failed. */
export class PgCommandError extends HomeostatError {
  constructor(program: string, detail: string) {
    super('E_PG_COMMAND', `${program} failed: ${detail}`, { retryable: true });
  }
}

/**
 * The folder of the server programs (pg_ctl, pg_rewind, initdb): `binDir` when given, else the folder of the
 * `pg_ctl` found on PATH (Debian links it from /usr/lib/postgresql/N/bin), else the newest
 * /usr/lib/postgresql/N/bin.
 * @throws HomeostatError E_PG_NOT_FOUND when there is none
 */
export function pgBinDir(binDir?: string): string {
  if (binDir !== undefined) return binDir;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'pg_ctl');
    if (dir && existsSync(candidate)) return path.dirname(realpathSync(candidate));
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions[0] !== undefined) return path.join(root, versions[0], 'bin');
  throw new HomeostatError('E_PG_NOT_FOUND', 'no PostgreSQL server programs found (pg_ctl on PATH or /usr/lib/postgresql/N/bin); install Debian\'s postgresql or set binDir');
}

/** Who runs the programs on `dataDir`: its owner when homeostat runs as root (PostgreSQL refuses root). */
export function runAs(dataDir: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const { uid, gid } = statSync(dataDir);
  return uid === 0 ? undefined : { uid, gid };
}

/** The uid and gid of the `postgres` account, for creating clusters when running as root. */
export function postgresAccount(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Runs a server program of `binDir` (argv, no shell) as `user`, and resolves with its output (stdout, then stderr).
 * @throws PgCommandError when it exits non-zero, cannot start, or outlives `timeoutMs`
 */
export function runPg(binDir: string, program: string, args: readonly string[], options: { user?: { uid: number; gid: number }; timeoutMs: number; signal?: AbortSignal; cwd?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', PGCONNECT_TIMEOUT: '5' };
    execFile(path.join(binDir, program), [...args], { env, timeout: options.timeoutMs, killSignal: 'SIGKILL', cwd: options.cwd ?? '/', ...(options.signal ? { signal: options.signal } : {}), ...(options.user ?? {}) }, (error, stdout, stderr) => {
      // some programs (pg_rewind) report what they did on stderr
      if (!error) return resolve(`${String(stdout)}${String(stderr)}`);
      const last = String(stderr).trim().split('\n').slice(-2).join(' / ');
      reject(new PgCommandError(program, `${error.message.split('\n')[0] ?? ''}${last ? `: ${last}` : ''}`));
    });
  });
}
