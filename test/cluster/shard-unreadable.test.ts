// A shard whose knowledge cannot be read once its lease is taken, and shard lease keys in a shape homeostat
// never writes, against a real redis-server of the test's own: the instance says so (`notReady`, naming the
// shard and the reason, and a few error lines, not one per tick), reads again with backoff and gives the
// shard's lease up so that another instance acts in it; never two instances acting in one shard at once.
// Real time on purpose (leases are timed on the process's monotonic clock and Redis' expiry); every wait
// polls a condition with a bound.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShardCoordinator, type ShardOptions } from '../../src/cluster/shard-coordinator.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { openRedis } from '../../src/knowledge/redis/redis-connection.js';
import type { Json } from '../../src/knowledge/store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/until.js';

const SHARDS = ['app', 'b'];
const TTL = 1_000;
let server: TestRedisServer;
let admin: Redis;
let namespaces = 0;
const clients: Redis[] = [];
const coordinators: ShardCoordinator[] = [];

beforeAll(async () => {
  server = await TestRedisServer.start();
  admin = openRedis({ url: server.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  await admin.connect();
}, 20_000);

afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop().catch(() => undefined)));
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  admin.disconnect();
  await server.dispose();
});

/** A memory store whose policy state cannot be read (Redis timing out on this instance's link). */
class UnreadableStore extends MemoryStore {
  reads = 0;
  override async loadPolicyStates(): Promise<Map<string, Map<string, Json>>> {
    this.reads += 1;
    throw new Error('Command timed out');
  }
}

/** What a coordinator told its log through its callbacks. */
interface Told {
  readonly failed: { shard: string; reason: string }[];
  readonly leaseProblems: { shard: string; problem: string | undefined }[];
}

async function coordinator(owner: string, namespace: string, store: MemoryStore): Promise<{ coordinator: ShardCoordinator; told: Told }> {
  const redis = openRedis({ url: server.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  await redis.connect();
  clients.push(redis);
  const told: Told = { failed: [], leaseProblems: [] };
  const options: ShardOptions = {
    shards: SHARDS,
    shardOf: (entity) => (SHARDS.includes(entity) ? entity : undefined),
    owner,
    namespace,
    ttlMs: TTL,
    onCannotAct: (shard, reason) => told.failed.push({ shard, reason }),
    onLeaseProblem: (shard, problem) => told.leaseProblems.push({ shard, problem }),
  };
  const made = new ShardCoordinator(redis, new Knowledge(store, new VirtualClock()), options);
  coordinators.push(made);
  return { coordinator: made, told };
}

describe('ShardCoordinator: a shard it cannot act in', () => {
  it('names the shard and why in notReady, logs a few lines, gives the lease up, and another instance acts; never two at once', async () => {
    const namespace = `unreadable${++namespaces}`;
    const store = new UnreadableStore();
    const broken = await coordinator('broken', namespace, store);
    broken.coordinator.start();
    // alone, it takes both shards and can act in neither
    const reason = await until('the broken instance not ready for both shards', 10_000, async () => {
      const why = broken.coordinator.notReady();
      return why !== undefined && SHARDS.every((s) => why.includes(`shard ${s}:`)) ? why : undefined;
    });
    expect(reason).toMatch(/shard app: took its lease \(fencing token \d+\) but could not read knowledge, so it does not act in it: Command timed out/);
    const gaveUp = (shard: string): boolean => /gave its lease up/.test(broken.coordinator.notReady()?.match(new RegExp(`shard ${shard}: [^;]*`))?.[0] ?? '');
    await until('the broken instance giving both shards up', 10_000, async () => (SHARDS.every(gaveUp) ? true : undefined));
    expect(broken.coordinator.held()).toEqual([]);

    // a second instance, whose knowledge reads fine, joins: it acts in both (the broken one no longer counts)
    const healthy = await coordinator('healthy', namespace, new MemoryStore());
    let both = 0;
    const watch = setInterval(() => {
      for (const shard of SHARDS) if (broken.coordinator.actingToken(shard) !== undefined && healthy.coordinator.actingToken(shard) !== undefined) both += 1;
    }, 2);
    let readsMeanwhile = 0;
    try {
      healthy.coordinator.start();
      await until('the healthy instance acting in both shards', 20_000, async () => (healthy.coordinator.held().length === SHARDS.length ? true : undefined));
      // it used to read again at every renewal tick (4 a second for each shard) for as long as it held them
      const before = store.reads;
      await new Promise((resolve) => setTimeout(resolve, 3 * TTL));
      readsMeanwhile = store.reads - before;
    } finally {
      clearInterval(watch);
    }
    expect(both).toBe(0);
    expect(healthy.coordinator.held().sort()).toEqual([...SHARDS].sort());
    expect(healthy.coordinator.notReady()).toBeUndefined();
    expect(broken.coordinator.held()).toEqual([]);
    expect(readsMeanwhile).toBeLessThanOrEqual(3);
    // still not ready (the cause may be its own) until a read works
    expect(broken.coordinator.notReady()).toMatch(/shard app: .*could not read knowledge/);
    // per shard: one line as the reads start failing, one as it gives the lease up (and again per new take)
    for (const shard of SHARDS) {
      const lines = broken.told.failed.filter((f) => f.shard === shard);
      expect(lines.length, `lines about shard ${shard}`).toBeGreaterThanOrEqual(2);
      expect(lines.length, `lines about shard ${shard}`).toBeLessThanOrEqual(6);
      expect(lines[1]?.reason).toMatch(/^gave the lease up after 4 failed reads of knowledge \(last: Command timed out\); not asking for it for 2000 ms/);
    }
  }, 60_000);

  it('names a malformed shard lease key in notReady and in its log, once, until it heals', async () => {
    const namespace = `malformed${++namespaces}`;
    const key = `homeostat:{${namespace}}:lease:b`;
    await admin.set(key, 'garbage');
    const one = await coordinator('one', namespace, new MemoryStore());
    one.coordinator.start();
    const reason = await until('the malformed key named', 10_000, async () => one.coordinator.notReady());
    // as found (no expiry: given one lease time), then as it runs out: either may be the one seen first
    expect(reason).toContain(`shard b: the lease in Redis is malformed: ${key} holds "garbage", which is not <owner>|<token>`);
    expect(one.told.leaseProblems[0]).toEqual({ shard: 'b', problem: expect.stringContaining(`${key} holds "garbage"`) });
    // healed: the key runs out after one lease time, and is taken like any lease
    await until('shard b taken', 10_000, async () => (one.coordinator.held().includes('b') ? true : undefined));
    expect(one.coordinator.notReady()).toBeUndefined();
    // once as found (no expiry: given one), once as it runs out (the value still names no holder), once healed
    expect(one.told.leaseProblems.at(-1)).toEqual({ shard: 'b', problem: undefined });
    expect(one.told.leaseProblems.length).toBeLessThanOrEqual(3);
  }, 30_000);
});
