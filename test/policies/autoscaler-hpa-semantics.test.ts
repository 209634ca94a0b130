// The autoscaler run by the engine, in virtual time: several metrics evaluated together once per instant,
// a resize re-checked against the size when it starts, first-sight recommendations and [min, max] clamping.
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

/** A group with cpu (per member, target 0.5) and qps (total, 100 per member); resizes take `resizeMs`. */
function setup(config: Record<string, unknown>, initialSize: number, resizeMs = 0) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const resized: number[] = [];
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('cpu', { staleAfterMs: 120_000 }), numberSensor('qps', { staleAfterMs: 120_000 }), numberSensor('group.size')],
    effectors: [
      defineEffector({
        name: 'resize', params: z.object({ size: z.number().int() }),
        run: async ({ size }, { entity }) => {
          if (resizeMs > 0) await new Promise<void>((resolve) => clock.schedule(() => resolve(), resizeMs));
          resized.push(size);
          entity.sensor('group.size').publish(size);
        },
      }),
    ],
  });
  web.sensor('group.size').publish(initialSize);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  const metrics = [{ sensor: 'cpu', target: 0.5 }, { sensor: 'qps', target: 100, basis: 'total' }];
  engine.attach(web, autoscaler, { metrics, max: 10, ...config });
  engine.start();
  const publish = (sensor: string, v: number) => web.sensor(sensor).publish(v);
  return { clock, knowledge, publish, resized, size: () => web.sensor<number>('group.size').value };
}

describe('autoscaler: HPA semantics in the engine', () => {
  it('evaluates metrics published at one instant together: one resize to the largest ask', async () => {
    const { clock, knowledge, publish, resized } = setup({}, 3);
    publish('cpu', 0.8); // asks ceil(3 x 1.6) = 5
    publish('qps', 400); // asks 4
    await clock.settle();
    expect(resized).toEqual([5]);
    const decisions = await knowledge.queryDecisions({});
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.reason).toContain('largest of cpu -> 5, qps -> 4');
  });

  it("keeps the max over every metric's latest value: a lower ask from another metric later does not shrink", async () => {
    const { clock, publish, size } = setup({ scaleDown: { stabilization: 0 } }, 3);
    publish('cpu', 1.0); // asks 6
    await clock.settle();
    expect(size()).toBe(6);
    await clock.advanceBy(5000);
    publish('qps', 300); // asks 3, but cpu's latest (taken at size 3: demand for 6) still asks 6
    await clock.advanceBy(30_000);
    expect(size()).toBe(6);
  });

  it('re-checks the size when a waiting resize starts: an out-of-date plan is rejected, not run as 5 -> 4', async () => {
    const { clock, knowledge, publish, resized, size } = setup({ scaleDown: { stabilization: 0 } }, 3, 10_000);
    publish('cpu', 0.8); // 3 -> 5, takes 10 s
    await clock.advanceBy(2000);
    publish('cpu', 0.6); // while it runs: 3 -> 4 (planned on size 3)
    await clock.advanceBy(20_000);
    expect(resized).toEqual([5]);
    expect(size()).toBe(5);
    const outcomes = (await knowledge.queryDecisions({})).map((d) => [d.outcome, d.detail ?? '']);
    expect(outcomes).toContainEqual(['rejected_stale', 'changed since the plan was made: web.group.size is 5, the plan expected 3']);
  });

  it('records the current size on first sight: the default 5-minute window blocks an immediate scale-down', async () => {
    const { clock, publish, size } = setup({ metrics: [{ sensor: 'cpu', target: 0.5 }] }, 6);
    publish('cpu', 0.1);
    await clock.settle();
    expect(size()).toBe(6);
    for (let t = 0; t < 9; t++) {
      await clock.advanceBy(30_000);
      publish('cpu', 0.1);
    }
    await clock.settle();
    expect(size()).toBe(6); // t = 270 s: 6 (first sight, t = 0) is still in the window
    await clock.advanceBy(31_000);
    publish('cpu', 0.1);
    await clock.settle();
    expect(size()).toBe(2);
  });

  it('clamps a size outside [min, max] even with no metrics at all', async () => {
    const above = setup({ min: 2, max: 5 }, 8);
    await above.clock.advanceBy(15_000);
    expect(above.size()).toBe(5);
    const below = setup({ min: 3, max: 5 }, 1);
    await below.clock.advanceBy(15_000);
    expect(below.size()).toBe(3);
  });
});
