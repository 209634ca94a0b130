import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { pgBinDir, postgresAccount } from '../../src/drivers/postgres/pg-binaries.js';
import { freePort } from '../../test/support/free-port.js';
import { TestPostgres } from '../../test/support/postgres-cluster.js';
import type { BenchEtcd } from './etcd.js';
import { pgOnce } from './pg-parts.js';
import { processTree } from './proc-tree.js';
import { sleep } from './redis-parts.js';
import { traceDeployment } from './trace.js';

/** One database node of a system under test: its PostgreSQL port and every process a crash of the node ends. */
export interface PgBenchNode {
  readonly port: number;
  /** The node's processes now (the postmaster and its children; for Patroni, the Patroni daemon too). */
  processes(): number[];
}

/** A PostgreSQL failover system under test: it makes its own primary and two standbys. */
export interface PgSystemUnderTest {
  readonly name: string;
  /** Starts the system; the first node is the primary, tables `t` and `probe` exist and both standbys stream. */
  start(): Promise<PgBenchNode[]>;
  /** Port of the primary clients should write to now, as the system tells its clients. */
  resolve(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * Waits until `port` has `standbys` streaming standbys (WAL senders of a base backup in progress, named
 * `pg_basebackup`, do not count).
 */
async function streaming(port: number, standbys: number, withinMs: number): Promise<void> {
  for (const deadline = performance.now() + withinMs; performance.now() < deadline; await sleep(100)) {
    const rows = await pgOnce<{ n: number }>(port, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming' AND application_name <> 'pg_basebackup'");
    if (rows?.[0]?.n === standbys) return;
  }
  throw new Error(`the standbys of 127.0.0.1:${port} did not stream within ${withinMs} ms`);
}

/**
 * The STONITH command: SIGKILL to the postmaster and its children (listed by ps before the kill, while they
 * are still its children), which works on stopped processes too. A shell and ps, not node: it runs inside
 * the failover, and starting node takes hundreds of ms on a loaded machine.
 */
const KILL_TREE = ['sh', '-c', 'kill -KILL "$1" $(ps -o pid= --ppid "$1")', 'sh'];

/**
 * homeostat: a postgres-replication-group with the failover policy (failureDelay = the detection time, polls
 * every 100 ms), a STONITH fence command per server (SIGKILL to its postmaster and children: local
 * processes); clients follow the group's address file.
 */
export function homeostatPg(detectionMs: number): PgSystemUnderTest {
  let deployment: Deployment | undefined;
  let servers: TestPostgres[] = [];
  let dir = '';
  const resolve = async (): Promise<number | undefined> => {
    try {
      const port = Number(readFileSync(path.join(dir, 'primary'), 'utf8').trim().split(':').pop());
      return Number.isInteger(port) && port > 0 ? port : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    name: `homeostat (failureDelay ${detectionMs} ms, polls every 100 ms)`,
    async start() {
      const primary = await TestPostgres.primary();
      await pgOnce(primary.port, 'CREATE TABLE t (n int primary key); CREATE TABLE probe (at timestamptz)', [], 5_000);
      servers = [primary, await TestPostgres.standby(primary), await TestPostgres.standby(primary)];
      await streaming(primary.port, 2, 30_000);
      dir = mkdtempSync(path.join(os.tmpdir(), 'bench-hs-pg-'));
      const children = servers.map((s, i) => `        - { id: p${i + 1}, type: postgres, config: { port: ${s.port}, dataDir: ${JSON.stringify(s.dataDir)}, every: 100ms, timeout: 300ms, fence: { command: ${JSON.stringify([...KILL_TREE, String(s.pid)])} } } }\n`).join('');
      const text = `name: bench\napplication:\n  id: app\n  children:\n    - id: pgs\n      type: postgres-replication-group\n      config: { addressFile: ${JSON.stringify(path.join(dir, 'primary'))}, every: 100ms, failureDelay: ${detectionMs}ms }\n      children:\n${children}      policies:\n        - use: failover\n          config: { failureDelay: ${detectionMs}ms, recoveryDelay: 2s, promoteTimeout: 20s, maxLag: 10 }\n`;
      deployment = await Deployment.create(await parseBlueprint(text, path.join(dir, 'blueprint.yaml')), { stateDir: dir });
      deployment.start();
      if (process.env['BENCH_TRACE']) traceDeployment(deployment, ['p1', 'p2', 'p3']);
      for (let i = 0; i < 200 && (await resolve()) !== primary.port; i++) await sleep(50);
      if ((await resolve()) !== primary.port) throw new Error('homeostat did not publish the primary');
      return servers.map((s) => ({ port: s.port, processes: () => (s.pid === undefined ? [] : processTree(s.pid)) }));
    },
    resolve,
    async stop() {
      await deployment?.stop();
      for (const s of servers) await s.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Patroni's dynamic settings for a detection time: ttl = the detection time (whole seconds), loop_wait 1 s,
 * retry_timeout 2 s, the least that works: Patroni 3.0 gives up taking the leader key when less than 1 s of
 * retry_timeout is left after renewing its own lease, so with 1 s no replica ever takes over.
 */
export function patroniTimings(detectionMs: number): { ttl: number; loop_wait: number; retry_timeout: number } {
  return { ttl: Math.max(2, Math.round(detectionMs / 1000)), loop_wait: 1, retry_timeout: 2 };
}

function patroniConfig(scope: string, name: string, etcdPort: number, restPort: number, pgPort: number, dataDir: string, socketDir: string, detectionMs: number): string {
  const config = {
    scope,
    name,
    log: { level: 'WARNING' },
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
      authentication: { superuser: { username: 'postgres', password: 'bench' }, replication: { username: 'replicator', password: 'bench' } },
      pg_hba: ['host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust'],
      parameters: { unix_socket_directories: socketDir, shared_buffers: '16MB', fsync: 'off', logging_collector: 'off' },
    },
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
  // JSON is YAML
  return JSON.stringify(config, null, 2);
}

/** The postmaster's pid from its data folder, while it runs. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A Patroni node's processes: the daemon and its children, and the postmaster (Patroni detaches it) with its backends. */
function nodeProcesses(d: { child: ChildProcess; dataDir: string }): number[] {
  const daemon = d.child.pid === undefined || d.child.exitCode !== null || d.child.signalCode !== null ? [] : processTree(d.child.pid);
  const postmaster = postmasterPid(d.dataDir);
  return [...new Set([...daemon, ...(postmaster === undefined ? [] : processTree(postmaster))])];
}

/**
 * Patroni (Debian's `patroni`, etcd v3 API on the benchmark's own etcd): three nodes, each a Patroni daemon
 * running as the `postgres` account with its own PostgreSQL 15 cluster on free ports; ttl = the detection
 * time, loop_wait 1 s, retry_timeout 2 s, pg_rewind on. Clients ask each node's REST API for `/primary`
 * (what HAProxy's health check does) after an error.
 */
export function patroni(detectionMs: number, etcd: BenchEtcd): PgSystemUnderTest {
  const daemons: Array<{ child: ChildProcess; pgPort: number; restPort: number; dataDir: string }> = [];
  let dir = '';
  const t = patroniTimings(detectionMs);
  const resolve = async (): Promise<number | undefined> => {
    const answers = await Promise.all(daemons.map((d) => fetch(`http://127.0.0.1:${d.restPort}/primary`, { signal: AbortSignal.timeout(300) }).then((r) => r.status === 200, () => false)));
    return daemons[answers.indexOf(true)]?.pgPort;
  };
  return {
    name: `Patroni 3.0 + etcd (ttl ${t.ttl} s, loop_wait ${t.loop_wait} s, retry_timeout ${t.retry_timeout} s)`,
    async start() {
      dir = mkdtempSync(path.join(os.tmpdir(), 'bench-patroni-'));
      const account = process.getuid?.() === 0 ? postgresAccount() : undefined;
      if (account) chownSync(dir, account.uid, account.gid);
      const scope = path.basename(dir);
      for (let i = 0; i < 3; i++) {
        const node = path.join(dir, `n${i + 1}`);
        const pgPort = await freePort();
        const restPort = await freePort();
        const file = path.join(dir, `n${i + 1}.yml`);
        // the data folder's parent holds pgpass and the socket; Patroni makes the data folder itself
        writeFileSync(file, patroniConfig(scope, `n${i + 1}`, etcd.clientPort, restPort, pgPort, path.join(node, 'data'), node, detectionMs));
        mkdirSync(node, { mode: 0o700 });
        if (account) {
          chownSync(node, account.uid, account.gid);
          chownSync(file, account.uid, account.gid);
        }
        const log = openSync(path.join(dir, `n${i + 1}.log`), 'a');
        const child = spawn('patroni', [file], { stdio: ['ignore', log, log], cwd: node, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: node }, ...(account ?? {}) });
        daemons.push({ child, pgPort, restPort, dataDir: path.join(node, 'data') });
        // the first node bootstraps the cluster before the others start, so it is the primary
        if (i === 0) {
          for (let j = 0; j < 600 && (await resolve()) !== pgPort; j++) await sleep(100);
          if ((await resolve()) !== pgPort) throw new Error(`Patroni did not bootstrap a primary within 60 s (see ${dir}/n1.log)`);
          await pgOnce(pgPort, 'CREATE TABLE t (n int primary key); CREATE TABLE probe (at timestamptz)', [], 5_000);
        }
      }
      await streaming(daemons[0]?.pgPort as number, 2, 90_000);
      return daemons.map((d) => ({ port: d.pgPort, processes: () => nodeProcesses(d) }));
    },
    resolve,
    async stop() {
      for (const d of daemons) {
        // the whole node, stopped or not: Patroni, the postmaster and its backends
        const pids = nodeProcesses(d);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
      await sleep(200);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
