// Invocations handed to a shard's holder, against a real redis-server of the test's own: the holder named by
// the shard's lease key runs a request once and its answer comes back; a request nobody may claim is
// withdrawn and never runs; one claimed without an answer in time is of unknown outcome. Real time on
// purpose (requests cross processes through Redis); every wait is bounded and polls for a condition.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShardDelegation, type DelegationShards } from '../../src/cluster/shard-delegation.js';
import { leaseKey } from '../../src/cluster/lease.js';
import { HomeostatError } from '../../src/core/errors.js';
import type { DelegatedInvocation } from '../../src/effectors/delegated-invocation.js';
import { openRedis } from '../../src/knowledge/redis/redis-connection.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;
let namespaces = 0;
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

/** An instance holding `held` (shard -> token); every entity `sN.x` is in shard `sN`, others in none. */
function shards(held: Record<string, number>): DelegationShards {
  return {
    shardOf: (entity) => (entity.includes('.') ? entity.split('.')[0] : undefined),
    held: () => Object.keys(held),
    actingToken: (entity) => held[entity.split('.')[0] as string],
  };
}

async function instance(ns: string, owner: string, held: Record<string, number>, run: (invocation: DelegatedInvocation, signal: AbortSignal) => Promise<unknown>, start = true, claimWithinMs = 300): Promise<ShardDelegation> {
  const made = new ShardDelegation(await client(), shards(held), { namespace: ns, owner, claimWithinMs, pollMs: 20, run });
  delegations.push(made);
  if (start) made.start();
  return made;
}

const invocation: DelegatedInvocation = { entity: 's1.web', effector: 'restart', params: { force: true }, caller: { kind: 'policy', name: 'app/dr' }, decisionId: 'd-1', runBoundMs: 500 };

async function until(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function errorOf(promise: Promise<unknown> | undefined): Promise<HomeostatError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HomeostatError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('ShardDelegation', () => {
  it('hands an invocation to the shard\'s holder, which runs it once, and brings its result back', async () => {
    const ns = `d${++namespaces}`;
    const redis = await client();
    await redis.set(leaseKey(ns, 's1'), 'b|42');
    const runs: DelegatedInvocation[] = [];
    await instance(ns, 'b', { s1: 42 }, async (asked) => {
      runs.push(asked);
      return { restarted: asked.entity };
    });
    const a = await instance(ns, 'a', { app: 7 }, () => Promise.reject(new Error('a runs nothing')));
    await expect(a.delegate(invocation, undefined)).resolves.toEqual({ restarted: 's1.web' });
    expect(runs).toEqual([invocation]);
  });

  it('lists an invocation it handed over while it waits, with where it went, and forgets it once answered', async () => {
    const ns = `d${++namespaces}`;
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    let finish: (value: unknown) => void = () => undefined;
    const b = await instance(ns, 'b', { s1: 42 }, () => new Promise((resolve) => (finish = resolve)), false);
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    const answered = a.delegate(invocation, undefined);
    await until('queued for b', 5_000, async () => a.handedOver()[0]?.to === 'b');
    expect(a.handedOver()).toEqual([{ entity: 's1.web', effector: 'restart', shard: 's1', to: 'b', claimed: false, waitingMs: expect.any(Number) }]);
    b.start();
    await until('claimed by b', 5_000, async () => a.handedOver()[0]?.claimed === true);
    expect(a.handedOver()).toEqual([{ entity: 's1.web', effector: 'restart', shard: 's1', to: 'b', claimed: true, waitingMs: expect.any(Number) }]);
    finish({ restarted: true });
    await expect(answered).resolves.toEqual({ restarted: true });
    expect(a.handedOver()).toEqual([]);
  });

  it('stops claiming on stop, and aborts a run still going when the grace passes: its requester gets the failure', async () => {
    const ns = `d${++namespaces}`;
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    const ran: string[] = [];
    const b = await instance(ns, 'b', { s1: 42 }, (asked, signal) => new Promise((resolve, reject) => {
      ran.push(String((asked.params as { n: number }).n));
      signal.addEventListener('abort', () => reject(new HomeostatError('E_EFFECTOR_ABORTED', `aborted: ${String((signal.reason as Error).message)}`)));
    }));
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    // its failure is taken from the start: it may come back before b's stop returns (a polls meanwhile)
    const answered = errorOf(a.delegate({ ...invocation, params: { n: 1 }, runBoundMs: 5_000 }, undefined));
    await until('claimed by b', 5_000, async () => a.handedOver()[0]?.claimed === true);
    const stopAsked = performance.now();
    await b.stop(300);
    expect(performance.now() - stopAsked).toBeGreaterThanOrEqual(290);
    const error = await answered;
    expect(error.code).toBe('E_EFFECTOR_ABORTED');
    expect(error.message).toContain('aborted: the stop grace of 300 ms has passed');
    // b claims nothing after its stop: a later request is withdrawn, unrun
    const later = await errorOf(a.delegate({ ...invocation, params: { n: 2 } }, undefined));
    expect(later.code).toBe('E_NOT_LEADER');
    expect(ran).toEqual(['1']);
  });

  it('stops claiming at once on stopClaiming, while what it runs goes on to its end', async () => {
    const ns = `d${++namespaces}`;
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    const ran: number[] = [];
    let finish: (value: unknown) => void = () => undefined;
    const b = await instance(ns, 'b', { s1: 42 }, (asked) => {
      ran.push((asked.params as { n: number }).n);
      return new Promise((resolve) => (finish = resolve));
    });
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    const first = a.delegate({ ...invocation, params: { n: 1 }, runBoundMs: 5_000 }, undefined);
    await until('claimed by b', 5_000, async () => a.handedOver()[0]?.claimed === true);
    b.stopClaiming();
    // a request queued after: left for the shard's next holder, withdrawn by its requester when nobody takes it
    const later = await errorOf(a.delegate({ ...invocation, params: { n: 2 } }, undefined));
    expect(later.code).toBe('E_NOT_LEADER');
    finish({ done: 1 });
    await expect(first).resolves.toEqual({ done: 1 });
    expect(ran).toEqual([1]);
  });

  it('brings the runner\'s error back with its code and the token it ran under', async () => {
    const ns = `d${++namespaces}`;
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    await instance(ns, 'b', { s1: 42 }, () => Promise.reject(new HomeostatError('E_INSUFFICIENT_CAPACITY', 's1.web.restart: no room')));
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    const error = await errorOf(a.delegate(invocation, undefined));
    expect(error.code).toBe('E_INSUFFICIENT_CAPACITY');
    expect(error.message).toBe('s1.web.restart: no room (run by b under fencing token 42)');
  });

  it('refuses at once when nobody holds the shard (E_NOT_LEADER: nothing ran), and leaves entities of no shard alone', async () => {
    const ns = `d${++namespaces}`;
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    expect((await errorOf(a.delegate(invocation, undefined))).code).toBe('E_NOT_LEADER');
    expect(a.delegate({ ...invocation, entity: 'nowhere' }, undefined)).toBeUndefined();
  });

  it('withdraws a request nobody claimed in time, which then never runs, even for the holder', async () => {
    const ns = `d${++namespaces}`;
    const redis = await client();
    await redis.set(leaseKey(ns, 's1'), 'b|42');
    let runs = 0;
    const b = await instance(ns, 'b', { s1: 42 }, async () => ++runs, false);
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    const error = await errorOf(a.delegate(invocation, undefined));
    expect(error.code).toBe('E_NOT_LEADER');
    expect(error.message).toContain('not taken within its time: withdrawn, it did not run');
    b.start(); // the holder comes back: it drops the withdrawn request
    await until('the withdrawn request dropped from the stream', 5_000, async () => (await redis.xlen(`homeostat:{${ns}}:delegations:s1`)) === 0);
    expect(runs).toBe(0);
  });

  it('is claimed only by the instance the lease key names, under that token', async () => {
    const ns = `d${++namespaces}`;
    const redis = await client();
    await redis.set(leaseKey(ns, 's1'), 'c|43');
    let runs = 0;
    // b believes it acts for s1 with an older token: its claim is refused, and the request stays for c
    await instance(ns, 'b', { s1: 42 }, async () => ++runs);
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    const error = await errorOf(a.delegate(invocation, undefined));
    expect(error.code).toBe('E_NOT_LEADER');
    expect(runs).toBe(0);
  });

  it('calls the outcome unknown when the holder claimed it and no result came back in time, and never runs it again', async () => {
    const ns = `d${++namespaces}`;
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    let runs = 0;
    let finish: (() => void) | undefined;
    await instance(ns, 'b', { s1: 42 }, () => {
      runs++;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    const error = await errorOf(a.delegate({ ...invocation, runBoundMs: 200 }, undefined));
    expect(error.code).toBe('E_OUTCOME_UNKNOWN');
    expect(error.message).toContain('handed to b (fencing token 42)');
    expect(error.message).toContain('outcome unknown, not repeated');
    expect(runs).toBe(1);
    finish?.();
  });

  it('waits for a submission Redis did not answer in time, which may still be queued: run once when Redis comes back', async () => {
    const ns = `d${++namespaces}`;
    await (await client()).set(leaseKey(ns, 's1'), 'b|42');
    let runs = 0;
    await instance(ns, 'b', { s1: 42 }, async () => ++runs);
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')), true, 5_000);
    server.pause();
    const asked = a.delegate(invocation, undefined);
    // paused past the command timeout (500 ms), so the submission gets no answer; Redis then runs it, and the holder claims it
    await new Promise((resolve) => setTimeout(resolve, 700));
    server.resume();
    await expect(asked).resolves.toBe(1);
    expect(runs).toBe(1);
  });

  it('withdraws a request when its plan is aborted before a holder took it', async () => {
    const ns = `d${++namespaces}`;
    const redis = await client();
    await redis.set(leaseKey(ns, 's1'), 'b|42');
    const a = await instance(ns, 'a', {}, () => Promise.reject(new Error('a runs nothing')));
    const controller = new AbortController();
    const asked = a.delegate(invocation, controller.signal);
    controller.abort();
    expect((await errorOf(asked)).code).toBe('E_EFFECTOR_ABORTED');
    const keys = await redis.keys(`homeostat:{${ns}}:delegation:*`);
    expect(await Promise.all(keys.map((key) => redis.hget(key, 'state')))).toEqual(['cancelled']);
  });
});
