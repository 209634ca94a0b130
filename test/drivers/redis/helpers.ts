import { Redis } from 'ioredis';
import { TestRedisServer } from '../../support/redis-server.js';
import { waitUntil } from '../process/helpers.js';

/** A short-lived client with tight timeouts, for tests that probe servers which may be down or paused. */
export function probeClient(port: number, timeoutMs = 300): Redis {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

/** Runs one command on a fresh connection; undefined when it fails or times out. */
export async function once<T>(port: number, run: (client: Redis) => Promise<T>, timeoutMs = 300): Promise<T | undefined> {
  const client = probeClient(port, timeoutMs);
  try {
    await client.connect();
    return await run(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** True when the server takes a write now (a replica says READONLY, a fenced one NOREPLICAS or waits). */
export async function acceptsWrite(port: number, timeoutMs = 300): Promise<boolean> {
  return (await once(port, (c) => c.set('probe:writable', String(port)), timeoutMs)) === 'OK';
}

/** A primary and `replicas` replicas, each a redis-server of the test's own, replication up. */
export async function replicatedRedis(replicas: number): Promise<TestRedisServer[]> {
  const servers = [await TestRedisServer.start()];
  for (let i = 0; i < replicas; i++) servers.push(await TestRedisServer.start());
  const primary = servers[0] as TestRedisServer;
  // Redis 7 waits 5 s before a diskless initial sync, in case more replicas come: not worth it here
  await once(primary.port, (c) => c.config('SET', 'repl-diskless-sync-delay', '0'));
  for (const replica of servers.slice(1)) await once(replica.port, (c) => c.replicaof('127.0.0.1', primary.port), 2_000);
  await waitUntil(async () => {
    const info = (await once(primary.port, (c) => c.info('replication'))) ?? '';
    return (info.match(/state=online/g) ?? []).length === replicas;
  }, 10_000, 'replicas online');
  return servers;
}

/** A `redis` child line of a blueprint. */
export function redisChild(id: string, port: number, extra = ''): string {
  return `        - { id: ${id}, type: redis, config: { port: ${port}, every: 100ms, timeout: 300ms${extra} } }\n`;
}

/**
 * Probes every server every `everyMs` and records how many take a write, so a test can assert "at most one
 * writable primary at every probe" on a real run. `stop()` returns the counts with their times; `count(since)`
 * says how many probes ended since a time (performance.now()), for a test that waits for some.
 */
export function probeWritable(ports: () => number[], everyMs = 100): { stop: () => Promise<Array<{ at: number; writable: number[] }>>; count: (since?: number) => number } {
  const samples: Array<{ at: number; writable: number[] }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const list = ports();
      // a generous timeout: a slow answer under load is not a refusal (the next probe just starts later)
      const results = await Promise.all(list.map((p) => acceptsWrite(p, Math.max(250, everyMs))));
      samples.push({ at: started, writable: list.filter((_p, i) => results[i]) });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (performance.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
    count: (since = -Infinity) => samples.filter((sample) => sample.at >= since).length,
  };
}
