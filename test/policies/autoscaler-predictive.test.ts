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
