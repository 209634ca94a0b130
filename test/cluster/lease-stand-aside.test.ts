// A holder that cannot act on its lease gives it up and stands aside for a while, so that another instance
// takes it. Against a real redis-server of the test's own; real time (the lease is timed on the process's
// monotonic clock and Redis' expiry), every wait bounded and polling for a condition.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisLease } from '../../src/cluster/lease.js';
import { openRedis } from '../../src/knowledge/redis/redis-connection.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;
const clients: Redis[] = [];
const leases: RedisLease[] = [];

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterEach(async () => {
  await Promise.all(leases.splice(0).map((lease) => lease.stop().catch(() => undefined)));
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  await server.dispose();
});

async function lease(owner: string): Promise<RedisLease> {
  const client = openRedis({ url: server.url, commandTimeoutMs: 500, connectTimeoutMs: 1_000 });
  await client.connect();
  clients.push(client);
  const made = new RedisLease(client, { name: 'root', owner, namespace: 'aside', ttlMs: 600 });
  leases.push(made);
  return made;
}

async function until(what: string, timeoutMs: number, condition: () => boolean): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

describe('RedisLease.standAside', () => {
  it('gives the lease up at once, and does not ask for it again until the time is up', async () => {
    const a = await lease('a');
    const b = await lease('b');
    a.start();
    await until('a leads', 3_000, () => a.actingToken() !== undefined);
    b.start();
    await until('b sees a hold it', 3_000, () => b.holder === 'a');
    const asideAt = performance.now();
    await a.standAside(2_000, 'cannot read knowledge');
    expect(a.actingToken()).toBeUndefined();
    expect(a.current).toEqual({ role: 'follower', reason: 'cannot read knowledge' });
    await until('b leads', 3_000, () => b.actingToken() !== undefined);
    // b gives it up: a, standing aside, does not take it before its time is up, then does
    await b.stop();
    await until('a leads again', 5_000, () => a.actingToken() !== undefined);
    expect(performance.now() - asideAt).toBeGreaterThanOrEqual(2_000);
  }, 20_000);
});
