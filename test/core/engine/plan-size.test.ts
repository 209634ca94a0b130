import { z } from 'zod';
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../../src/core/engine/policy-contract.js';
import { MAX_PLAN_ACTIONS } from '../../../src/core/limits.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { engineFixture } from './fixture.js';

/** A policy whose every plan is `count` resizes of its entity, one after the other. */
function manyResizes(count: number) {
  return definePolicy({
    name: 'many-resizes',
    config: z.object({}),
    monitor: ({ entity }) => entity.sensor<number>('load').readings$,
    analyze: (source) => source.pipe(map((o) => ({ kind: 'load', inputs: [o] }))),
    plan: (_symptom, { entity }) => ({
      actions: Array.from({ length: count }, (_, i) => ({ entity: entity.id, effector: 'resize', params: { size: i } })),
      reason: `${count} resizes`,
    }),
  });
}

describe('the size of a plan', () => {
  it(`refuses more than ${MAX_PLAN_ACTIONS} actions as a contract fault that says so`, () => {
    const actions = Array.from({ length: MAX_PLAN_ACTIONS + 1 }, () => ({ entity: 'web', effector: 'resize' }));
    expect(() => checkPlan({ actions, reason: 'too many' })).toThrow(`plan() returned an invalid plan (an object): actions: a plan has at most ${MAX_PLAN_ACTIONS} actions, got ${MAX_PLAN_ACTIONS + 1}`);
    expect(checkPlan({ actions: actions.slice(1), reason: 'as many as allowed' })?.actions).toHaveLength(MAX_PLAN_ACTIONS);
  });

  // each step of a sequential plan looked through every action and, for each, through the list of actions
  // done: 1,000 actions took 5 s, 4,000 took 2 min and 100,000 blocked the event loop (a stop was never heard).
  // The check is how the time grows, measured in one run (a bound in seconds fails on a loaded machine): eight
  // times the actions take about eight times as long when each step costs the same, sixty-four when it is quadratic.
  it('runs a sequential plan in time that grows with its length, not with its square', { timeout: 60_000 }, async () => {
    const run = async (count: number): Promise<number> => {
      const { clock, web, engine, knowledge, sizes } = await engineFixture();
      engine.attach(web, manyResizes(count), {});
      engine.start();
      const started = performance.now();
      web.sensor('load').publish(1);
      await clock.advanceBy(1_000);
      const elapsed = performance.now() - started;
      expect(sizes).toHaveLength(count);
      expect(sizes.slice(0, 3)).toEqual([0, 1, 2]);
      expect((await knowledge.queryDecisions({}))[0]?.outcome).toBe('applied');
      await engine.stop({ graceMs: 0 });
      return elapsed;
    };
    await run(500); // warms the code up
    const short = Math.min(await run(500), await run(500), await run(500));
    const long = await run(4_000);
    expect(long / short).toBeLessThan(24);
    // (before: 1,000 actions 74 ms, 2,000 260 ms, 4,000 1,139 ms, 8,000 4,064 ms: every round scanned every waiting action)
  });
});
