import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PgEndpoint } from './pg-status.js';
import { runAs, runPg } from './pg-binaries.js';

/** What `rejoinAsStandby` needs. */
export interface RejoinSpec {
  readonly dataDir: string;
  readonly binDir: string;
  /** The port this server listens on (given on the command line: pg_rewind copies the source's postgresql.conf). */
  readonly port: number;
  readonly source: PgEndpoint;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** A libpq connection string for `source`, values quoted. */
export function conninfo(source: PgEndpoint): string {
  const quote = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [`host=${quote(source.host)}`, `port=${source.port}`, `user=${quote(source.user)}`, `dbname=${quote(source.database)}`, ...(source.password === undefined ? [] : [`password=${quote(source.password)}`])].join(' ');
}

/**
 * Rejoins an old primary as a standby of `source` (the failback's first step): a fast shutdown if it runs,
 * `pg_rewind` against the source (it rewinds only when the timelines diverged, and finishes crash recovery
 * itself after a kill -9; the cluster needs data checksums or wal_log_hints), `-R` to write standby.signal
 * and primary_conninfo, the fence's read-only setting removed, and a start on its own port.
 * @throws PgCommandError when a step fails (the server is left stopped, fenced by its absence)
 */
export async function rejoinAsStandby(spec: RejoinSpec): Promise<{ rewound: boolean }> {
  const user = runAs(spec.dataDir);
  const run = (program: string, args: string[]): Promise<string> => runPg(spec.binDir, program, args, { user, timeoutMs: spec.timeoutMs, signal: spec.signal, cwd: spec.dataDir });
  if (existsSync(path.join(spec.dataDir, 'postmaster.pid'))) await run('pg_ctl', ['stop', '-D', spec.dataDir, '-m', 'fast', '-w']).catch(() => undefined);
  const output = await run('pg_rewind', ['--target-pgdata', spec.dataDir, '--source-server', conninfo(spec.source), '--write-recovery-conf']);
  const auto = path.join(spec.dataDir, 'postgresql.auto.conf');
  const text = await readFile(auto, 'utf8');
  await writeFile(auto, text.split('\n').filter((line) => !/^\s*default_transaction_read_only\s*=/.test(line)).join('\n'));
  await run('pg_ctl', ['start', '-D', spec.dataDir, '-w', '-t', String(Math.ceil(spec.timeoutMs / 1000)), '-l', path.join(spec.dataDir, 'homeostat-start.log'), '-o', `-p ${spec.port}`]);
  return { rewound: !/no rewind required/i.test(output) };
}
