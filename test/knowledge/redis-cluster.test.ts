// The Redis store and the lease on a real Redis Cluster of the test's own (3 primaries on free ports joined
// by redis-cli --cluster create): the same store contract as a single Redis, and lease takes, hand-overs and
// tokens. Every transaction and script touches keys of one hash tag, so one slot: a key outside it would
// fail with CROSSSLOT here. Namespaces land on different nodes, so routing is exercised too.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseKey, RedisLease } from '../../src/cluster/lease.js';
import { isCluster, openRedis } from '../../src/knowledge/redis/redis-connection.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { TestRedisCluster } from '../support/redis-cluster.js';
import { CONTRACT_MAX_AUDIT, CONTRACT_MAX_DECISIONS, decision, describeStoreContract } from './store-contract.js';

let cluster: TestRedisCluster;
let namespaces = 0;

beforeAll(async () => {
  cluster = await TestRedisCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.dispose();
});

async function freshStore(): Promise<RedisStore> {
  const store = new RedisStore({ url: cluster.url, namespace: `c${++namespaces}`, maxDecisions: CONTRACT_MAX_DECISIONS, maxAuditEntries: CONTRACT_MAX_AUDIT });
  await store.connect();
  return store;
}

async function until(what: string, timeoutMs: number, condition: () => boolean): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeStoreContract('RedisStore on Redis Cluster', () => freshStore());

describe('Redis Cluster', () => {
  it('spreads deployments over the nodes and clears one without touching another', async () => {
    const stores = await Promise.all(Array.from({ length: 8 }, () => freshStore()));
    expect(isCluster(stores[0]?.redis as Redis)).toBe(true);
    for (const [i, store] of stores.entries()) await store.write([{ kind: 'decision', value: decision(i + 1) }, { kind: 'state', policy: 'p', key: 'k', value: i }]);
    const used = [...cluster.keysPerNode().values()].filter((n) => n > 0);
    expect(used.length).toBeGreaterThanOrEqual(2);
    await stores[0]?.clear();
    expect(await stores[0]?.queryDecisions({})).toEqual([]);
    expect((await stores[1]?.queryDecisions({}))?.map((d) => d.id)).toEqual(['d2']);
    await Promise.all(stores.map((s) => s.close()));
  }, 20_000);

  it('fenced writes check their lease in the slot of their namespace: held ones applied, others refused', async () => {
    const store = await freshStore();
    await store.redis.set(leaseKey(store.keys.namespace, 'root'), 'me|4');
    const held = { lease: 'root', owner: 'me', token: 4 };
    const lost = { lease: 'root', owner: 'me', token: 3 };
    const result = await store.write([
      { kind: 'decision', value: decision(1), fence: held },
      { kind: 'state', policy: 'web/p', key: 'k', value: 1, fence: held },
      { kind: 'snapshot', value: { entity: 'web', sensor: 'cpu', value: 1, at: 1 }, fence: held },
      { kind: 'decision', value: decision(2), fence: lost },
      { kind: 'state', policy: 'web/p', key: 'k', value: 2, fence: lost },
    ]);
    expect(result.refused.map((r) => [r.fence.token, r.ops.length])).toEqual([[3, 2]]);
    expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['d1']);
    expect((await store.loadPolicyStates()).get('web/p')?.get('k')).toBe(1);
    await store.close();
  });

  it('leases: one holder at a time, hand-over on release, growing tokens; replica acks refused with a clear error', async () => {
    const clients = [openRedis({ url: cluster.url, commandTimeoutMs: 300 }), openRedis({ url: cluster.url, commandTimeoutMs: 300 })];
    await Promise.all(clients.map((c) => c.connect()));
    const ns = `lease${++namespaces}`;
    const [a, b] = clients.map((c, i) => new RedisLease(c, { name: 'root', owner: `o${i}`, namespace: ns, ttlMs: 600 })) as [RedisLease, RedisLease];
    try {
      a.start();
      await until('a leads', 3_000, () => a.actingToken() !== undefined);
      b.start();
      await until('b sees a as holder', 3_000, () => b.holder === 'o0');
      expect(b.actingToken()).toBeUndefined();
      const first = a.actingToken() as number;
      await a.stop();
      await until('b leads', 3_000, () => b.actingToken() !== undefined);
      expect(b.actingToken()).toBeGreaterThan(first);
      expect(() => new RedisLease(clients[0] as Redis, { name: 'root', owner: 'x', namespace: ns, minReplicaAcks: 1 })).toThrow(/not available on Redis Cluster/);
    } finally {
      await b.stop();
      for (const c of clients) c.disconnect();
    }
  }, 20_000);
});
