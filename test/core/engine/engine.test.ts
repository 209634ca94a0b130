import { describe, expect, it } from 'vitest';
import { Observable, map } from 'rxjs';
import { z } from 'zod';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import { definePolicy, type Symptom } from '../../../src/policies/define-policy.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { engineFixture, followLoad } from './fixture.js';

async function outcomes(knowledge: Awaited<ReturnType<typeof engineFixture>>['knowledge']) {
  return (await knowledge.queryDecisions({})).reverse().map((d) => d.outcome);
}

describe('Engine', () => {
  it('applies a plan and records one decision with reason, inputs and durations', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    engine.attach(web, followLoad, {});
    engine.start();
    clock.schedule(() => web.sensor('load').publish(3), 1000);
    await clock.advanceBy(1000);
    expect(sizes).toEqual([3]);
    const [decision] = await knowledge.queryDecisions({});
    expect(decision).toMatchObject({
      entity: 'web', policy: 'web/follow-load', policyName: 'follow-load', outcome: 'applied', reason: 'load is 3',
      actions: [{ entity: 'web', effector: 'resize', params: { size: 3 } }],
      inputs: [{ entity: 'web', sensor: 'load', value: 3, at: 1000 }],
    });
    expect(decision?.durations.planMs).toBeGreaterThanOrEqual(0);
    const [invocation] = await knowledge.queryInvocations({});
    expect(invocation).toMatchObject({ caller: { kind: 'policy', name: 'web/follow-load' }, outcome: 'succeeded' });
  });

  it('skips plans during the cooldown and acts again after it', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    engine.attach(web, followLoad, {}, { cooldownMs: 60_000 });
    engine.start();
    web.sensor('load').publish(2);
    await clock.advanceBy(59_999);
    web.sensor('load').publish(4);
    await clock.advanceBy(1);
    web.sensor('load').publish(5);
    await clock.settle();
    expect(sizes).toEqual([2, 5]);
    expect(await outcomes(knowledge)).toEqual(['applied', 'skipped_cooldown', 'applied']);
    const skipped = (await knowledge.queryDecisions({ outcome: 'skipped_cooldown' }))[0];
    expect(skipped?.detail).toContain('1 ms left');
  });

  it('records dry-run plans without invoking any effector, engine-wide or per policy', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    engine.attach(web, followLoad, {}, { dryRun: true });
    engine.start();
    web.sensor('load').publish(7);
    await clock.settle();
    engine.setDryRun('web/follow-load', false);
    engine.dryRun = true;
    web.sensor('load').publish(8);
    await clock.settle();
    expect(sizes).toEqual([]);
    expect(await outcomes(knowledge)).toEqual(['dry_run', 'dry_run']);
    expect(await knowledge.queryInvocations({})).toEqual([]);
  });

  it('keeps a suspended policy planning, records its plans as suspended, and acts again on resume', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    engine.attach(web, followLoad, {});
    engine.start();
    engine.suspend('web/follow-load', 'failover in progress');
    web.sensor('load').publish(9);
    await clock.settle();
    expect(sizes).toEqual([]);
    const [suspended] = await knowledge.queryDecisions({});
    expect(suspended).toMatchObject({ outcome: 'suspended', detail: 'failover in progress', actions: [{ params: { size: 9 } }] });
    engine.resume('web/follow-load');
    web.sensor('load').publish(10);
    await clock.settle();
    expect(sizes).toEqual([10]);
  });

  it('lets the newest plan replace a waiting one while another executes', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture({ resizeMs: 10_000 });
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(1);
    await clock.advanceBy(1000);
    web.sensor('load').publish(2);
    await clock.advanceBy(1000);
    web.sensor('load').publish(3);
    expect(engine.policy('web/follow-load').executor).toBe('executing');
    await clock.advanceBy(30_000);
    expect(sizes).toEqual([1, 3]);
    expect(await outcomes(knowledge)).toEqual(['superseded', 'applied', 'applied']);
    const [superseded] = await knowledge.queryDecisions({ outcome: 'superseded' });
    expect(superseded?.actions[0]?.params).toEqual({ size: 2 });
  });

  it('stop() waits for the execution in flight, within the grace, but starts no waiting plan', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture({ resizeMs: 10_000 });
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(1);
    await clock.settle();
    web.sensor('load').publish(2); // waits behind the first
    let stopped = false;
    void engine.stop({ graceMs: 60_000 }).then(() => (stopped = true));
    await clock.advanceBy(9_999);
    expect(stopped).toBe(false);
    await clock.advanceBy(1);
    expect(stopped).toBe(true);
    expect(sizes).toEqual([1]);
    expect(await outcomes(knowledge)).toEqual(['failed', 'applied']);
  });

  it('rejects a plan whose inputs are stale instead of acting on them', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    const laggard = definePolicy({
      name: 'laggard',
      config: followLoad.config,
      monitor: (ctx) => followLoad.monitor(ctx),
      plan: (symptom: Symptom) => ({ actions: [{ entity: 'web', effector: 'resize', params: { size: symptom.inputs[0]?.value } }], reason: 'late' }),
      // acts on the last reading 2 minutes after it was taken: older than the 60 s bound
      analyze: (source, { scheduler }) => new Observable<Symptom>((sub) => source.subscribe((o) => {
        scheduler.schedule(() => sub.next({ kind: 'late', inputs: [o] }), 120_000);
      })),
    });
    engine.attach(web, laggard, {});
    engine.start();
    web.sensor('load').publish(4);
    await clock.advanceBy(120_000);
    expect(sizes).toEqual([]);
    const [decision] = await knowledge.queryDecisions({});
    expect(decision?.outcome).toBe('rejected_stale');
    expect(decision?.detail).toContain('web.load');
  });

  it('records a failed effector as a failed decision with the error', async () => {
    const { clock, web, engine, knowledge } = await engineFixture({ failResize: true });
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(4);
    await clock.settle();
    const [decision] = await knowledge.queryDecisions({});
    expect(decision).toMatchObject({ outcome: 'failed', error: { message: 'web.resize: quota exceeded' } });
  });

  it('isolates a policy that throws: records the fault, restarts it with backoff, others keep running', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    let plans = 0;
    const broken = definePolicy({
      name: 'broken',
      config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((r) => ({ kind: 'x', inputs: [r] }))),
      plan: () => {
        plans++;
        throw new Error('bug in plan');
      },
    });
    engine.attach(web, broken, {});
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(1);
    await clock.settle();
    expect(engine.policy('web/broken').state).toBe('restarting');
    web.sensor('load').publish(2); // broken is down: only follow-load sees this
    await clock.advanceBy(1000); // first restart after 1 s
    expect(engine.policy('web/broken').state).toBe('running');
    web.sensor('load').publish(3);
    await clock.settle();
    expect(plans).toBe(2);
    expect(sizes).toEqual([1, 2, 3]);
    const faults = await knowledge.queryFaults({ policy: 'web/broken' });
    expect(faults.map((f) => [f.phase, f.message, f.restartInMs])).toEqual([['plan', 'bug in plan', 2000], ['plan', 'bug in plan', 1000]]);
  });

  it('forgives earlier faults after a minute without faults, counted from the last restart', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    const flaky = definePolicy({
      name: 'flaky',
      config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((r) => ({ kind: 'x', inputs: [r] }))),
      plan: (symptom) => {
        if ((symptom.inputs[0]?.value as number) < 0) throw new Error('negative load');
        return undefined;
      },
    });
    engine.attach(web, flaky, {});
    engine.start();
    await clock.advanceBy(120_000); // a long healthy first run: nothing to forgive yet
    web.sensor('load').publish(-1); // fault 1 at 120 s: restart in 1 s
    await clock.advanceBy(1_000);
    await clock.advanceBy(30_000);
    web.sensor('load').publish(-1); // 30 s after the restart: not forgiven, restart in 2 s
    await clock.advanceBy(2_000);
    await clock.advanceBy(60_000);
    web.sensor('load').publish(-1); // a minute after the restart: forgiven, restart in 1 s again
    await clock.advanceBy(1_000);
    web.sensor('load').publish(-1); // at once after that restart: 2 s
    await clock.settle();
    const faults = (await knowledge.queryFaults({ policy: 'web/flaky' })).reverse();
    expect(faults.map((f) => [f.at, f.restartInMs])).toEqual([[120_000, 1_000], [151_000, 2_000], [213_000, 1_000], [214_000, 2_000]]);
  });

  it('isolates a policy whose monitor throws on subscribe', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    engine.attach(web, { ...followLoad, name: 'bad-monitor', monitor: () => { throw new Error('no such stream'); } }, {});
    engine.start();
    await clock.settle();
    expect((await knowledge.queryFaults({}))[0]).toMatchObject({ phase: 'monitor', message: 'no such stream' });
  });

  it('refuses a config that fails the policy schema, saying what and where', async () => {
    const { web, engine } = await engineFixture();
    expect(() => engine.attach(web, followLoad, { sensor: 42 })).toThrow(/config of policy 'web\/follow-load': sensor:/);
  });

  it('keeps the cooldown across a restart of the service (policy state goes through the store)', async () => {
    const store = new MemoryStore();
    const clock = new VirtualClock();
    const first = await engineFixture({ store, clock });
    first.engine.attach(first.web, followLoad, {}, { cooldownMs: 60_000 });
    first.engine.start();
    first.web.sensor('load').publish(2);
    await clock.settle();
    await first.engine.stop();

    const second = await engineFixture({ store, clock });
    // a policy that has not planned since the restart still reports the cooldown it kept in state
    expect(second.engine.attach(second.web, followLoad, {}, { cooldownMs: 60_000 }).executor).toBe('cooldown');
    second.engine.start();
    await clock.advanceBy(30_000);
    second.web.sensor('load').publish(5);
    await clock.settle();
    expect(second.sizes).toEqual([]);
    expect((await second.knowledge.queryDecisions({}))[0]?.outcome).toBe('skipped_cooldown');
    await clock.advanceBy(30_000);
    expect(second.engine.policy('web/follow-load').executor).toBe('idle');
  });

  it('detaches the policies of an entity that leaves the tree', async () => {
    const { tree, web, engine } = await engineFixture();
    engine.attach(web, followLoad, {});
    engine.start();
    tree.remove(web);
    expect(engine.policies()).toEqual([]);
  });
});

describe('secrets', () => {
  it('redacts secret-looking params in decisions and invocation records, while the effector gets the real ones', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    let received: unknown;
    web.addEffector(defineEffector({ name: 'login', params: z.object({ user: z.string(), password: z.string() }), run: (p) => void (received = p) }));
    engine.attach(web, definePolicy({
      name: 'with-secret', config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((o) => ({ kind: 'x', inputs: [o] }))),
      plan: () => ({ actions: [{ entity: 'web', effector: 'login', params: { user: 'ops', password: 'hunter2' } }], reason: 'log in' }),
    }), {});
    engine.start();
    web.sensor('load').publish(1);
    await clock.settle();
    expect(received).toEqual({ user: 'ops', password: 'hunter2' });
    const stored = JSON.stringify([await knowledge.queryDecisions({}), await knowledge.queryInvocations({})]);
    expect(stored).not.toContain('hunter2');
    expect(stored).toContain('[redacted]');
  });
});
