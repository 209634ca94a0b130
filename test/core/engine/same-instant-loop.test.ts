// A policy with no cooldown whose action makes the reading that asks for it again (a group grown by one, whose
// new size reads as too small again) acted again and again at one instant: in virtual time the clock never
// moved on, and a simulation of such a blueprint (a mutated web-shop.yaml, found by the blueprint fuzz) hung.
// A policy's plans start on one target at most MAX_STARTS_PER_TARGET_AT_INSTANT times an instant; the next is
// rate_limited, and time goes on.
import { asyncScheduler, map, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../../src/core/engine/engine.js';
import { MAX_STARTS_PER_TARGET_AT_INSTANT } from '../../../src/core/engine/starts-at-instant.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { numberSensor } from '../../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/** A group whose `grow` effector adds one to its size at once, and publishes it; `ping` publishes nothing. */
function setup(options: { asynchronous?: boolean; scheduler?: SchedulerLike } = {}) {
  const clock = new VirtualClock();
  const scheduler = options.scheduler ?? clock;
  const tree = new EntityTree(scheduler);
  const knowledge = new Knowledge(new MemoryStore(), scheduler);
  const engine = new Engine({ tree, knowledge, scheduler });
  let size = 1;
  let pings = 0;
  const grow = defineEffector({
    name: 'grow',
    params: z.object({}),
    run: async (_params, { entity }) => {
      if (options.asynchronous) await Promise.resolve();
      size += 1;
      entity.sensor<number>('size').publish(size);
    },
  });
  const ping = defineEffector({ name: 'ping', params: z.object({}), run: () => void (pings += 1) });
  const group = tree.add({ id: 'group', type: 'cluster', sensors: [numberSensor('size'), numberSensor('want')], effectors: [grow, ping] });
  const decisions: Decision[] = [];
  engine.decisions$.subscribe((d) => decisions.push(d));
  return { clock, engine, group, decisions, size: () => size, pings: () => pings };
}

/** Grows the group while its size is under `want` (read now): each growth is a reading that asks again. */
const growToWant = definePolicy({
  name: 'grow-to-want',
  config: z.object({ alsoPing: z.boolean().default(false), pathOnOddSizes: z.boolean().default(false) }),
  monitor: ({ entity }) => entity.sensor<number>('size').readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'size', inputs: [o] }))),
  plan: (_symptom, { entity, config }) => {
    const want = entity.sensor<number>('want').value ?? 0;
    const size = entity.sensor<number>('size').value ?? 0;
    if (size >= want) return undefined;
    // a policy may name its target by path (`/group`) as well as by id: both are one target
    const actions = [{ entity: config.pathOnOddSizes && size % 2 === 1 ? `/${entity.id}` : entity.id, effector: 'grow' }];
    return { actions: config.alsoPing ? [...actions, { entity: entity.id, effector: 'ping' }] : actions, reason: `size ${size} < ${want}` };
  },
});

describe('a policy acting again on its own action at one instant', () => {
  for (const asynchronous of [false, true]) {
    it(`starts on a target at most ${MAX_STARTS_PER_TARGET_AT_INSTANT} times an instant, then is rate_limited, and time goes on (${asynchronous ? 'an asynchronous' : 'a synchronous'} effector)`, async () => {
      const { clock, engine, group, decisions, size } = setup({ asynchronous });
      engine.attach(group, growToWant, {}, { id: 'group/grow', cooldownMs: 0 });
      engine.start();
      group.sensor<number>('want').publish(1_000_000);
      group.sensor<number>('size').publish(1);
      await clock.settle();
      // without the bound this never ends: every growth is a reading that plans another, at the same instant
      await clock.advanceBy(1);
      expect(size()).toBe(1 + MAX_STARTS_PER_TARGET_AT_INSTANT);
      const atStart = decisions.filter((d) => d.at === 0);
      expect(atStart.filter((d) => d.outcome === 'applied')).toHaveLength(MAX_STARTS_PER_TARGET_AT_INSTANT);
      const limited = atStart.filter((d) => d.outcome === 'rate_limited');
      expect(limited).toHaveLength(1);
      expect(limited[0]?.detail).toMatch(new RegExp(`^grow on group was started by ${MAX_STARTS_PER_TARGET_AT_INSTANT} plans of this policy at this instant \\(0\\)`));
      // at a later instant the policy acts on it again (a reading asks), again at most as many times
      group.sensor<number>('size').publish(size());
      await clock.advanceBy(1);
      expect(size()).toBe(1 + 2 * MAX_STARTS_PER_TARGET_AT_INSTANT);
      expect(decisions.filter((d) => d.at === 1 && d.outcome === 'applied')).toHaveLength(MAX_STARTS_PER_TARGET_AT_INSTANT);
      await engine.stop({ graceMs: 0 });
    });
  }

  it('counts a plan once per target, and each target on its own: a plan that also pings is limited by its growth', async () => {
    const { clock, engine, group, decisions, size, pings } = setup();
    engine.attach(group, growToWant, { alsoPing: true }, { id: 'group/grow', cooldownMs: 0 });
    engine.start();
    group.sensor<number>('want').publish(1_000_000);
    group.sensor<number>('size').publish(1);
    await clock.advanceBy(1);
    expect(size()).toBe(1 + MAX_STARTS_PER_TARGET_AT_INSTANT);
    expect(pings()).toBe(MAX_STARTS_PER_TARGET_AT_INSTANT);
    expect(decisions.filter((d) => d.outcome === 'rate_limited')).toHaveLength(1);
    await engine.stop({ graceMs: 0 });
  });

  it('counts a target named by path and by id as one: a policy alternating the two is bounded the same', async () => {
    const { clock, engine, group, decisions, size } = setup();
    engine.attach(group, growToWant, { pathOnOddSizes: true }, { id: 'group/grow', cooldownMs: 0 });
    engine.start();
    group.sensor<number>('want').publish(1_000_000);
    group.sensor<number>('size').publish(1);
    await clock.advanceBy(1);
    // both ways of naming the group were used, and they shared one count
    expect(decisions.some((d) => d.actions[0]?.entity === '/group') && decisions.some((d) => d.actions[0]?.entity === 'group')).toBe(true);
    expect(size()).toBe(1 + MAX_STARTS_PER_TARGET_AT_INSTANT);
    expect(decisions.filter((d) => d.at === 0 && d.outcome === 'rate_limited')).toHaveLength(1);
    await engine.stop({ graceMs: 0 });
  });

  it('keeps no such count in real time (the clock moves on by itself): a policy acts as often as it plans', async () => {
    // a real-time scheduler whose clock reads the same all along, as a fast loop's plans within one millisecond do
    const frozenRealTime: SchedulerLike = { now: () => 1_000, schedule: asyncScheduler.schedule.bind(asyncScheduler) as SchedulerLike['schedule'] };
    const { engine, group, decisions, size } = setup({ scheduler: frozenRealTime });
    const want = 3 * MAX_STARTS_PER_TARGET_AT_INSTANT;
    engine.attach(group, growToWant, {}, { id: 'group/grow', cooldownMs: 0 });
    engine.start();
    group.sensor<number>('want').publish(want);
    group.sensor<number>('size').publish(1);
    // the growth runs in microtasks; turns of the event loop let it finish
    for (let turn = 0; turn < 100 && size() < want; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(size()).toBe(want);
    expect(decisions.map((d) => d.outcome)).toEqual(Array(want - 1).fill('applied'));
    await engine.stop({ graceMs: 0 });
  });

  it('leaves a policy that reaches what it wants within the bound alone: no plan refused', async () => {
    const { clock, engine, group, decisions, size } = setup();
    engine.attach(group, growToWant, {}, { id: 'group/grow', cooldownMs: 0 });
    engine.start();
    group.sensor<number>('want').publish(MAX_STARTS_PER_TARGET_AT_INSTANT + 1);
    group.sensor<number>('size').publish(1);
    await clock.advanceBy(1);
    expect(size()).toBe(MAX_STARTS_PER_TARGET_AT_INSTANT + 1);
    expect(decisions.map((d) => d.outcome)).toEqual(Array(MAX_STARTS_PER_TARGET_AT_INSTANT).fill('applied'));
    await engine.stop({ graceMs: 0 });
  });
});
