import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { TestEtcd } from '../../test/support/etcd-server.js';
import { PatroniCluster, patroniTimings } from '../../test/support/patroni-cluster.js';
import { TestPostgres } from '../../test/support/postgres-cluster.js';
import { processTree } from '../../test/support/process-tree.js';
import { pgOnce } from './pg-parts.js';
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
 * Patroni (Debian's `patroni`, etcd v3 API on the benchmark's own etcd): three nodes, each a Patroni daemon
 * running as the `postgres` account with its own PostgreSQL 15 cluster on free ports; ttl = the detection
 * time, loop_wait 1 s, retry_timeout 2 s, pg_rewind on (see PatroniCluster). Clients ask each node's REST API
 * for `/primary` (what HAProxy's health check does) after an error.
 */
export function patroni(detectionMs: number, etcd: TestEtcd): PgSystemUnderTest {
  let cluster: PatroniCluster | undefined;
  const t = patroniTimings(detectionMs);
  return {
    name: `Patroni 3.0 + etcd (ttl ${t.ttl} s, loop_wait ${t.loop_wait} s, retry_timeout ${t.retry_timeout} s)`,
    async start() {
      cluster = await PatroniCluster.start(etcd, { detectionMs });
      return cluster.nodes.map((n) => ({ port: n.pgPort, processes: () => n.processes() }));
    },
    resolve: async () => cluster?.leaderPort(),
    async stop() {
      await cluster?.stop();
    },
  };
}
