// Policy state damaged in Redis from outside (a field that is not JSON, a key of another type, a field far
// too large): loading skips and names what it cannot read, leaves it as stored, and loads every other
// policy. Against a real redis-server of the test's own (free port; never the shared one on 6379).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Knowledge, VirtualClock } from '../../src/index.js';
import { MAX_STATE_FIELD_BYTES } from '../../src/knowledge/redis/redis-state-read.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import type { UnreadableState } from '../../src/knowledge/store.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;
let namespaces = 0;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

/** A store of a fresh namespace holding the state of three policies: web/autoscaler, web/guard and db/restarter. */
async function storeWithState(): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, namespace: `damage${++namespaces}` });
  await store.connect();
  await store.write([
    { kind: 'state', policy: 'web/autoscaler', key: 'engine.cooldownUntil', value: 120_000 },
    { kind: 'state', policy: 'web/autoscaler', key: 'recommendations', value: [3, 4] },
    { kind: 'state', policy: 'web/guard', key: 'count', value: 2 },
    { kind: 'state', policy: 'db/restarter', key: 'restarts', value: 5 },
  ]);
  return store;
}

describe('RedisStore: damaged policy state', () => {
  it('skips a field that is not JSON, a key that is not a hash and a field past the size bound; loads the rest', async () => {
    const store = await storeWithState();
    const redis = store.redis;
    const autoscaler = store.keys.policyState('web/autoscaler');
    const guard = store.keys.policyState('web/guard');
    await redis.hset(autoscaler, 'junk', '{bad');
    await redis.hset(autoscaler, 'deep', '['.repeat(300) + ']'.repeat(300));
    await redis.del(guard);
    await redis.set(guard, 'hello');
    const big = 'x'.repeat(MAX_STATE_FIELD_BYTES + 1);
    await redis.hset(store.keys.policyState('db/restarter'), 'huge', big);

    const skipped: UnreadableState[] = [];
    const states = await store.loadPolicyStates((part) => skipped.push(part));

    expect(states.get('web/autoscaler')).toEqual(new Map<string, unknown>([['engine.cooldownUntil', 120_000], ['recommendations', [3, 4]]]));
    expect(states.get('db/restarter')).toEqual(new Map([['restarts', 5]]));
    expect(states.has('web/guard')).toBe(false);
    const sorted = [...skipped].sort((a, b) => `${a.policy}${a.field}`.localeCompare(`${b.policy}${b.field}`));
    expect(sorted).toEqual([
      { policy: 'db/restarter', key: store.keys.policyState('db/restarter'), field: 'huge', problem: expect.stringMatching(new RegExp(`holds ${MAX_STATE_FIELD_BYTES + 1} bytes`)) },
      { policy: 'web/autoscaler', key: autoscaler, field: 'deep', problem: expect.stringMatching(/deeper than 256 levels/) },
      { policy: 'web/autoscaler', key: autoscaler, field: 'junk', problem: expect.stringMatching(/is not JSON/) },
      { policy: 'web/guard', key: guard, problem: expect.stringMatching(/is a string, not a hash/) },
    ]);
    // nothing damaged was deleted or rewritten by the load
    expect(await redis.hget(autoscaler, 'junk')).toBe('{bad');
    expect(await redis.get(guard)).toBe('hello');
    expect(await redis.hstrlen(store.keys.policyState('db/restarter'), 'huge')).toBe(big.length);
    await store.close();
  });

  it('a write of a damaged field replaces it, and the next load reads it', async () => {
    const store = await storeWithState();
    await store.redis.hset(store.keys.policyState('web/autoscaler'), 'engine.cooldownUntil', '{bad');
    const first: UnreadableState[] = [];
    expect((await store.loadPolicyStates((part) => first.push(part))).get('web/autoscaler')?.has('engine.cooldownUntil')).toBe(false);
    expect(first.map((p) => p.field)).toEqual(['engine.cooldownUntil']);
    await store.write([{ kind: 'state', policy: 'web/autoscaler', key: 'engine.cooldownUntil', value: 180_000 }]);
    const second: UnreadableState[] = [];
    expect((await store.loadPolicyStates((part) => second.push(part))).get('web/autoscaler')?.get('engine.cooldownUntil')).toBe(180_000);
    expect(second).toEqual([]);
    await store.close();
  });

  it('names the key when the set of policies is not a set', async () => {
    const store = await storeWithState();
    await store.redis.del(store.keys.policies);
    await store.redis.set(store.keys.policies, 'x');
    await expect(store.loadPolicyStates()).rejects.toThrow(`cannot read the set of policies with state (${store.keys.policies}): WRONGTYPE`);
    await store.close();
  });
});

describe('Knowledge over damaged state', () => {
  it('opens with the rest, keeps what it skipped, and reports it on errors$ to a later subscriber too', async () => {
    const store = await storeWithState();
    await store.redis.hset(store.keys.policyState('web/guard'), 'junk', '{bad');
    const knowledge = new Knowledge(store, new VirtualClock());
    await knowledge.open();
    expect(knowledge.policyState('web/guard').get('count')).toBe(2);
    expect(knowledge.policyState('web/autoscaler').get('engine.cooldownUntil')).toBe(120_000);
    expect(knowledge.unreadableState).toEqual([expect.objectContaining({ policy: 'web/guard', field: 'junk' })]);
    // the service subscribes after open(): it still learns what the load skipped
    const errors: string[] = [];
    const subscription = knowledge.errors$.subscribe((e) => errors.push(e.message));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`policy state of web/guard, field junk (${store.keys.policyState('web/guard')}) is not JSON (Expected property name`);
    expect(errors[0]).toMatch(/\); skipped and left as stored$/);
    subscription.unsubscribe();
    await knowledge.close();
  });

  it('drops a skipped field from unreadableState once its policy writes it, and only once the store applied the write', async () => {
    const store = await storeWithState();
    const autoscaler = store.keys.policyState('web/autoscaler');
    await store.redis.hset(autoscaler, 'engine.cooldownUntil', '{bad');
    await store.redis.hset(autoscaler, 'junk', '{bad');
    await store.redis.hset(store.keys.policyState('web/guard'), 'count', '{bad');
    const knowledge = new Knowledge(store, new VirtualClock());
    await knowledge.open();
    const fields = (): string[] => knowledge.unreadableState.map((p) => `${p.policy} ${p.field}`).sort();
    expect(fields()).toEqual(['web/autoscaler engine.cooldownUntil', 'web/autoscaler junk', 'web/guard count']);

    // a write the store refuses (made under a lease nobody holds) replaces nothing: the field stays listed
    knowledge.setWriteFence(() => ({ lease: 'root', owner: 'nobody', token: 1 }));
    knowledge.policyState('web/guard').set('count', 3);
    await knowledge.flush();
    expect(await store.redis.hget(store.keys.policyState('web/guard'), 'count')).toBe('{bad');
    expect(fields()).toContain('web/guard count');
    knowledge.setWriteFence(undefined);

    // the policy writes the damaged field (it ran without it): the store holds JSON again, and /ready must not
    // name it until the next load (it did, for as long as the instance ran)
    knowledge.policyState('web/autoscaler').set('engine.cooldownUntil', 180_000);
    knowledge.policyState('web/autoscaler').set('junk', undefined);
    await knowledge.flush();
    expect(await store.redis.hget(autoscaler, 'engine.cooldownUntil')).toBe('180000');
    expect(await store.redis.hexists(autoscaler, 'junk')).toBe(0);
    expect(fields()).toEqual(['web/guard count']);
    await knowledge.close();
  });
});
