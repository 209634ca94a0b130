import pg from 'pg';
import { TestPostgres } from '../../support/postgres-cluster.js';
import { waitUntil } from '../process/helpers.js';

/** Runs `sql` on a fresh connection to 127.0.0.1:`port`; undefined when it fails or times out. */
export async function query<T extends Record<string, unknown>>(port: number, sql: string, timeoutMs = 1_000): Promise<T[] | undefined> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<T>(sql)).rows;
  } catch {
    return undefined;
  } finally {
    void client.end().catch(() => undefined);
  }
}

/** True when the server takes a write now (a standby or a read-only or stopped server does not). */
export async function acceptsWrite(port: number, timeoutMs = 300): Promise<boolean> {
  return (await query(port, 'INSERT INTO probe VALUES (now())', timeoutMs)) !== undefined;
}

/** A primary with `standbys` streaming standbys, replication up, a table `t` to write to and `probe` for write probes. */
export async function replicatedPostgres(standbys: number): Promise<TestPostgres[]> {
  const primary = await TestPostgres.primary();
  await query(primary.port, 'CREATE TABLE t (n int primary key); CREATE TABLE probe (at timestamptz)');
  const servers = [primary];
  for (let i = 0; i < standbys; i++) servers.push(await TestPostgres.standby(primary));
  await waitUntil(async () => (await query<{ n: number }>(primary.port, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'"))?.[0]?.n === standbys, 15_000, 'standbys streaming');
  return servers;
}

/** A `postgres` child line of a blueprint. */
export function pgChild(id: string, server: TestPostgres, extra = ''): string {
  return `        - { id: ${id}, type: postgres, config: { port: ${server.port}, dataDir: ${JSON.stringify(server.dataDir)}, every: 100ms, timeout: 500ms${extra} } }\n`;
}

/**
 * Tries a write on every server every `everyMs` and records which took it, with the time, so a test can sum
 * the time two servers took writes on a real run. `stop()` returns the samples.
 */
export function probeWritable(ports: readonly number[], everyMs = 100): { stop: () => Promise<Array<{ at: number; writable: number[] }>> } {
  const samples: Array<{ at: number; writable: number[] }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      // a generous timeout: a loaded machine can take 200 ms to fork a backend, which is not a refusal
      const results = await Promise.all(ports.map((port) => acceptsWrite(port, Math.max(250, everyMs))));
      samples.push({ at: started, writable: ports.filter((_p, i) => results[i]) });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (performance.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Milliseconds during which two or more servers took the probe's writes (each such sample counts until the next). */
export function twoWritableMs(samples: ReadonlyArray<{ at: number; writable: number[] }>, everyMs: number): number {
  return samples.reduce((sum, s, i) => sum + (s.writable.length > 1 ? (samples[i + 1]?.at ?? s.at + everyMs) - s.at : 0), 0);
}
