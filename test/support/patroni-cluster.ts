import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pgBinDir, postgresAccount } from '../../src/drivers/postgres/pg-binaries.js';
import type { TestEtcd } from './etcd-server.js';
import { freePort } from './free-port.js';
import { processTree } from './process-tree.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Patroni's dynamic settings for a detection time: ttl = the detection time (whole seconds), loop_wait 1 s,
 * retry_timeout 2 s, the least that works: Patroni 3.0 gives up taking the leader key when less than 1 s of
 * retry_timeout is left after renewing its own lease, so with 1 s no replica ever takes over.
 */
export function patroniTimings(detectionMs: number): { ttl: number; loop_wait: number; retry_timeout: number } {
  return { ttl: Math.max(2, Math.round(detectionMs / 1000)), loop_wait: 1, retry_timeout: 2 };
}

function patroniConfig(scope: string, name: string, etcdPort: number, restPort: number, pgPort: number, dataDir: string, socketDir: string, detectionMs: number, logLevel: string): string {
  const config = {
    scope,
    name,
    log: { level: logLevel },
    restapi: { listen: `127.0.0.1:${restPort}`, connect_address: `127.0.0.1:${restPort}` },
    etcd3: { hosts: [`127.0.0.1:${etcdPort}`] },
    bootstrap: {
      dcs: {
        ...patroniTimings(detectionMs),
        maximum_lag_on_failover: 10 * 1024 * 1024,
        postgresql: {
          use_pg_rewind: true,
          parameters: { max_connections: 40, max_wal_senders: 10, wal_keep_size: '64MB', wal_log_hints: 'on', hot_standby: 'on' },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, 'data-checksums'],
    },
    postgresql: {
      listen: `127.0.0.1:${pgPort}`,
      connect_address: `127.0.0.1:${pgPort}`,
      data_dir: dataDir,
      bin_dir: pgBinDir(),
      pgpass: path.join(path.dirname(dataDir), 'pgpass'),
      authentication: { superuser: { username: 'postgres', password: 'patroni' }, replication: { username: 'replicator', password: 'patroni' } },
      pg_hba: ['host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust'],
      parameters: { unix_socket_directories: socketDir, shared_buffers: '16MB', fsync: 'off', logging_collector: 'off' },
    },
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
  // JSON is YAML
  return JSON.stringify(config, null, 2);
}

/** One statement on a fresh connection to 127.0.0.1:`port`; undefined when it fails. */
async function once<T extends Record<string, unknown>>(port: number, sql: string, timeoutMs: number): Promise<T[] | undefined> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query<T>(sql)).rows;
  } catch {
    return undefined;
  } finally {
    void c.end().catch(() => undefined);
  }
}

/** Kills each pid (a process already gone is skipped). */
function killEach(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Whether `pid` still runs (or is a zombie not yet reaped). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One Patroni-managed PostgreSQL server: the daemon (a child of this process) and the postmaster it runs. */
export class PatroniNode {
  constructor(readonly name: string, readonly pgPort: number, readonly restPort: number, readonly dataDir: string, private readonly daemon: ChildProcess) {}

  /** The postmaster's pid from its data folder, while it runs. */
  postmasterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** The Patroni daemon's pid, while it runs. */
  daemonPid(): number | undefined {
    const { pid, exitCode, signalCode } = this.daemon;
    return pid === undefined || exitCode !== null || signalCode !== null ? undefined : pid;
  }

  /** The node's processes now: the daemon and its children, and the postmaster (Patroni detaches it) with its backends. */
  processes(): number[] {
    const daemon = this.daemonPid();
    const postmaster = this.postmasterPid();
    return [...new Set([...(daemon === undefined ? [] : processTree(daemon)), ...(postmaster === undefined ? [] : processTree(postmaster))])];
  }

  /** Whether this node's REST API answers 200 to `/primary` (it holds the leader key and runs as the primary). */
  async isLeader(timeoutMs = 300): Promise<boolean> {
    return fetch(`http://127.0.0.1:${this.restPort}/primary`, { signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.status === 200, () => false);
  }
}

/** Clusters started by this process and not yet stopped: killed by their PIDs if the process exits first. */
const running = new Set<PatroniCluster>();
process.once('exit', () => {
  for (const cluster of running) for (const node of cluster.nodes) killEach(node.processes());
});

/**
 * Patroni (Debian's `patroni`, etcd v3 API on an etcd of the caller's own): `size` nodes, each a Patroni daemon
 * running as the `postgres` account (when run as root) with its own PostgreSQL cluster on free ports; ttl = the
 * detection time, loop_wait 1 s, retry_timeout 2 s, pg_rewind on. The first node bootstraps and is the primary;
 * tables `t (n int primary key)` and `probe (at timestamptz)` exist; every standby streams. Ended by PID.
 */
export class PatroniCluster {
  private constructor(readonly dir: string, readonly nodes: PatroniNode[]) {}

  /** Starts the cluster and waits (bounded) until the first node is the primary and every other streams from it. */
  static async start(etcd: TestEtcd, options: { size?: number; detectionMs: number; logLevel?: 'INFO' | 'WARNING' }): Promise<PatroniCluster> {
    const size = options.size ?? 3;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'homeostat-patroni-'));
    const account = process.getuid?.() === 0 ? postgresAccount() : undefined;
    if (account) chownSync(dir, account.uid, account.gid);
    const cluster = new PatroniCluster(dir, []);
    running.add(cluster);
    try {
      const scope = path.basename(dir);
      for (let i = 0; i < size; i++) {
        const name = `n${i + 1}`;
        const home = path.join(dir, name);
        const pgPort = await freePort();
        const restPort = await freePort();
        const file = path.join(dir, `${name}.yml`);
        // the data folder's parent holds pgpass and the socket; Patroni makes the data folder itself
        writeFileSync(file, patroniConfig(scope, name, etcd.clientPort, restPort, pgPort, path.join(home, 'data'), home, options.detectionMs, options.logLevel ?? 'WARNING'));
        mkdirSync(home, { mode: 0o700 });
        if (account) {
          chownSync(home, account.uid, account.gid);
          chownSync(file, account.uid, account.gid);
        }
        const log = openSync(path.join(dir, `${name}.log`), 'a');
        const daemon = spawn('patroni', [file], { stdio: ['ignore', log, log], cwd: home, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: home }, ...(account ?? {}) });
        const node = new PatroniNode(name, pgPort, restPort, path.join(home, 'data'), daemon);
        cluster.nodes.push(node);
        // the first node bootstraps the cluster before the others start, so it is the primary
        if (i === 0) {
          for (let j = 0; j < 600 && !(await node.isLeader()); j++) await sleep(100);
          if (!(await node.isLeader())) throw new Error(`Patroni did not bootstrap a primary within 60 s (see ${dir}/n1.log)`);
          await once(pgPort, 'CREATE TABLE t (n int primary key); CREATE TABLE probe (at timestamptz)', 5_000);
        }
      }
      await cluster.streaming(size - 1, 90_000);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** The port of the node whose REST API says it is the primary, as Patroni tells its clients; undefined when none does. */
  async leaderPort(): Promise<number | undefined> {
    const answers = await Promise.all(this.nodes.map((n) => n.isLeader()));
    return this.nodes[answers.indexOf(true)]?.pgPort;
  }

  /**
   * Waits until the first node has `standbys` streaming standbys (WAL senders of a base backup in progress,
   * named `pg_basebackup`, do not count).
   */
  private async streaming(standbys: number, withinMs: number): Promise<void> {
    const port = this.nodes[0]?.pgPort as number;
    for (const deadline = performance.now() + withinMs; performance.now() < deadline; await sleep(100)) {
      const rows = await once<{ n: number }>(port, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming' AND application_name <> 'pg_basebackup'", 300);
      if (rows?.[0]?.n === standbys) return;
    }
    throw new Error(`the standbys of 127.0.0.1:${port} did not stream within ${withinMs} ms (see ${this.dir}/n*.log)`);
  }

  /** Kills every node (stopped or not: Patroni, the postmaster and its backends) by PID, waits until they are gone, removes the folder. */
  async stop(): Promise<void> {
    // listed once, then killed: a pid read again after the kill could be another process's by then
    const pids = this.nodes.flatMap((node) => node.processes());
    killEach(pids);
    for (let i = 0; i < 100 && pids.some(alive); i++) await sleep(50);
    running.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
