// The predictive floor forecasts the demand `horizon` after now, not after the demand reading: an evaluation
// triggered later (by another metric or the evaluation interval) looks as far ahead of now as one triggered
// by the demand reading itself.
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
 * 2 members under the autoscaler: a reactive `load` metric asking for 2, and the demand `rate` forecast on 10
 * per member, fitted exactly (alpha = beta = 1). `rates` are published one a minute from 0 s, the load at 0 s
 * and again at `evaluateAt`; the size after that evaluation and the reasons.
 */
async function floorAt(rates: readonly number[], evaluateAt: number): Promise<{ size: number | undefined; reasons: string[] }> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('rate', { staleAfterMs: 600_000 }), numberSensor('load', { staleAfterMs: 600_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
  });
  web.sensor('group.size').publish(2);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, autoscaler, { metric: 'load', target: 1, basis: 'total', max: 10, evaluationInterval: '60s', predictive: { sensor: 'rate', target: 10, horizon: '180s', alpha: 1, beta: 1, margin: 0, confidence: 0 } });
  engine.start();
  web.sensor('load').publish(2);
  for (const [i, rate] of rates.entries()) {
    await clock.advanceBy(i * 60_000 - clock.now());
    web.sensor('rate').publish(rate);
  }
  await clock.advanceBy(evaluateAt - clock.now());
  web.sensor('load').publish(2);
  await clock.advanceBy(1);
  const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
  return { size: web.sensor<number>('group.size').value, reasons };
}

describe('autoscaler: the predictive floor over the horizon from now', () => {
  it('asks for what the demand needs 180 s after now, also when the evaluation comes after the demand reading', async () => {
    // +5 a minute: 180 s after the reading at 180 s the forecast is 50 (5 members); 180 s after 230 s it is 54.2 (6)
    const atReading = await floorAt([20, 25, 30, 35], 180_000);
    expect(atReading.size).toBe(5);
    const later = await floorAt([20, 25, 30, 35], 230_000);
    expect(later.size).toBe(6);
    expect(later.reasons.join('\n')).toMatch(/rate forecast 54\.17 \+\/- 0 in 180 s asks for 6/);
  });
});
