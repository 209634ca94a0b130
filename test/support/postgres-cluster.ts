import { chownSync, mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgBinDir, postgresAccount, runPg } from '../../src/drivers/postgres/pg-binaries.js';
import { freePort } from './free-port.js';

/** Settings every test cluster gets: TCP on 127.0.0.1 only, no Unix socket, small, quick, rewindable. */
const SETTINGS = [
  "listen_addresses = '127.0.0.1'",
  "unix_socket_directories = ''",
  'max_connections = 40',
  'shared_buffers = 16MB',
  'fsync = off',
  'full_page_writes = on',
  'wal_log_hints = on',
  'max_wal_senders = 10',
  'wal_keep_size = 64MB',
  'logging_collector = off',
];

/** Servers started by this process and not yet disposed of: stopped by their PIDs if the process exits first. */
const running = new Set<TestPostgres>();
process.once('exit', () => {
  // a test that timed out or a worker torn down early must not leave its servers behind (they outlive their parent)
  for (const server of running) {
    const pid = server.pid;
    if (pid === undefined) continue;
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
});

/**
 * A PostgreSQL server of the test's own: its data directory in a temporary folder, on a free port, made with
 * Debian's initdb (a primary) or pg_basebackup (a standby), run as the `postgres` account when the tests run
 * as root (PostgreSQL refuses root). Never the machine's own cluster on 5432. Killed by the postmaster's PID.
 */
export class TestPostgres {
  private constructor(readonly port: number, readonly dataDir: string, private readonly root: string) {}

  private static user(): { uid: number; gid: number } | undefined {
    return process.getuid?.() === 0 ? postgresAccount() : undefined;
  }

  private static folder(): { root: string; dataDir: string } {
    const root = mkdtempSync(path.join(os.tmpdir(), 'homeostat-pg-'));
    const user = TestPostgres.user();
    if (user) chownSync(root, user.uid, user.gid);
    return { root, dataDir: path.join(root, 'data') };
  }

  private static run(program: string, args: string[], timeoutMs = 60_000): Promise<string> {
    const user = TestPostgres.user();
    return runPg(pgBinDir(), program, args, { timeoutMs, ...(user ? { user } : {}) });
  }

  /** A new primary (initdb with data checksums, trust authentication on 127.0.0.1), started. */
  static async primary(): Promise<TestPostgres> {
    const { root, dataDir } = TestPostgres.folder();
    await TestPostgres.run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--data-checksums', '--no-sync', '-E', 'UTF8', '--locale=C']);
    appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n${SETTINGS.join('\n')}\n`);
    const server = new TestPostgres(await freePort(), dataDir, root);
    await server.start();
    return server;
  }

  /** A streaming standby of `primary` (pg_basebackup -R), started. */
  static async standby(primary: TestPostgres): Promise<TestPostgres> {
    const { root, dataDir } = TestPostgres.folder();
    await TestPostgres.run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    const server = new TestPostgres(await freePort(), dataDir, root);
    await server.start();
    return server;
  }

  /** Starts the server (again) on its port and waits until it takes connections. */
  async start(): Promise<void> {
    running.add(this);
    await TestPostgres.run('pg_ctl', ['start', '-D', this.dataDir, '-w', '-t', '60', '-l', path.join(this.root, 'server.log'), '-o', `-p ${this.port}`]);
  }

  /** The postmaster's PID, while it runs. */
  get pid(): number | undefined {
    let text: string;
    try {
      // read without a check first: a postmaster shutting down removes the file at any moment
      text = readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const pid = Number(text.split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** kill -9 of the postmaster (its backends exit when they see it gone), and waits until the port is closed. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (signal !== 'SIGKILL') return;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops it (immediate shutdown, else SIGKILL) and removes its folder. */
  async dispose(): Promise<void> {
    if (this.pid !== undefined) await TestPostgres.run('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w'], 20_000).catch(() => this.kill());
    // backends of a killed postmaster may linger a moment
    const leftovers = this.pid;
    if (leftovers !== undefined) await this.kill();
    rmSync(this.root, { recursive: true, force: true });
    running.delete(this);
  }
}
