// A service restarted on the same Redis resumes where it stopped: cooldowns keep their time left, policy
// state (counters, windows, "already ran") keeps its values, and the decision log is still there. Redis
// itself going away or coming back empty loses nothing that was still buffered.
import { Subject, map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { EffectorInvoker } from '../../src/effectors/invoker.js';
import { InFlightLedger } from '../../src/knowledge/in-flight.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { definePolicy } from '../../src/policies/define-policy.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TestRedisServer } from '../support/redis-server.js';
import { decision } from './store-contract.js';

let server: TestRedisServer;
let namespaces = 0;

beforeAll(async () => {
  server = await TestRedisServer.start({ persistent: true });
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

/** One "service process": its own tree, engine and knowledge on the shared Redis namespace. */
async function service(namespace: string, clock: VirtualClock, kicks: Subject<string>, calls: string[]) {
  const store = new RedisStore({ url: server.url, namespace });
  await store.connect();
  const knowledge = new Knowledge(store, clock);
  await knowledge.open();
  const tree = new EntityTree(clock);
  const web = tree.add({ id: 'web', type: 'cluster', effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number() }), run: ({ size }) => void calls.push(`resize ${size} at ${clock.now()}`) })] });
  // counts kicks in its own state, and asks for a resize with a 5-minute cooldown of its own
  const kicker = definePolicy({
    name: 'kicker',
    config: z.object({}),
    monitor: () => kicks.asObservable(),
    analyze: (source) => source.pipe(map((name) => ({ kind: 'kick', inputs: [], detail: { name } }))),
    plan: (symptom, { state }) => {
      state.set('kicks', (state.get<number>('kicks') ?? 0) + 1);
      return { actions: [{ entity: 'web', effector: 'resize', params: { size: state.get<number>('kicks') ?? 0 } }], reason: `kick ${String(symptom.detail.name)}`, cooldown: { key: 'resize', ms: 300_000 } };
    },
  });
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, kicker, {});
  engine.start();
  return {
    knowledge,
    stop: async () => {
      await engine.stop();
      await knowledge.close();
    },
  };
}

describe('a service restarted on the same Redis', () => {
  it('keeps a cooldown with its time left, policy state and the decision log', async () => {
    const namespace = `resume${++namespaces}`;
    const kicks = new Subject<string>();
    const calls: string[] = [];
    const first = await service(namespace, new VirtualClock(), kicks, calls);
    kicks.next('one'); // applied at 0: cooldown until 300 s
    await first.knowledge.flush();
    await first.stop();

    // the next process starts a minute later: 4 minutes of cooldown are left
    const clock = new VirtualClock(60_000);
    const second = await service(namespace, clock, kicks, calls);
    kicks.next('two');
    await clock.advanceBy(1);
    const [skipped] = await second.knowledge.queryDecisions({ limit: 1 });
    expect(skipped).toMatchObject({ outcome: 'skipped_cooldown', reason: 'kick two' });
    expect(skipped?.detail).toMatch(/240000 ms left/);
    await clock.advanceTo(300_000);
    kicks.next('three');
    await clock.advanceBy(1);
    // the counter went on from where it was: one, two (planned, skipped), three -> size 3
    expect(calls).toEqual(['resize 1 at 0', 'resize 3 at 300000']);
    expect((await second.knowledge.queryDecisions({})).map((d) => d.reason)).toEqual(['kick three', 'kick two', 'kick one']);
    await second.stop();
  });
});

describe('Knowledge on a Redis that goes away', () => {
  it('keeps deciding, keeps writes in order while Redis is down, and writes them all once it is back', async () => {
    const clock = new VirtualClock();
    const store = new RedisStore({ url: server.url, namespace: `down${++namespaces}`, commandTimeoutMs: 300 });
    await store.connect();
    const knowledge = new Knowledge(store, clock, { retryDelayMs: 100 });
    const errors: Error[] = [];
    knowledge.errors$.subscribe((e) => errors.push(e));
    knowledge.recordDecision(decision(1));
    await knowledge.flush();
    await server.stop(); // killed: the append-only file keeps what was written
    for (let n = 2; n <= 30; n++) knowledge.recordDecision(decision(n)); // recording never waits
    knowledge.policyState('p').set('k', 'kept');
    await clock.advanceBy(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(knowledge.pending).toBeGreaterThan(0);
    await server.restart();
    // the Knowledge front retries on its scheduler; give the client a moment of real time to reconnect
    for (let i = 0; i < 100 && knowledge.pending > 0; i++) {
      await clock.advanceBy(30_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(knowledge.pending).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    const ids = (await store.queryDecisions({ limit: 100 })).map((d) => d.id);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `d${30 - i}`));
    expect((await store.loadPolicyStates()).get('p')?.get('k')).toBe('kept');
    await knowledge.close();
  }, 30_000);
});

describe('an invocation in flight when the service died', () => {
  it('is recorded as unknown at the next start, and not run again', async () => {
    const namespace = `inflight${++namespaces}`;
    const clock = new VirtualClock();
    let runs = 0;
    const hang = defineEffector({ name: 'migrate', params: z.object({ to: z.string() }), timeoutMs: 3_600_000, run: () => { runs++; return new Promise(() => undefined); } });
    const first = new Knowledge(new RedisStore({ url: server.url, namespace }), clock);
    await first.open();
    const tree = new EntityTree(clock);
    const db = tree.add({ id: 'db', type: 'database', effectors: [hang] });
    const invoker = new EffectorInvoker(clock);
    new InFlightLedger(first).watch(invoker);
    void invoker.invoke(db, 'migrate', { to: 'v2' }, { caller: { kind: 'policy', name: 'db/migrator' } });
    await clock.advanceBy(1_000);
    await first.flush();
    void first.store.close(); // the process dies: no record of the end ever comes
    expect(runs).toBe(1);

    const second = new Knowledge(new RedisStore({ url: server.url, namespace }), new VirtualClock(120_000));
    await second.open();
    const found = new InFlightLedger(second).reconcile(120_000);
    expect(found).toEqual([expect.objectContaining({ entity: 'db', effector: 'migrate', params: { to: 'v2' }, outcome: 'unknown', caller: { kind: 'policy', name: 'db/migrator' } })]);
    expect((await second.queryInvocations({ entity: 'db' }))[0]).toMatchObject({ outcome: 'unknown', error: { code: 'E_OUTCOME_UNKNOWN' } });
    expect(new InFlightLedger(second).reconcile(130_000)).toEqual([]); // reconciled once
    expect(runs).toBe(1);
    await second.close();
  });

  it('with shards: the next owner of a shard reconciles that shard\'s invocations alone, each once', async () => {
    const namespace = `inflight${++namespaces}`;
    const clock = new VirtualClock();
    const hang = defineEffector({ name: 'roll', params: z.object({}), timeoutMs: 3_600_000, run: () => new Promise(() => undefined) });
    const tree = new EntityTree(clock);
    const app = tree.add({ id: 'app', type: 'application' });
    const shards = new Map([['w1', 's1'], ['w2', 's2']]);
    const first = new Knowledge(new RedisStore({ url: server.url, namespace }), clock);
    await first.open();
    const invoker = new EffectorInvoker(clock);
    new InFlightLedger(first, (entity) => shards.get(entity)).watch(invoker);
    for (const id of ['w1', 'w2']) void invoker.invoke(tree.add({ id, type: 'web', effectors: [hang] }, app), 'roll', {}, { caller: { kind: 'policy', name: `${id}/roller` } });
    await clock.advanceBy(1_000);
    await first.flush();
    void first.store.close();

    const next = new Knowledge(new RedisStore({ url: server.url, namespace }), new VirtualClock(60_000));
    await next.open();
    const ledger = new InFlightLedger(next, (entity) => shards.get(entity));
    expect(ledger.reconcile(60_000, (group) => group === 's1')).toEqual([expect.objectContaining({ entity: 'w1', outcome: 'unknown' })]);
    expect(ledger.reconcile(61_000, (group) => group === 's1')).toEqual([]);
    expect(ledger.reconcile(62_000, (group) => group === 's2')).toEqual([expect.objectContaining({ entity: 'w2', outcome: 'unknown' })]);
    await next.flush();
    expect([...(await next.store.loadPolicyStates()).keys()].filter((p) => p.endsWith('homeostat.in-flight'))).toEqual([]);
    await next.close();
  });
});
