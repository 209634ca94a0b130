// Knowledge writes of a deposed leader, against a real redis-server of the test's own and a TCP proxy of the
// test's own that cuts one instance's link to it: a write the old leader buffered during the cut must never
// land on top of what the new leader wrote once the link comes back (whole tree and shards), and a leader
// that keeps its lease through a short cut writes everything. Leases are real time on purpose (they are about
// other processes); the write queue retries on a virtual clock the test advances; every wait polls a condition
// with a bound.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HaCoordinator } from '../../src/cluster/ha-coordinator.js';
import { RedisLease } from '../../src/cluster/lease.js';
import { ShardCoordinator } from '../../src/cluster/shard-coordinator.js';
import type { AuditEntry } from '../../src/knowledge/audit-entry.js';
import type { Decision } from '../../src/knowledge/decision.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TestRedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

let server: TestRedisServer;
let proxy: TcpProxy;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await TestRedisServer.start();
  proxy = await TcpProxy.start(server.port);
}, 20_000);

afterEach(async () => {
  proxy.release();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  await proxy.close();
  await server.dispose();
});

const LEASE_MS = 1_000;

/** One instance's knowledge on Redis, straight or through the proxy, with its write errors kept. */
async function knowledgeOn(url: string, namespace: string): Promise<{ knowledge: Knowledge; store: RedisStore; clock: VirtualClock; errors: Error[] }> {
  const store = new RedisStore({ url, namespace, commandTimeoutMs: 500, connectTimeoutMs: 1_000 });
  await store.connect();
  const clock = new VirtualClock();
  const knowledge = new Knowledge(store, clock, { retryDelayMs: 100 });
  const errors: Error[] = [];
  knowledge.errors$.subscribe((e) => errors.push(e));
  cleanups.push(() => store.close());
  return { knowledge, store, clock, errors };
}

async function haInstance(url: string, namespace: string, owner: string): Promise<{ knowledge: Knowledge; store: RedisStore; clock: VirtualClock; errors: Error[]; ha: HaCoordinator }> {
  const made = await knowledgeOn(url, namespace);
  const lease = new RedisLease(made.store.redis, { name: 'root', owner, namespace, ttlMs: LEASE_MS });
  const ha = new HaCoordinator(lease, made.knowledge, () => undefined, () => undefined, owner);
  ha.start();
  cleanups.push(() => ha.stop());
  return { ...made, ha };
}

/** Advances the write queue's clock until every write it buffered reached the store or was dropped. */
async function drained(what: string, instance: { knowledge: Knowledge; clock: VirtualClock }): Promise<void> {
  await until(`${what}: every buffered write written or dropped`, 10_000, async () => {
    await instance.clock.advanceBy(1_000);
    return instance.knowledge.pending === 0 ? true : undefined;
  });
}

function decision(id: string, entity: string): Decision {
  return {
    id, at: 0, entity, policy: `${entity}/restarter`, policyName: 'restarter', symptom: { kind: 'down' }, actions: [], reason: 'down', inputs: [],
    outcome: 'applied', durations: { analyzeMs: 0, planMs: 0, executeMs: 0 },
  };
}

function audit(seq: number): AuditEntry {
  return { seq, at: seq, who: { kind: 'person', name: 'ops' }, action: 'suspend', target: 'web/restarter', entity: 'web', path: '/app/web', result: 'ok' };
}

describe('knowledge writes under a lease', () => {
  it("a deposed leader's write buffered during a cut never overwrites the new leader's once the link is back", async () => {
    const ns = 'fence-ha';
    const old = await haInstance(`redis://127.0.0.1:${proxy.port}`, ns, 'old');
    await until('the first instance leading', 10_000, async () => old.ha.actingToken());
    const fresh = await haInstance(server.url, ns, 'new');
    old.knowledge.policyState('web/restarter').set('restarts', 0);
    await old.knowledge.flush();

    proxy.hold();
    expect(old.ha.actingToken()).toBeDefined(); // still inside its lease: it writes as the leader
    old.knowledge.policyState('web/restarter').set('restarts', 1);
    old.knowledge.recordDecision(decision('stale-restart', 'web'));
    old.knowledge.recordAudit(audit(1)); // what its API took: exempt, written whoever leads
    await until('the second instance leading', 10_000, async () => fresh.ha.actingToken());
    expect(fresh.knowledge.policyState('web/restarter').get('restarts')).toBe(0);
    fresh.knowledge.policyState('web/restarter').set('restarts', 3);
    await fresh.knowledge.flush();

    proxy.release();
    await drained('the deposed leader', old);
    const state = new RedisStore({ url: server.url, namespace: ns });
    cleanups.push(() => state.close());
    expect((await state.loadPolicyStates()).get('web/restarter')?.get('restarts')).toBe(3);
    expect(await state.getDecision('stale-restart')).toBeUndefined();
    expect((await state.queryAudit({})).map((e) => e.seq)).toEqual([1]);
    // dropped for good: counted, said once with what and why, and never written later
    expect(old.knowledge.dropped).toBe(2);
    const fenced = old.errors.filter((e) => /E_WRITE_FENCED/.test(`${(e as { code?: string }).code}`));
    expect(fenced).toHaveLength(1);
    expect(fenced[0]?.message).toMatch(/2 writes made under lease root .*token \d+.*state web\/restarter\.restarts.*decision stale-restart/);
    expect(fenced[0]?.message).toMatch(/now held by new/);
    await old.clock.advanceBy(60_000);
    expect((await state.loadPolicyStates()).get('web/restarter')?.get('restarts')).toBe(3);
  }, 30_000);

  it('a leader that keeps its lease through a short cut writes everything it buffered', async () => {
    const ns = 'fence-kept';
    const leader = await haInstance(`redis://127.0.0.1:${proxy.port}`, ns, 'leader');
    const token = await until('the instance leading', 10_000, async () => leader.ha.actingToken());
    const standby = await haInstance(server.url, ns, 'standby');
    proxy.hold();
    leader.knowledge.policyState('web/restarter').set('restarts', 1);
    leader.knowledge.policyState('web/restarter').set('stamp', 5);
    leader.knowledge.policyState('web/restarter').set('stamp', undefined);
    leader.knowledge.recordDecision(decision('kept', 'web'));
    leader.knowledge.recordSnapshot({ entity: 'web', sensor: 'cpu', value: 0.5, at: 1 });
    await new Promise((resolve) => setTimeout(resolve, 150)); // well inside the lease (1 s, renewed every 250 ms)
    proxy.release();
    await drained('the leader', leader);
    expect(leader.ha.actingToken()).toBe(token);
    expect(standby.ha.actingToken()).toBeUndefined();
    expect(leader.knowledge.dropped).toBe(0);
    const state = new RedisStore({ url: server.url, namespace: ns });
    cleanups.push(() => state.close());
    expect(Object.fromEntries((await state.loadPolicyStates()).get('web/restarter') ?? [])).toEqual({ restarts: 1 });
    expect(await state.getDecision('kept')).toBeDefined();
    expect(await state.loadSnapshots()).toEqual([{ entity: 'web', sensor: 'cpu', value: 0.5, at: 1 }]);
    // a clean stop writes what it buffered before it gives the lease up, and nothing after
    leader.knowledge.policyState('web/restarter').set('restarts', 2);
    await leader.ha.stop();
    leader.knowledge.policyState('web/restarter').set('restarts', 9);
    await drained('the stopped leader', leader);
    expect((await state.loadPolicyStates()).get('web/restarter')?.get('restarts')).toBe(2);
    expect(leader.knowledge.dropped).toBe(0);
  }, 30_000);

  it("with shards, a deposed holder's buffered write in a shard never overwrites its new holder's", async () => {
    const ns = 'fence-shards';
    const shardOf = (entity: string): string | undefined => (entity === 'app' || entity === 'b' ? entity : undefined);
    const shards = async (url: string, owner: string): Promise<{ knowledge: Knowledge; clock: VirtualClock; errors: Error[]; coordinator: ShardCoordinator }> => {
      const made = await knowledgeOn(url, ns);
      const coordinator = new ShardCoordinator(made.store.redis, made.knowledge, { shards: ['app', 'b'], shardOf, owner, namespace: ns, ttlMs: LEASE_MS });
      coordinator.start();
      cleanups.push(() => coordinator.stop());
      return { ...made, coordinator };
    };
    const old = await shards(`redis://127.0.0.1:${proxy.port}`, 'old');
    await until('the first instance acting for both shards', 10_000, async () => (old.coordinator.held().length === 2 ? true : undefined));
    const fresh = await shards(server.url, 'new');
    await until('the shards shared out', 10_000, async () => (old.coordinator.held().length === 1 && fresh.coordinator.held().length === 1 ? true : undefined));
    const [mine] = old.coordinator.held();
    expect(mine).toBeDefined();
    const policy = `${mine}/restarter`;
    old.knowledge.policyState(policy).set('restarts', 0);
    await old.knowledge.flush();

    proxy.hold();
    expect(old.coordinator.actingToken(mine as string)).toBeDefined();
    old.knowledge.policyState(policy).set('restarts', 1);
    await until(`the second instance acting for shard ${mine}`, 15_000, async () => fresh.coordinator.actingToken(mine as string));
    expect(fresh.knowledge.policyState(policy).get('restarts')).toBe(0);
    fresh.knowledge.policyState(policy).set('restarts', 3);
    await fresh.knowledge.flush();

    proxy.release();
    await drained('the deposed holder', old);
    const state = new RedisStore({ url: server.url, namespace: ns });
    cleanups.push(() => state.close());
    expect((await state.loadPolicyStates()).get(policy)?.get('restarts')).toBe(3);
    expect(old.knowledge.dropped).toBe(1);
    expect(old.errors.map((e) => e.message).join('\n')).toMatch(new RegExp(`1 write made under lease ${mine} .*state ${policy}\\.restarts`));
  }, 40_000);
});
