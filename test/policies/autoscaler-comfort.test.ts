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

/** A group whose per-member utilization follows a fixed demand (in members' worth of work) and its size. */
function setup() {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('cpu', { staleAfterMs: 180_000 }), numberSensor('rt', { staleAfterMs: 180_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
  });
  web.sensor('group.size').publish(3);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, autoscaler, {
    metrics: [{ sensor: 'cpu', target: 0.8, relaxedTarget: 1 }],
    comfort: { sensor: 'rt', enter: 0.2, leave: 0.5 },
    max: 3, evaluationInterval: '60s', scaleDown: { stabilization: 0 },
  });
  engine.start();
  /** One period: the demand spread over the current size, with the response time it had. */
  const period = async (demand: number, rt: number): Promise<number> => {
    const size = web.sensor<number>('group.size').value as number;
    web.sensor('rt').publish(rt);
    web.sensor('cpu').publish(demand / size);
    await clock.advanceBy(60_000);
    return web.sensor<number>('group.size').value as number;
  };
  return { engine, knowledge, period };
}

describe('autoscaler: response-time comfort band', () => {
  it('scales down at a higher utilization while the response time is comfortable, holds inside the band, and scales up once it leaves', async () => {
    const { engine, knowledge, period } = setup();
    // 3 members at 0.6 (1.8 members of work): at target 0.8 that is ceil(2.25) = 3, but at 0.05 s the
    // relaxed target 1 applies: ceil(1.8) = 2
    expect(await period(1.8, 0.05)).toBe(2);
    // 2 members at 0.9 and 0.3 s: inside the band, still comfortable: no flap back to 3
    expect(await period(1.8, 0.3)).toBe(2);
    expect(await period(1.8, 0.45)).toBe(2);
    // 0.6 s is above leave: the normal target 0.8 applies again: ceil(2 x 0.9 / 0.8) = 3
    expect(await period(1.8, 0.6)).toBe(3);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
    expect(reasons.find((r) => r.includes('resize 3 -> 2'))).toMatch(/against a target of 1 per member.*rt 0\.05 comfortable/);
    expect(reasons.find((r) => r.includes('resize 2 -> 3'))).toMatch(/against a target of 0\.8 per member/);
    await engine.stop();
  });

  it('without a comfortable reading, keeps the normal targets', async () => {
    const { engine, period } = setup();
    // 0.3 s is inside the band but the band was never entered
    expect(await period(1.8, 0.3)).toBe(3);
    await engine.stop();
  });

  it('refuses a relaxed target without a comfort band, or below the target, and a band whose leave is below enter', () => {
    expect(() => autoscaler.config.parse({ metrics: [{ sensor: 'cpu', target: 0.8, relaxedTarget: 1 }], max: 3 })).toThrow(/relaxedTarget needs 'comfort'/);
    expect(() => autoscaler.config.parse({ metrics: [{ sensor: 'cpu', target: 0.8, relaxedTarget: 0.7 }], comfort: { sensor: 'rt', enter: 0.2, leave: 0.5 }, max: 3 })).toThrow(/below target/);
    expect(() => autoscaler.config.parse({ metrics: [{ sensor: 'cpu', target: 0.8 }], comfort: { sensor: 'rt', enter: 0.5, leave: 0.2 }, max: 3 })).toThrow(/leave must be at least enter/);
    const parsed = autoscaler.config.parse({ metrics: [{ sensor: 'cpu', target: 0.8, relaxedTarget: 1 }], comfort: { sensor: 'rt', enter: 0.2, leave: 0.5 }, max: 3 });
    expect(autoscaler.requires?.(parsed).map((r) => r.sensor)).toContain('rt');
  });
});

describe('autoscaler: a resize preempted by another plan', () => {
  it('is planned again at the next evaluation on the same readings, not only on the next reading', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    let release: () => void = () => undefined;
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('cpu', { staleAfterMs: 180_000 }), numberSensor('group.size')],
      effectors: [
        defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } }),
        // another plan on the group (a dimmer step): holds it until released
        defineEffector({ name: 'dim', params: z.object({}), run: () => new Promise<void>((resolve) => { release = resolve; }) }),
      ],
    });
    web.sensor('group.size').publish(2);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metric: 'cpu', target: 0.5, max: 4, evaluationInterval: '5s' });
    engine.start();
    const held = engine.invokeHeld(web, 'dim', {}, { caller: { kind: 'person', name: 'test' } });
    web.sensor('cpu').publish(0.9); // asks ceil(2 x 0.9 / 0.5) = 4 while the group is held
    await clock.advanceBy(1_000);
    expect(web.sensor<number>('group.size').value).toBe(2);
    release();
    await held;
    // no new reading: the next 5 s evaluation plans again
    await clock.advanceBy(5_000);
    expect(web.sensor<number>('group.size').value).toBe(4);
    const outcomes = (await knowledge.queryDecisions({})).map((d) => d.outcome);
    expect(outcomes).toEqual(expect.arrayContaining(['preempted', 'applied']));
    await engine.stop();
  });
});
