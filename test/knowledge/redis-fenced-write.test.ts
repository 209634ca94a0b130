// Writes made under a lease, against a real redis-server of the test's own (free port; never the shared one):
// each is applied only while its lease key still names its writer and token, checked in the same script as
// the write; the others of the batch are applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseKey } from '../../src/cluster/lease.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import type { WriteFence, WriteOp } from '../../src/knowledge/store.js';
import { TestRedisServer } from '../support/redis-server.js';
import { auditEntry, decision, fault, invocation } from './store-contract.js';

let server: TestRedisServer;
let namespaces = 0;
const stores: RedisStore[] = [];

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  for (const store of stores) await store.close();
  await server.dispose();
});

async function freshStore(): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, namespace: `fenced${++namespaces}` });
  await store.connect();
  stores.push(store);
  return store;
}

/** Every kind of write the loop makes, under `fence`, for entity `entity` (ids and keys prefixed by `p`). */
function writes(p: string, entity: string, fence: WriteFence | undefined): WriteOp[] {
  const under = fence ? { fence } : {};
  return [
    { kind: 'decision', value: decision(1, { id: `${p}-d`, entity, policy: `${entity}/restarter` }), ...under },
    { kind: 'invocation', value: { ...invocation(1), id: `${p}-i`, entity }, ...under },
    { kind: 'fault', value: { ...fault(1), policy: `${entity}/restarter`, entity, message: `${p} boom` }, ...under },
    { kind: 'state', policy: `${entity}/restarter`, key: 'restarts', value: 3, ...under },
    { kind: 'state', policy: `${entity}/restarter`, key: 'stamp', value: undefined, ...under },
    { kind: 'snapshot', value: { entity, sensor: 'cpu', value: 0.5, at: 1 }, ...under },
  ];
}

describe('RedisStore writes under a lease', () => {
  it('applies the writes of a lease still held as written, refuses those of one that moved, in one batch', async () => {
    const store = await freshStore();
    const ns = store.keys.namespace;
    await store.redis.set(leaseKey(ns, 'a'), 'me|7');
    await store.redis.set(leaseKey(ns, 'b'), 'other|9');
    // a stamp the refused delete must not remove
    await store.write([{ kind: 'state', policy: 'b/restarter', key: 'stamp', value: 1 }]);
    const held = writes('held', 'a', { lease: 'a', owner: 'me', token: 7 });
    const moved = writes('moved', 'b', { lease: 'b', owner: 'me', token: 8 });
    const audit = { kind: 'audit' as const, value: auditEntry(1), fence: { lease: 'b', owner: 'me', token: 8 } };
    const plain = writes('plain', 'c', undefined);
    const result = await store.write([...held, moved[0] as WriteOp, audit, ...moved.slice(1), ...plain]);

    expect(result.refused).toEqual([{ fence: { lease: 'b', owner: 'me', token: 8 }, ops: moved, holder: { owner: 'other', token: 9 } }]);
    expect((await store.queryDecisions({})).map((d) => d.id).sort()).toEqual(['held-d', 'plain-d']);
    expect((await store.queryInvocations({})).map((r) => r.id).sort()).toEqual(['held-i', 'plain-i']);
    expect((await store.queryFaults({})).map((f) => f.message).sort()).toEqual(['held boom', 'plain boom']);
    expect((await store.queryAudit({})).map((e) => e.seq)).toEqual([1]); // the API's record: never fenced
    const states = await store.loadPolicyStates();
    expect(Object.fromEntries(states.get('a/restarter') ?? [])).toEqual({ restarts: 3 });
    expect(Object.fromEntries(states.get('b/restarter') ?? [])).toEqual({ stamp: 1 });
    expect(Object.fromEntries(states.get('c/restarter') ?? [])).toEqual({ restarts: 3 });
    expect((await store.loadSnapshots()).map((s) => s.entity).sort()).toEqual(['a', 'c']);
  });

  it('refuses writes under a lease nobody holds (it expired, or Redis restarted empty), naming no holder', async () => {
    const store = await freshStore();
    const fence = { lease: 'root', owner: 'me', token: 3 };
    const ops = writes('gone', 'web', fence);
    expect((await store.write(ops)).refused).toEqual([{ fence, ops }]);
    expect(await store.queryDecisions({})).toEqual([]);
    expect(await store.loadPolicyStates()).toEqual(new Map());
  });

  it('refuses the writes of an earlier token of the same holder: a lease taken again is a new one', async () => {
    const store = await freshStore();
    await store.redis.set(leaseKey(store.keys.namespace, 'root'), 'me|12');
    const old = writes('old', 'web', { lease: 'root', owner: 'me', token: 11 });
    const current = writes('new', 'db', { lease: 'root', owner: 'me', token: 12 });
    const result = await store.write([...old, ...current]);
    expect(result.refused.map((r) => [r.fence.token, r.ops.length, r.holder])).toEqual([[11, old.length, { owner: 'me', token: 12 }]]);
    expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['new-d']);
  });

  it('checks a long run of writes under one lease in parts, each applied or refused whole with the lease', async () => {
    const store = await freshStore();
    const key = leaseKey(store.keys.namespace, 'root');
    await store.redis.set(key, 'me|1');
    const fence = { lease: 'root', owner: 'me', token: 1 };
    const many = (p: string): WriteOp[] => Array.from({ length: 2_500 }, (_, i) => ({ kind: 'decision', value: decision(i, { id: `${p}${i}` }), fence }) as const);
    expect((await store.write(many('a'))).refused).toEqual([]);
    expect(await store.queryDecisions({ limit: 10_000 })).toHaveLength(2_500);
    await store.redis.set(key, 'other|2');
    const refused = await store.write(many('b'));
    expect(refused.refused.map((r) => [r.ops.length, r.holder])).toEqual([[2_500, { owner: 'other', token: 2 }]]);
    expect(await store.queryDecisions({ limit: 10_000 })).toHaveLength(2_500);
  });
});
