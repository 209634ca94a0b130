import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { holtForecast, holtUpdate, readHolt, type HoltState } from '../../src/planners/holt-forecast.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('Holt forecast', () => {
  it('learns a linear trend online and forecasts it ahead, with its error', () => {
    let s: HoltState | undefined;
    for (let i = 0; i < 20; i++) s = holtUpdate(s, 10 + 2 * i, i * 60_000, { alpha: 0.5, beta: 0.3 });
    // last reading 48 at 19 min; 3 minutes ahead a perfect trend gives 54
    expect(holtForecast(s, 180_000)).toBeCloseTo(54, 0);
    expect(s?.error).toBeLessThan(0.5);
    expect(readHolt(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(readHolt({ level: 'x' })).toBeUndefined();
    expect(holtForecast(holtUpdate(undefined, 5, 0, { alpha: 0.5, beta: 0.3 }), 60_000)).toBeUndefined();
  });

  it('never forecasts negative demand', () => {
    let s: HoltState | undefined;
    for (let i = 0; i < 10; i++) s = holtUpdate(s, 50 - 5 * i, i * 60_000, { alpha: 0.8, beta: 0.5 });
    expect(holtForecast(s, 3_600_000)).toBe(0);
  });
});

describe('autoscaler: predictive floor', () => {
  it('scales ahead of a rising demand, never below the reactive ask, and says the forecast and its error', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
    });
    web.sensor('group.size').publish(2);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    const config = { metric: 'rate', target: 10, basis: 'total', max: 20, evaluationInterval: '60s', predictive: { sensor: 'rate', target: 10, horizon: '180s', margin: 0 } };
    engine.attach(web, autoscaler, config);
    engine.start();
    // demand grows by 4/s each minute: 12, 16, 20, 24
    for (const rate of [12, 16, 20, 24]) {
      web.sensor('rate').publish(rate);
      await clock.advanceBy(60_000);
    }
    const size = web.sensor<number>('group.size').value;
    // reactive alone asks ceil(24 / 10) = 3; the forecast 3 minutes ahead is about 36 -> 4
    expect(size).toBeGreaterThanOrEqual(4);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s asks for \d+/);
  });

  it('without its own target, sizes the forecast growth with the reactive targets (utilization grows with demand)', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('cpu', { staleAfterMs: 180_000 }), numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
    });
    web.sensor('group.size').publish(4);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metric: 'cpu', target: 0.8, max: 20, evaluationInterval: '60s', predictive: { sensor: 'rate', horizon: '120s', margin: 0 } });
    engine.start();
    // demand grows by 12/s a minute on 4 members; cpu follows (0.01 per request/s per member)
    for (const rate of [60, 72, 84]) {
      web.sensor('rate').publish(rate);
      web.sensor('cpu').publish(rate / 100);
      await clock.advanceBy(60_000);
    }
    // reactive alone: 4 x 0.84 / 0.8 = 4.2, inside the tolerance -> 4; Holt's forecast 2 minutes ahead is
    // 93.6 (x1.11), so cpu about 0.94 on 4 members: 4 x 0.94 / 0.8 = 4.7 -> 5
    expect(web.sensor<number>('group.size').value).toBe(5);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/resize 4 -> 5; rate forecast 93\.6 \+\/- 12 in 120 s \(x1\.11 the 84 now\) -> 5/);
  });

  it('is off unless configured, and names its sensor as a requirement', () => {
    const parsed = autoscaler.config.parse({ metric: 'cpu', target: 0.5, max: 4, predictive: { sensor: 'rate', target: 10, horizon: '2m' } });
    expect(parsed.predictive?.horizon).toBe(120_000);
    expect(autoscaler.requires?.(parsed).map((r) => r.sensor)).toContain('rate');
    expect(() => autoscaler.config.parse({ metric: 'cpu', target: 0.5, max: 4, predictive: { sensor: 'rate', target: 0, horizon: '2m' } })).toThrow();
  });
});

describe('Holt forecast with a damped trend', () => {
  it('levels off: the trend counts phi + phi^2 + ... + phi^h over h steps, so a jump is not extrapolated forever', () => {
    let linear: HoltState | undefined;
    let damped: HoltState | undefined;
    // a step from 10 to 55 (a flash crowd's arrival), then flat
    for (const [i, v] of [10, 10, 10, 55, 55].entries()) {
      linear = holtUpdate(linear, v, i * 60_000, { alpha: 0.5, beta: 0.3 });
      damped = holtUpdate(damped, v, i * 60_000, { alpha: 0.5, beta: 0.3, damping: 0.5 });
    }
    const l = linear as HoltState;
    const d = damped as HoltState;
    // 4 steps ahead: linear adds 4 trends, damped 0.5 + 0.25 + 0.125 + 0.0625 = 0.9375 of one
    expect(holtForecast(l, 240_000)).toBeCloseTo(l.level + 4 * l.trend, 6);
    expect(holtForecast(d, 240_000, 0.5)).toBeCloseTo(d.level + 0.9375 * d.trend, 6);
    // however far ahead, the damped forecast stays below level + trend x phi / (1 - phi)
    expect(holtForecast(d, 3_600_000, 0.5) as number).toBeLessThanOrEqual(d.level + d.trend + 1e-9);
    expect(holtForecast(l, 3_600_000) as number).toBeGreaterThan(d.level + 10 * d.trend);
  });

  it('with damping 1 is Holt linear', () => {
    let a: HoltState | undefined;
    let b: HoltState | undefined;
    for (let i = 0; i < 8; i++) {
      a = holtUpdate(a, 5 + 3 * i + (i % 2), i * 60_000, { alpha: 0.5, beta: 0.3 });
      b = holtUpdate(b, 5 + 3 * i + (i % 2), i * 60_000, { alpha: 0.5, beta: 0.3, damping: 1 });
    }
    expect(b).toEqual(a);
    expect(holtForecast(b, 180_000, 1)).toBe(holtForecast(a, 180_000));
  });

  it('after a jump a damped forecast does not over-ask where a linear one does, and never goes below the reactive ask', async () => {
    const sizes: number[] = [];
    for (const damping of [1, 0.5]) {
      const clock = new VirtualClock();
      const tree = new EntityTree(clock);
      const web = tree.add({
        id: 'web', type: 'cluster',
        sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('group.size')],
        effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
      });
      web.sensor('group.size').publish(1);
      const knowledge = new Knowledge(new MemoryStore(), clock);
      const engine = new Engine({ tree, knowledge, scheduler: clock });
      engine.attach(web, autoscaler, { metric: 'rate', target: 10, basis: 'total', max: 50, evaluationInterval: '60s', predictive: { sensor: 'rate', target: 10, horizon: '600s', margin: 0, damping } });
      engine.start();
      for (const rate of [10, 10, 30]) {
        web.sensor('rate').publish(rate);
        await clock.advanceBy(60_000);
      }
      sizes.push(web.sensor<number>('group.size').value as number);
      const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
      // linear: the forecast leads and is cited; damped: it stays under the reactive ask, which stands
      if (damping === 1) expect(reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 600 s asks for \d+/);
      else expect(reasons).not.toMatch(/forecast/);
      await engine.stop();
    }
    const [linear, damped] = sizes as [number, number];
    // reactive alone asks 3; linear extrapolates 10 steps of the jump's trend, damped levels off
    expect(damped).toBe(3);
    expect(linear).toBeGreaterThan(3);
  });
});
