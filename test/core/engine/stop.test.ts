// engine.stop({ graceMs }): loops stop at once, waiting plans never start, executing ones get the grace and
// are then aborted through their AbortSignal and recorded as failed; no timer of the engine is left behind.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { z } from 'zod';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { sleep } from '../../../src/core/time.js';
import { defineEffector, type EffectorContext } from '../../../src/effectors/define-effector.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { SimulationHost } from '../../../src/sim/simulation-host.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { engineFixture, followLoad } from './fixture.js';

/** The engine fixture with a `work` effector that takes `ms` (listening to its AbortSignal) and says how it ended. */
async function slowWork(ms: number) {
  const fixture = await engineFixture();
  const ended: string[] = [];
  fixture.web.addEffector(defineEffector({
    name: 'work',
    params: z.object({ n: z.number() }),
    timeoutMs: 3_600_000,
    run: async ({ n }, { scheduler, signal }) => {
      try {
        await sleep(scheduler, ms, signal);
        ended.push(`${n} done`);
      } catch (error) {
        ended.push(`${n} aborted`);
        throw error;
      }
    },
  }));
  const policy = definePolicy({
    name: 'worker',
    config: z.object({}),
    monitor: ({ entity }) => entity.sensor<number>('load').readings$,
    analyze: (source) => source.pipe(map((o) => ({ kind: 'work', inputs: [o] }))),
    plan: (symptom, { entity }) => ({ actions: [{ entity: entity.id, effector: 'work', params: { n: Number(symptom.inputs[0]?.value) } }], targets: [`job-${String(symptom.inputs[0]?.value)}`], reason: 'work' }),
  });
  fixture.engine.attach(fixture.web, policy, {});
  fixture.engine.start();
  return { ...fixture, ended };
}

/** Scheduled actions still live on the clock (unsubscribed ones stay in the queue, closed). */
const liveTimers = (clock: VirtualClock) => clock.actions.filter((a) => !a.closed).length;

describe('Engine.stop with a grace', () => {
  it('aborts an execution that outlives the grace, records it failed as stopped, and leaves no timer', async () => {
    const { clock, web, engine, knowledge, ended } = await slowWork(60_000);
    web.sensor('load').publish(1);
    await clock.advanceBy(1_000);
    let stopped = false;
    void engine.stop({ graceMs: 5_000 }).then(() => (stopped = true));
    await clock.advanceBy(4_999);
    expect(stopped).toBe(false);
    await clock.advanceBy(1);
    expect(stopped).toBe(true);
    expect(ended).toEqual(['1 aborted']);
    const [decision] = await knowledge.queryDecisions({});
    expect(decision).toMatchObject({ outcome: 'failed', at: 6_000, error: { code: 'E_ENGINE_STOPPED' } });
    expect(decision?.error?.message).toMatch(/^stopped: the engine stopped and its grace of 5000 ms passed while this plan ran/);
    expect((await knowledge.queryInvocations({}))[0]).toMatchObject({ effector: 'work', outcome: 'failed', error: { code: 'E_EFFECTOR_ABORTED' } });
    expect(liveTimers(clock)).toBe(0);
  });

  it('lets an execution that ends within the grace finish, and resolves as soon as it has', async () => {
    const { clock, web, engine, knowledge, ended } = await slowWork(3_000);
    web.sensor('load').publish(1);
    let stopped = false;
    void engine.stop({ graceMs: 10_000 }).then(() => (stopped = true));
    await clock.advanceBy(3_000);
    expect(stopped).toBe(true);
    expect(ended).toEqual(['1 done']);
    expect((await knowledge.queryDecisions({}))[0]?.outcome).toBe('applied');
    expect(liveTimers(clock)).toBe(0);
  });

  it('aborts the signal of an effector that kept its context and reads it only after the grace (one-action plan)', async () => {
    const fixture = await engineFixture();
    const kept: EffectorContext[] = [];
    fixture.web.addEffector(defineEffector({
      name: 'work',
      params: z.object({}),
      timeoutMs: 3_600_000,
      run: async (_params, ctx) => {
        kept.push(ctx);
        await sleep(ctx.scheduler, 60_000);
      },
    }));
    const policy = definePolicy({
      name: 'worker',
      config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((o) => ({ kind: 'work', inputs: [o] }))),
      plan: (_symptom, { entity }) => ({ actions: [{ entity: entity.id, effector: 'work' }], reason: 'work' }),
    });
    fixture.engine.attach(fixture.web, policy, {});
    fixture.engine.start();
    fixture.web.sensor('load').publish(1);
    await fixture.clock.advanceBy(1_000);
    void fixture.engine.stop({ graceMs: 5_000 });
    await fixture.clock.advanceBy(5_000);
    expect(kept).toHaveLength(1);
    const [decision] = await fixture.knowledge.queryDecisions({});
    expect(kept[0]?.decisionId).toBe(decision?.id);
    expect(kept[0]?.signal.aborted).toBe(true);
    expect(decision).toMatchObject({ outcome: 'failed', error: { code: 'E_ENGINE_STOPPED' } });
  });

  it('never starts the plans waiting behind an execution: each is recorded as failed, not started', async () => {
    const { clock, web, engine, knowledge, ended } = await slowWork(3_000);
    web.sensor('load').publish(1);
    web.sensor('load').publish(2);
    web.sensor('load').publish(3);
    const stopping = engine.stop({ graceMs: 10_000 });
    await clock.advanceBy(3_000);
    await stopping;
    expect(ended).toEqual(['1 done']);
    const log = (await knowledge.queryDecisions({})).reverse();
    expect(log.map((d) => [d.outcome, d.error?.code])).toEqual([['failed', 'E_ENGINE_STOPPED'], ['failed', 'E_ENGINE_STOPPED'], ['applied', undefined]]);
    expect(log[0]?.error?.message).toBe('the engine stopped before this plan could start');
    // and a plan that arrives after stop is not started either
    await clock.advanceBy(60_000);
    expect(ended).toEqual(['1 done']);
  });

  it('a decision not to act waiting behind an execution is recorded as what it is (no_action, or its own outcome), not as a failed start', async () => {
    for (const [n, expected] of [[2, ['nothing to do', 'no_action', undefined]], [3, ['waiting for something', 'blocked', undefined]]] as const) {
      const fixture = await engineFixture();
      fixture.web.addEffector(defineEffector({ name: 'work', params: z.object({}), timeoutMs: 3_600_000, run: async (_p, { scheduler, signal }) => sleep(scheduler, 3_000, signal) }));
      const policy = definePolicy({
        name: 'worker',
        config: z.object({}),
        monitor: ({ entity }) => entity.sensor<number>('load').readings$,
        analyze: (source) => source.pipe(map((o) => ({ kind: 'work', inputs: [o] }))),
        plan: (symptom, { entity }) => {
          const value = Number(symptom.inputs[0]?.value);
          if (value === 1) return { actions: [{ entity: entity.id, effector: 'work' }], reason: 'work' };
          return value === 2 ? { actions: [], reason: 'nothing to do' } : { actions: [], nonAction: 'blocked' as const, reason: 'waiting for something' };
        },
      });
      fixture.engine.attach(fixture.web, policy, {});
      fixture.engine.start();
      fixture.web.sensor('load').publish(1);
      fixture.web.sensor('load').publish(n);
      const stopping = fixture.engine.stop({ graceMs: 10_000 });
      await fixture.clock.advanceBy(3_000);
      await stopping;
      const log = (await fixture.knowledge.queryDecisions({})).reverse();
      expect(log.map((d) => [d.reason, d.outcome, d.error?.code])).toEqual([expected, ['work', 'applied', undefined]]);
    }
  });

  it('ends at the grace even when the execution waits on something deaf to the signal (a runbook check)', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    engine.attach(web, definePolicy({
      name: 'checker',
      config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((o) => ({ kind: 'x', inputs: [o] }))),
      plan: () => ({ actions: [{ entity: 'web', effector: 'resize', params: { size: 2 }, check: { entity: 'web', sensor: 'load', op: 'eq', value: 99, withinMs: 600_000 } }], reason: 'resize and wait for load 99' }),
    }), {});
    engine.start();
    web.sensor('load').publish(1);
    await clock.advanceBy(1_000);
    const stopping = engine.stop({ graceMs: 2_000 });
    await clock.advanceBy(2_000);
    await stopping;
    expect((await knowledge.queryDecisions({}))[0]).toMatchObject({ outcome: 'failed', at: 3_000, error: { code: 'E_ENGINE_STOPPED' } });
  });

  it('bounds an execution of a policy that was reconfigured (detached) while it ran', async () => {
    const { clock, web, engine, knowledge, ended } = await slowWork(60_000);
    web.sensor('load').publish(1);
    await clock.advanceBy(1_000);
    engine.reconfigure('web/worker', {}); // the running plan belongs to the old attachment now
    let stopped = false;
    void engine.stop({ graceMs: 1_000 }).then(() => (stopped = true));
    await clock.advanceBy(1_000);
    expect(stopped).toBe(true);
    expect(ended).toEqual(['1 aborted']);
    expect((await knowledge.queryDecisions({}))[0]).toMatchObject({ outcome: 'failed', error: { code: 'E_ENGINE_STOPPED' } });
  });

  it('cancels pending policy restarts and resolves at once when nothing executes', async () => {
    const { clock, web, engine } = await engineFixture();
    engine.attach(web, { ...followLoad, name: 'broken', monitor: () => { throw new Error('no stream'); } }, {});
    engine.attach(web, followLoad, {}, { cooldownMs: 60_000 });
    engine.start();
    web.sensor('load').publish(1);
    await clock.settle();
    expect(engine.policy('web/broken').state).toBe('restarting');
    expect(liveTimers(clock)).toBeGreaterThan(0);
    let stopped = false;
    void engine.stop().then(() => (stopped = true));
    await clock.settle();
    expect(stopped).toBe(true);
    expect(engine.policy('web/broken').state).toBe('stopped');
    expect(liveTimers(clock)).toBe(0);
  });

  it('refuses a grace that is negative or too long for a timer', async () => {
    const { engine } = await engineFixture();
    await expect(engine.stop({ graceMs: -1 })).rejects.toThrow(/graceMs: must be a duration from 0 to 2147483647 ms, got -1/);
    await expect(engine.stop({ graceMs: 30 * 24 * 3_600_000 })).rejects.toThrow(/graceMs/);
  });

  it('takes the deployment-wide grace from DeployOptions.stopGraceMs', async () => {
    const clock = new VirtualClock();
    const host = new SimulationHost();
    const blueprint = await parseBlueprint(`name: grace
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      memberSpec:
        type: sim.server
        config: { bootTime: 10s }
        policies:
          - use: restarter
            config: { failureDelay: 5s, recheckInterval: 30s, maxBackoff: 30s, maxRestarts: 2, window: 5m }
      policies:
        - use: replacer
          config: { startTimeout: 5m }
`, path.join(import.meta.dirname, 'inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock, simulation: host, stopGraceMs: 2_000 });
    deployment.start();
    await clock.advanceBy(20_000);
    host.fail('web');
    for (const e of deployment.tree.get('web').subtree()) if (e.children.length === 0) e.setUp(false);
    await clock.advanceBy(70_000); // web-1 escalates at 85 s; its replacement can never come up (5 min)
    expect(deployment.engine.policy('web/replacer').executor).toBe('executing');
    let stopped = false;
    void deployment.stop().then(() => (stopped = true));
    await clock.advanceBy(2_000);
    expect(stopped).toBe(true);
    const [decision] = await deployment.knowledge.queryDecisions({ policy: 'web/replacer' });
    expect(decision).toMatchObject({ outcome: 'failed', at: 92_000, error: { code: 'E_ENGINE_STOPPED' } });
  });
});

describe('Engine.stopLoops, then stop', () => {
  it('bounds the loops\' executions, goes on recording an API invocation that ends after it, and stop does not stop them twice', async () => {
    const { clock, web, engine, knowledge, ended } = await slowWork(60_000);
    web.sensor('load').publish(1);
    // an invocation of someone else's (a person's, through the API), running beside the loop's
    const byHand = engine.invoker.invoke(web, 'work', { n: 2 }, { caller: { kind: 'person', name: 'ops' } });
    await clock.advanceBy(1_000);
    let loopsStopped = false;
    void engine.stopLoops({ graceMs: 5_000 }).then(() => (loopsStopped = true));
    await clock.advanceBy(5_000);
    expect(loopsStopped).toBe(true);
    expect(ended).toEqual(['1 aborted']);
    // the API's invocation ends after the loops stopped, and is still recorded
    await clock.advanceBy(60_000);
    await byHand;
    // a second stopLoops, and stop, wait on the first (no second grace, no second record)
    let stopped = false;
    void engine.stop({ graceMs: 30_000 }).then(() => (stopped = true));
    await clock.settle();
    expect(stopped).toBe(true);
    await engine.stop();
    expect(ended).toEqual(['1 aborted', '2 done']);
    expect((await knowledge.queryDecisions({})).map((d) => d.outcome)).toEqual(['failed']);
    expect((await knowledge.queryInvocations({})).map((r) => `${r.caller.kind} ${r.outcome}`).sort()).toEqual(['person succeeded', 'policy failed']);
    expect(liveTimers(clock)).toBe(0);
  });

  it('runs the loops again after a start, and stops them again', async () => {
    const { clock, web, engine, knowledge, ended } = await slowWork(1_000);
    await engine.stopLoops({ graceMs: 0 });
    engine.start();
    web.sensor('load').publish(1);
    await clock.advanceBy(1_000);
    await engine.stop({ graceMs: 0 });
    expect(ended).toEqual(['1 done']);
    expect((await knowledge.queryDecisions({}))[0]?.outcome).toBe('applied');
  });
});

describe('Deployment.stop called again', () => {
  it('waits on the first stop: sensors are snapshotted and knowledge closed once', async () => {
    const clock = new VirtualClock();
    const blueprint = await parseBlueprint(`name: twice
application:
  id: app
  children:
    - id: web
      type: sim.server
      config: { bootTime: 0 }
`, path.join(import.meta.dirname, 'inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock, simulation: new SimulationHost() });
    deployment.start();
    await clock.advanceBy(1_000);
    const snapshots: string[] = [];
    const record = deployment.knowledge.recordSnapshot.bind(deployment.knowledge);
    deployment.knowledge.recordSnapshot = (snapshot) => {
      snapshots.push(`${snapshot.entity}.${snapshot.sensor}`);
      record(snapshot);
    };
    await deployment.stopLoops({ graceMs: 0 });
    await Promise.all([deployment.stop(), deployment.stop()]);
    await deployment.stop();
    expect(snapshots.length).toBeGreaterThan(0);
    expect(new Set(snapshots).size).toBe(snapshots.length);
    await expect(deployment.stop({ graceMs: -1 })).resolves.toBeUndefined();
  });

  it('refuses a grace that is negative or too long for a timer, stopping nothing', async () => {
    const blueprint = await parseBlueprint('name: refused\napplication:\n  id: app\n', path.join(import.meta.dirname, 'inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    await expect(deployment.stop({ graceMs: -1 })).rejects.toThrow(/deployment stop graceMs: must be a duration from 0 to 2147483647 ms, got -1/);
    await expect(deployment.stop({ graceMs: 0 })).resolves.toBeUndefined();
  });
});
