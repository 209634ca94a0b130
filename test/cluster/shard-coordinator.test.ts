// The shard coordinator's writes to knowledge, against a real redis-server of the test's own: an instance
// writes what it decides in every shard it acts for, whatever order its leases change in while it reads a
// newly taken shard's state. Real time on purpose (leases are); every wait polls a condition with a bound.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShardCoordinator } from '../../src/cluster/shard-coordinator.js';
import type { Decision } from '../../src/knowledge/decision.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { openRedis } from '../../src/knowledge/redis/redis-connection.js';
import type { Json } from '../../src/knowledge/store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/until.js';

let server: TestRedisServer;
const clients: Redis[] = [];
const coordinators: ShardCoordinator[] = [];

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop().catch(() => undefined)));
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  await server.dispose();
});

/** A memory store whose policy state is read only once the test opens the gate (a slow Redis). */
class GatedStore extends MemoryStore {
  /** Reads begun (each waits for the gate). */
  reads = 0;
  private open: (() => void) | undefined;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  override async loadPolicyStates(): Promise<Map<string, Map<string, Json>>> {
    this.reads += 1;
    await this.opened;
    return super.loadPolicyStates();
  }

  release(): void {
    this.open?.();
  }
}

async function client(): Promise<Redis> {
  const made = openRedis({ url: server.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  await made.connect();
  clients.push(made);
  return made;
}

function coordinator(redis: Redis, knowledge: Knowledge, owner: string, namespace: string): ShardCoordinator {
  const made = new ShardCoordinator(redis, knowledge, { shards: ['app', 'b'], shardOf: (entity) => (entity === 'app' || entity === 'b' ? entity : undefined), owner, namespace });
  coordinators.push(made);
  return made;
}

function decision(id: string, entity: string): Decision {
  return {
    id, at: 0, entity, policy: `${entity}/ticker`, policyName: 'ticker', symptom: { kind: 'tick' }, actions: [], reason: 'tick', inputs: [],
    outcome: 'applied', durations: { analyzeMs: 0, planMs: 0, executeMs: 0 },
  };
}

describe('ShardCoordinator', () => {
  it('writes the decisions of a shard it took while it gave another up during the read of its state', async () => {
    const namespace = 'writable';
    // alone, this instance takes both shards; the reads of their state wait
    const store = new GatedStore();
    const knowledge = new Knowledge(store, new VirtualClock());
    const mine = coordinator(await client(), knowledge, 'mine', namespace);
    mine.start();
    await until('this instance reading the state of both shards it took', 10_000, async () => (store.reads >= 2 ? true : undefined));
    // another instance joins: this one gives shard b up at its share (one) while the read of app still waits
    const other = coordinator(await client(), new Knowledge(new MemoryStore(), new VirtualClock()), 'other', namespace);
    other.start();
    await until('the other instance acting for shard b', 10_000, async () => (other.held().includes('b') ? true : undefined));
    expect(mine.held()).toEqual([]);

    store.release();
    await until('this instance acting for shard app', 10_000, async () => (mine.held().includes('app') ? true : undefined));
    expect(mine.held()).toEqual(['app']);
    knowledge.recordDecision(decision('d1', 'app'));
    await knowledge.flush();
    expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['d1']);
    expect(knowledge.isWritable).toBe(true);
  }, 40_000);
});
