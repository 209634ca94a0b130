// Invocations handed to a shard's holder when Redis loses its data (restarted without persistence, or failed
// over to a replica that missed the last writes) while the request is under way: a request that was queued
// and has vanished may have been claimed and run, so its requester must not report it as not run. Against a
// redis-server of the test's own, restarted empty by the test; every wait is bounded.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShardDelegation, type DelegationShards } from '../../src/cluster/shard-delegation.js';
import { leaseKey } from '../../src/cluster/lease.js';
import { HomeostatError } from '../../src/core/errors.js';
import type { DelegatedInvocation } from '../../src/effectors/delegated-invocation.js';
import { openRedis } from '../../src/knowledge/redis/redis-connection.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;
const clients: Redis[] = [];
const delegations: ShardDelegation[] = [];

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterEach(async () => {
  await Promise.all(delegations.splice(0).map((d) => d.stop()));
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  await server.dispose();
});

async function client(): Promise<Redis> {
  const made = openRedis({ url: server.url, commandTimeoutMs: 500, connectTimeoutMs: 1_000 });
  await made.connect();
  clients.push(made);
  return made;
}

/** An instance holding `held` (shard -> token); every entity `sN.x` is in shard `sN`. */
function shards(held: Record<string, number>): DelegationShards {
  return {
    shardOf: (entity) => (entity.includes('.') ? entity.split('.')[0] : undefined),
    held: () => Object.keys(held),
    actingToken: (entity) => held[entity.split('.')[0] as string],
  };
}

const invocation: DelegatedInvocation = { entity: 's1.web', effector: 'restart', params: {}, caller: { kind: 'policy', name: 'app/dr' }, decisionId: 'd-1', runBoundMs: 500 };

async function errorOf(promise: Promise<unknown> | undefined): Promise<HomeostatError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HomeostatError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('ShardDelegation when Redis loses its data', () => {
  it('does not report a request that was queued, claimed and run as "did not run" when Redis comes back empty', async () => {
    const ns = 'lost-1';
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    let runs = 0;
    // the holder claims at once; while it runs the effector, Redis restarts empty (the claim is lost with it)
    const b = new ShardDelegation(await client(), shards({ s1: 42 }), {
      namespace: ns,
      owner: 'b',
      claimWithinMs: 300,
      pollMs: 20,
      run: async () => {
        runs++;
        await server.restart();
        return 'restarted';
      },
    });
    delegations.push(b);
    b.start();
    // the requester looks for its answer less often than the holder claims: it never sees the claim
    const a = new ShardDelegation(await client(), shards({}), { namespace: ns, owner: 'a', claimWithinMs: 300, pollMs: 400, run: () => Promise.reject(new Error('a runs nothing')) });
    delegations.push(a);
    const error = await errorOf(a.delegate(invocation, undefined));
    expect(runs).toBe(1);
    expect(error.code).toBe('E_OUTCOME_UNKNOWN');
    expect(error.message).not.toContain('it did not run');
  }, 30_000);

  it('does not report a submission Redis answered late, then claimed, run and lost, as "did not run"', async () => {
    const ns = 'lost-2';
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    let runs = 0;
    const b = new ShardDelegation(await client(), shards({ s1: 42 }), { namespace: ns, owner: 'b', claimWithinMs: 300, pollMs: 20, run: async () => {
      runs++;
      await server.restart();
      return 'restarted';
    } });
    delegations.push(b);
    b.start();
    const a = new ShardDelegation(await client(), shards({}), { namespace: ns, owner: 'a', claimWithinMs: 300, pollMs: 400, run: () => Promise.reject(new Error('a runs nothing')) });
    delegations.push(a);
    // an earlier request tells the requester Redis' epoch
    expect((await errorOf(a.delegate({ ...invocation, entity: 's9.web' }, undefined))).code).toBe('E_NOT_LEADER');
    server.pause();
    const asked = a.delegate(invocation, undefined);
    // paused past the command timeout (500 ms): the submission gets no answer, and runs when Redis resumes
    await new Promise((resolve) => setTimeout(resolve, 700));
    server.resume();
    const error = await errorOf(asked);
    expect(runs).toBe(1);
    expect(error.code).toBe('E_OUTCOME_UNKNOWN');
  }, 30_000);

  it('still reports a submission that never reached Redis as not run, once Redis answers again with its data', async () => {
    const ns = 'lost-3';
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    let runs = 0;
    const b = new ShardDelegation(await client(), shards({ s1: 42 }), { namespace: ns, owner: 'b', claimWithinMs: 300, pollMs: 20, run: async () => ++runs });
    delegations.push(b);
    b.start();
    const link = await client();
    const a = new ShardDelegation(link, shards({}), { namespace: ns, owner: 'a', claimWithinMs: 300, pollMs: 20, run: () => Promise.reject(new Error('a runs nothing')) });
    delegations.push(a);
    expect((await errorOf(a.delegate({ ...invocation, entity: 's9.web' }, undefined))).code).toBe('E_NOT_LEADER');
    // the requester's link is down as it submits (the command fails at once), and back before it withdraws
    link.disconnect();
    const asked = a.delegate(invocation, undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await link.connect();
    const error = await errorOf(asked);
    expect(error.code).toBe('E_NOT_LEADER');
    expect(error.message).toContain('it did not run');
    expect(runs).toBe(0);
  }, 30_000);
});
