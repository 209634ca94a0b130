// The forecast-driven release reads the demand forecast over the horizon from now, and never below the
// demand reading now: a demand reading older than the evaluation, or above the forecast's smoothed level.
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

/**
 * 6 members under the autoscaler: a reactive `load` metric asking for 1 member, and the demand `rate`
 * forecast on 10 per member (its floor never acts: confidence 100). `rates` are published one a minute from
 * 0 s, the load at 0 s and again at `evaluateAt` (an evaluation with the demand reading that old).
 */
async function releaseAt(rates: readonly number[], evaluateAt: number, predictive: Record<string, unknown> = {}): Promise<{ size: number | undefined; reasons: string[] }> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('rate', { staleAfterMs: 600_000 }), numberSensor('load', { staleAfterMs: 600_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
  });
  web.sensor('group.size').publish(6);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, autoscaler, { metric: 'load', target: 1, basis: 'total', max: 10, evaluationInterval: '60s', scaleDown: { stabilization: '600s' }, predictive: { sensor: 'rate', target: 10, horizon: '180s', alpha: 1, beta: 1, margin: 0, confidence: 100, release: { margin: 0 }, ...predictive } });
  engine.start();
  web.sensor('load').publish(1);
  for (const [i, rate] of rates.entries()) {
    await clock.advanceBy(i * 60_000 - clock.now());
    web.sensor('rate').publish(rate);
  }
  await clock.advanceBy(evaluateAt - clock.now());
  web.sensor('load').publish(1);
  await clock.advanceBy(1);
  const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
  return { size: web.sensor<number>('group.size').value, reasons };
}

describe('autoscaler: forecast-driven release over the horizon from now', () => {
  it('sizes the forecast at now + horizon, not at the demand reading + horizon', async () => {
    // +5 a minute, fitted exactly (alpha = beta = 1, no error): 180 s after the reading at 180 s it is 50
    // (5 members), but 180 s after now (230 s) it is 54.2: 6 members are needed within the horizon
    const atReading = await releaseAt([20, 25, 30, 35], 180_000);
    expect(atReading.size).toBe(5);
    const later = await releaseAt([20, 25, 30, 35], 230_000);
    expect(later.reasons.join('\n')).not.toMatch(/released/);
    expect(later.size).toBe(6);
  });

  it('never releases below what the demand reading now needs, however far the smoothed level lags it', async () => {
    // falling, then a jump to 55: the smoothed level is 40.7 and the forecast falls, but 55 needs 6 now
    const jump = await releaseAt([60, 50, 40, 30, 55], 240_000, { alpha: 0.5, beta: 0.3 });
    expect(jump.reasons.join('\n')).not.toMatch(/released/);
    expect(jump.size).toBe(6);
    // without the jump the same fit lets one go (the test can tell a release from none)
    const fall = await releaseAt([60, 50, 40, 30, 20], 240_000, { alpha: 0.5, beta: 0.3 });
    expect(fall.size).toBeLessThan(6);
  });
});
