import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

async function setup(config: Record<string, unknown>, initialSize = 2) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('cpu.mean', { staleAfterMs: 120_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), idempotent: true, run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
  });
  web.sensor('group.size').publish(initialSize);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, autoscaler, { metric: 'cpu.mean', target: 0.5, max: 10, ...config });
  engine.start();
  const cpu = (v: number) => web.sensor('cpu.mean').publish(v);
  const size = () => web.sensor<number>('group.size').value;
  return { clock, web, knowledge, engine, cpu, size };
}

describe('autoscaler', () => {
  it('scales up at once to ceil(current x metric / target), with a reason', async () => {
    const { clock, knowledge, cpu, size } = await setup({});
    cpu(0.9);
    await clock.settle();
    expect(size()).toBe(4); // ceil(2 * 0.9 / 0.5) = 4
    const [d] = await knowledge.queryDecisions({});
    expect(d?.reason).toBe('cpu.mean is 0.9 against a target of 0.5 per member: resize 2 -> 4');
    expect(d?.inputs.map((i) => i.sensor)).toEqual(['cpu.mean', 'group.size']);
  });

  it('does nothing inside the tolerance band', async () => {
    const { clock, knowledge, cpu, size } = await setup({ tolerance: 0.1 });
    cpu(0.54);
    cpu(0.46);
    await clock.settle();
    expect(size()).toBe(2);
    expect(await knowledge.queryDecisions({})).toEqual([]);
  });

  it('scales down only when every recommendation in the stabilization window agrees', async () => {
    const { clock, cpu, size } = await setup({ scaleDown: { stabilization: '5m' } }, 6);
    cpu(0.5); // on target: recommendation 6
    await clock.advanceBy(60_000);
    cpu(0.1); // recommendation 2, but 6 is still in the window
    await clock.settle();
    expect(size()).toBe(6);
    await clock.advanceBy(240_000); // t = 300 s: the recommendation 6 made at 0 is exactly at the window edge
    cpu(0.1);
    await clock.settle();
    expect(size()).toBe(6);
    await clock.advanceBy(1);
    cpu(0.1);
    await clock.settle();
    expect(size()).toBe(2);
  });

  it('respects min and max', async () => {
    const { clock, cpu, size } = await setup({ min: 2, max: 3, scaleDown: { stabilization: 0 } });
    cpu(5);
    await clock.settle();
    expect(size()).toBe(3);
    cpu(0.01);
    await clock.settle();
    expect(size()).toBe(2);
  });

  it('does not act on a stale metric: it holds, and says why', async () => {
    const { clock, web, size, knowledge } = await setup({ scaleDown: { stabilization: 0 } }, 4);
    await clock.advanceBy(200_000);
    web.sensor('cpu.mean').publishAt(0.1, 0); // a reading delivered late: older than its 120 s bound
    await clock.settle();
    expect(size()).toBe(4);
    // no cpu reading at all: the 15 s evaluations notice, hold, and after 3 apply the (default) hold fallback
    const decisions = (await knowledge.queryDecisions({})).reverse();
    expect(decisions.map((d) => [d.at, d.outcome, d.actions.length, d.reason])).toEqual([
      [15_000, 'no_action', 0, 'cpu.mean is missing or stale: holding at 4 (never scale down on data the loop does not have)'],
      [45_000, 'no_action', 0, "cpu.mean is missing or stale for 3 evaluations: fallback 'hold' -> 4"],
    ]);
  });

  it('uses each metric reading once: a resize does not re-trigger on the old reading', async () => {
    const { clock, cpu, size, knowledge } = await setup({});
    cpu(0.9);
    await clock.advanceBy(60_000);
    expect(size()).toBe(4);
    expect(await knowledge.queryDecisions({})).toHaveLength(1);
  });

  it('refuses min above max', async () => {
    await expect(setup({ min: 5, max: 3 })).rejects.toThrow(/min must not exceed max/);
  });
});

describe('autoscaler warm-up', () => {
  it('does not count members that are still booting as capacity on scale-up', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('cpu.mean'), numberSensor('group.size'), numberSensor('ready')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
    });
    web.sensor('group.size').publish(2);
    web.sensor('ready').publish(2);
    const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
    engine.attach(web, autoscaler, { metric: 'cpu.mean', target: 0.5, max: 10, readySensor: 'ready' });
    engine.start();
    web.sensor('cpu.mean').publish(1.0);
    await clock.settle();
    expect(web.sensor('group.size').value).toBe(4);
    // the two new members boot; the old two still carry all the load
    web.sensor('cpu.mean').publish(1.0);
    await clock.settle();
    expect(web.sensor('group.size').value).toBe(4); // without warm-up: ceil(4 x 2) = 8
    web.sensor('ready').publish(4);
    web.sensor('cpu.mean').publish(0.75);
    await clock.settle();
    expect(web.sensor('group.size').value).toBe(6);
  });
});
