import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { defineSensor, numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A group of 1 (at most 3) whose per-member utilization follows a demand, one 60 s period at a time. */
function setup(urgency: Record<string, unknown> = { sensor: 'rt', above: 0.75 }) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [...['cpu', 'rt', 'rate'].map((n) => numberSensor(n, { staleAfterMs: 150_000 })), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
  });
  web.sensor('group.size').publish(1);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, autoscaler, {
    metrics: [{ sensor: 'cpu', target: 0.8 }],
    urgency,
    max: 3, evaluationInterval: '5s', scaleUp: { stabilization: '1m' }, scaleDown: { stabilization: 0 },
  });
  engine.start();
  /**
   * One period: the response time and the arrival rate (20 per unit of demand) first, then the demand spread
   * over the current size; the size after it.
   */
  const period = async (demand: number, rt: number): Promise<number> => {
    const size = web.sensor<number>('group.size').value as number;
    web.sensor('rt').publish(rt);
    web.sensor('rate').publish(20 * demand);
    web.sensor('cpu').publish(Math.min(1, demand / size));
    await clock.advanceBy(60_000);
    return web.sensor<number>('group.size').value as number;
  };
  return { engine, knowledge, period, web, clock };
}

describe('autoscaler: burst filtering with urgency', () => {
  it('lets a one-minute burst served in time pass, adds members for one that lasts, and at once while too slow', async () => {
    const { engine, knowledge, period } = setup();
    expect(await period(0.5, 0.06)).toBe(1);
    // a burst: 0.95 asks for 2, but the response time (0.6 s) is still under 0.75 s: the window holds
    expect(await period(0.95, 0.6)).toBe(1);
    expect(await period(0.5, 0.06)).toBe(1); // it passed: no member was added for it
    // busy two periods running: the window's lowest ask is now 2
    expect(await period(0.95, 0.5)).toBe(1);
    expect(await period(0.95, 0.5)).toBe(2);
    expect(await period(0.9, 0.1)).toBe(2);
    // overloaded (2.5 s): 3 at once, without waiting for the window
    expect(await period(2, 2.5)).toBe(3);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
    expect(reasons.find((r) => r.includes('resize 2 -> 3'))).toMatch(/rt 2\.5 > 0\.75: scale-up stabilization window skipped/);
    expect(reasons.find((r) => r.includes('resize 1 -> 2'))).not.toMatch(/skipped/);
    await engine.stop();
  });

  it('with rise, adds members at once for load that grew gradually and filters a jump from a low reading', async () => {
    const { engine, knowledge, period } = setup({ sensor: 'rt', above: 0.75, rise: { sensor: 'rate', atMost: 1.5 } });
    expect(await period(0.4, 0.06)).toBe(1);
    // a jump: the rate went from 8 to 19 (x 2.4), served in time: the window holds
    expect(await period(0.95, 0.6)).toBe(1);
    expect(await period(0.4, 0.06)).toBe(1);
    expect(await period(0.6, 0.1)).toBe(1); // 12 after 8: a rise, but 0.6 asks for no more
    expect(await period(0.8, 0.2)).toBe(1); // 16 after 12: nor does 0.8
    // 19 after 16 (x 1.19): a rise, and 0.95 asks for 2: at once
    expect(await period(0.95, 0.3)).toBe(2);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
    expect(reasons.find((r) => r.includes('resize 1 -> 2'))).toMatch(/rate 19 rose gradually \(at most 1\.5 x the previous 16\): scale-up stabilization window skipped/);
    await engine.stop();
  });

  it('refuses a rise ratio of 1 or less, naming the field, and asks for its sensor', () => {
    const base = { metric: 'cpu', target: 0.8, max: 3, scaleUp: { stabilization: '1m' } };
    const issues = autoscaler.config.safeParse({ ...base, urgency: { sensor: 'rt', above: 0.75, rise: { sensor: 'rate', atMost: 1 } } }).error?.issues.map((i) => i.path.join('.'));
    expect(issues).toEqual(['urgency.rise.atMost']);
    const parsed = autoscaler.config.parse({ ...base, urgency: { sensor: 'rt', above: 0.75, rise: { sensor: 'rate', atMost: 1.5 } } });
    expect(autoscaler.requires?.(parsed).find((r) => r.sensor === 'rate')?.configPath).toEqual(['urgency', 'rise', 'sensor']);
  });

  it('refuses urgency without a scale-up window, and asks for its sensor', () => {
    expect(() => autoscaler.config.parse({ metric: 'cpu', target: 0.8, max: 3, urgency: { sensor: 'rt', above: 0.75 } })).toThrow(/urgency skips the scale-up stabilization window: give scaleUp\.stabilization/);
    const parsed = autoscaler.config.parse({ metric: 'cpu', target: 0.8, max: 3, urgency: { sensor: 'rt', above: 0.75 }, scaleUp: { stabilization: '1m' } });
    expect(autoscaler.requires?.(parsed).find((r) => r.sensor === 'rt')?.configPath).toEqual(['urgency', 'sensor']);
  });

  it('with rise, a first reading, one after a zero or negative one, or a fall is not a gradual rise: the window holds', async () => {
    const { engine, knowledge, web, clock } = setup({ sensor: 'rt', above: 0.75, rise: { sensor: 'rate', atMost: 1.5 } });
    /** A busy 10 s (cpu 0.95 asks for 2, served in time) with this arrival rate; the size after it. */
    const busy = async (rate: number): Promise<number> => {
      web.sensor('rt').publish(0.3);
      web.sensor('rate').publish(rate);
      web.sensor('cpu').publish(0.95);
      await clock.advanceBy(10_000);
      return web.sensor<number>('group.size').value as number;
    };
    expect(await busy(19)).toBe(1); // the first rate ever: nothing to compare with
    expect(await busy(0)).toBe(1); // a fall to 0
    expect(await busy(0.5)).toBe(1); // after 0: no ratio
    expect(await busy(-1)).toBe(1); // a fall below 0
    expect(await busy(0.5)).toBe(1); // after a negative reading: no ratio
    expect(await busy(0.4)).toBe(1); // a fall
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
    expect(reasons).toEqual([]);
    expect(await busy(0.45)).toBe(2); // 0.45 after 0.4 (x 1.125): a gradual rise, at once
    expect((await knowledge.queryDecisions({}))[0]?.reason).toMatch(/rate 0\.45 rose gradually \(at most 1\.5 x the previous 0\.4\)/);
    await engine.stop();
  });

  it('a non-numeric urgency or rise reading makes nothing urgent (a string is not compared), and the window holds', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const loose = (name: string) => defineSensor<unknown>({ name, schema: z.unknown(), staleAfterMs: 150_000 });
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('cpu', { staleAfterMs: 150_000 }), loose('rt'), loose('rate'), numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
    });
    web.sensor('group.size').publish(1);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metrics: [{ sensor: 'cpu', target: 0.8 }], urgency: { sensor: 'rt', above: 0.75, rise: { sensor: 'rate', atMost: 1.5 } }, max: 3, evaluationInterval: '5s', scaleUp: { stabilization: '1m' }, scaleDown: { stabilization: 0 } });
    engine.start();
    for (const [rt, rate] of [['5', '10'], [Number.NaN, '12'], ['9', Number.POSITIVE_INFINITY]] as const) {
      web.sensor('rt').publish(rt);
      web.sensor('rate').publish(rate);
      web.sensor('cpu').publish(0.95);
      await clock.advanceBy(10_000);
      expect(web.sensor<number>('group.size').value).toBe(1);
    }
    await engine.stop();
  });
});

