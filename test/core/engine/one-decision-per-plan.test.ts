// Every plan gets exactly one Decision: through coalescing, per-target supersession, suspension, cooldowns,
// failures and a stop with a grace, over random schedules (seeded, so a failure can be replayed).
import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { z } from 'zod';
import { sleep } from '../../../src/core/time.js';
import { seededRandom } from '../../../src/drivers/seeded-random.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import { definePolicy, type Plan } from '../../../src/policies/define-policy.js';
import { engineFixture } from './fixture.js';

async function run(seed: number) {
  const random = seededRandom(seed);
  const { clock, web, engine, knowledge, tree } = await engineFixture();
  for (const id of ['a', 'b', 'c']) tree.add({ id, type: 'entity' }, web);
  web.addEffector(defineEffector({
    name: 'work',
    params: z.object({ ms: z.number(), fail: z.boolean() }),
    run: async ({ ms, fail }, { scheduler, signal }) => {
      await sleep(scheduler, ms, signal);
      if (fail) throw new Error('work failed');
    },
  }));
  let plans = 0;
  const choices: Array<() => Plan | undefined> = [
    () => undefined,
    () => ({ actions: [], reason: 'nothing to do' }),
    () => ({ actions: [], reason: 'blocked by a guard', nonAction: 'blocked' }),
    () => ({ actions: [{ entity: 'web', effector: 'work', params: { ms: Math.floor(random() * 20_000), fail: random() < 0.2 } }], targets: [['a', 'b', 'c', 'web'][Math.floor(random() * 4)] as string], reason: 'work' }),
    () => ({ actions: [{ entity: 'web', effector: 'work', params: { ms: 1_000, fail: false } }], reason: 'quick', cooldown: { key: 'quick', ms: 30_000 } }),
  ];
  const policy = definePolicy({
    name: 'random',
    config: z.object({}),
    monitor: ({ entity }) => entity.sensor<number>('load').readings$,
    analyze: (source) => source.pipe(map((o) => ({ kind: 'tick', inputs: [o] }))),
    plan: () => {
      const plan = (choices[Math.floor(random() * choices.length)] as () => Plan | undefined)();
      if (plan) plans++;
      return plan;
    },
  });
  const emitted: Decision[] = [];
  engine.decisions$.subscribe((d) => emitted.push(d));
  engine.attach(web, policy, {}, { cooldownMs: random() < 0.5 ? 0 : 15_000 });
  engine.start();
  for (let step = 0; step < 200; step++) {
    const roll = random();
    if (roll < 0.05) engine.suspend('web/random', 'maintenance');
    else if (roll < 0.1) engine.resume('web/random');
    else web.sensor('load').publish(step);
    await clock.advanceBy(Math.floor(random() * 5_000));
  }
  const stopping = engine.stop({ graceMs: Math.floor(random() * 10_000) });
  await clock.advanceBy(10_000);
  await stopping;
  const log = await knowledge.queryDecisions({ limit: 10_000 });
  return { plans, emitted, log };
}

describe('one decision per plan', () => {
  it('holds over random schedules: the log sums to the plans, the stream emits once per plan', async () => {
    const coalesced = new Set<string>();
    const seen = new Set<string>();
    for (let seed = 1; seed <= 25; seed++) {
      const { plans, emitted, log } = await run(seed);
      expect(log.reduce((sum, d) => sum + (d.count ?? 1), 0), `seed ${seed}`).toBe(plans);
      expect(emitted, `seed ${seed}`).toHaveLength(plans);
      // the stored record is the latest emission of its id
      const latest = new Map(emitted.map((d) => [d.id, d]));
      for (const d of log) expect(d, `seed ${seed}`).toEqual(latest.get(d.id));
      for (const d of log) if ((d.count ?? 1) > 1) coalesced.add(d.outcome);
      for (const d of log) seen.add(d.error?.code === 'E_ENGINE_STOPPED' ? 'stopped' : d.outcome);
    }
    // the schedules did exercise coalescing, supersession, suspension, cooldowns, failures and the stop
    expect(coalesced.size).toBeGreaterThan(2);
    expect([...seen].sort()).toEqual(expect.arrayContaining(['applied', 'blocked', 'failed', 'no_action', 'skipped_cooldown', 'stopped', 'superseded', 'suspended']));
  });
});
