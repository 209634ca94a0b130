// Repeated identical decisions not to act are coalesced into one record with a count, while every plan
// still maps to exactly one record and metrics still count every plan.
import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { z } from 'zod';
import type { Decision, NonActionOutcome } from '../../../src/knowledge/decision.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { HomeostatMetrics } from '../../../src/telemetry/metrics.js';
import { engineFixture } from './fixture.js';

/** Asks for the same thing at every reading: `resize(3)`, or nothing (with a non-action outcome). */
const steady = definePolicy({
  name: 'steady',
  config: z.object({ nonAction: z.enum(['no_action', 'blocked', 'refused', 'quota_exceeded']).optional(), reason: z.string().default('keep 3 members') }),
  monitor: ({ entity }) => entity.sensor<number>('load').readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'load', inputs: [o] }))),
  plan: (_symptom, { entity, config }) =>
    config.nonAction
      ? { actions: [], reason: config.reason, nonAction: config.nonAction as NonActionOutcome }
      : { actions: [{ entity: entity.id, effector: 'resize', params: { size: 3 } }], reason: config.reason },
});

const plansIn = (decisions: readonly Decision[]) => decisions.reduce((sum, d) => sum + (d.count ?? 1), 0);

describe('coalescing decisions not to act', () => {
  it('records one skipped_cooldown per run, counting the plans, and every plan once in metrics and on the stream', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    const metrics = new HomeostatMetrics({ engine, tree: engine.tree });
    const emitted: Decision[] = [];
    engine.decisions$.subscribe((d) => emitted.push(d));
    engine.attach(web, steady, {}, { cooldownMs: 60_000 });
    engine.start();
    for (let s = 0; s < 130; s++) {
      web.sensor('load').publish(s);
      await clock.advanceBy(1_000);
    }
    const log = (await knowledge.queryDecisions({ limit: 1_000 })).reverse();
    expect(log.map((d) => [d.outcome, d.count ?? 1, d.at, d.lastAt])).toEqual([
      ['applied', 1, 0, undefined],
      ['skipped_cooldown', 59, 1_000, 59_000],
      ['applied', 1, 60_000, undefined],
      ['skipped_cooldown', 59, 61_000, 119_000],
      ['applied', 1, 120_000, undefined],
      ['skipped_cooldown', 9, 121_000, 129_000],
    ]);
    // the record shows the latest plan's detail
    expect(log[1]?.detail).toBe('cooldown until 60000 (1000 ms left)');
    expect(log[1]?.inputs[0]).toMatchObject({ value: 59, at: 59_000 });
    // every plan once: in the log (by count), on the stream (updates share the record's id), in metrics
    expect(plansIn(log)).toBe(130);
    expect(emitted).toHaveLength(130);
    expect(new Set(emitted.map((d) => d.id)).size).toBe(6);
    const counted = (await metrics.registry.getSingleMetric('homeostat_decisions_total')?.get())?.values ?? [];
    expect(counted.reduce((sum, v) => sum + v.value, 0)).toBe(130);
    expect(counted.find((v) => v.labels['outcome'] === 'skipped_cooldown')?.value).toBe(127);
    expect(await knowledge.getDecision(log[1]?.id ?? '')).toMatchObject({ count: 59 });
  });

  it.each(['no_action', 'blocked', 'refused', 'quota_exceeded'] as const)('coalesces a run of %s', async (nonAction) => {
    const { clock, web, engine, knowledge } = await engineFixture();
    engine.attach(web, steady, { nonAction });
    engine.start();
    for (let s = 0; s < 20; s++) {
      web.sensor('load').publish(s);
      await clock.advanceBy(1_000);
    }
    const log = await knowledge.queryDecisions({});
    expect(log.map((d) => [d.outcome, d.count, d.at, d.lastAt])).toEqual([[nonAction, 20, 0, 19_000]]);
  });

  it('coalesces suspended, rejected_stale and rate_limited runs', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    engine.attach(web, steady, {}, { suspended: true });
    engine.start();
    for (let s = 0; s < 5; s++) {
      web.sensor('load').publish(s);
      await clock.advanceBy(1_000);
    }
    engine.resume('web/steady');
    engine.setBudget({ entity: 'web', maxActions: 1, windowMs: 3_600_000 });
    for (let s = 0; s < 5; s++) {
      web.sensor('load').publish(s);
      await clock.advanceBy(1_000);
    }
    const log = (await knowledge.queryDecisions({})).reverse();
    expect(log.map((d) => [d.outcome, d.count ?? 1])).toEqual([['suspended', 5], ['applied', 1], ['rate_limited', 4]]);
  });

  it('ends a run at any different decision: another reason, another outcome', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    engine.attach(web, steady, { nonAction: 'blocked', reason: 'a' });
    engine.start();
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) {
        web.sensor('load').publish(i);
        await clock.advanceBy(1_000);
      }
    };
    await publish(3);
    engine.reconfigure('web/steady', { nonAction: 'blocked', reason: 'b' });
    await publish(2);
    engine.reconfigure('web/steady', { nonAction: 'refused', reason: 'b' });
    await publish(2);
    const log = (await knowledge.queryDecisions({})).reverse();
    expect(log.map((d) => [d.outcome, d.reason, d.count ?? 1])).toEqual([['blocked', 'a', 3], ['blocked', 'b', 2], ['refused', 'b', 2]]);
  });

  it('never coalesces applied or failed decisions', async () => {
    const { clock, web, engine, knowledge } = await engineFixture({ failResize: true });
    engine.attach(web, steady, {});
    engine.start();
    for (let s = 0; s < 3; s++) {
      web.sensor('load').publish(s);
      await clock.advanceBy(1_000);
    }
    const log = await knowledge.queryDecisions({});
    expect(log.map((d) => [d.outcome, d.count])).toEqual([['failed', undefined], ['failed', undefined], ['failed', undefined]]);
  });

  it('keeps a coalesced record in its place in the log while other policies record after it', async () => {
    const { clock, web, engine, knowledge } = await engineFixture();
    engine.attach(web, steady, { nonAction: 'no_action' }, { id: 'quiet' });
    engine.attach(web, steady, {}, { id: 'busy' });
    engine.start();
    for (let s = 0; s < 3; s++) {
      web.sensor('load').publish(s);
      await clock.advanceBy(1_000);
    }
    const log = (await knowledge.queryDecisions({})).reverse();
    expect(log.map((d) => `${d.policy} ${d.outcome} ${d.count ?? 1}`)).toEqual(['quiet no_action 3', 'busy applied 1', 'busy applied 1', 'busy applied 1']);
    // a time-window query finds the record by any part of its span
    expect(await knowledge.queryDecisions({ policy: 'quiet', from: 1_500 })).toHaveLength(1);
  });
});
