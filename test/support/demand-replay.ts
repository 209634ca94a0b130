import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A replay of a demand series under the autoscaler, evaluated once more at `evaluateAt`. */
export interface DemandReplay {
  /** Members at the start. */
  readonly size: number;
  /** The reactive `load` metric's reading (a total: the members it asks for at target 1), at 0 s and at `evaluateAt`. */
  readonly load: number;
  /** The autoscaler's config beside `metric: 'load'`, `target: 1`, `basis: 'total'`, `max: 10`. */
  readonly config: Record<string, unknown>;
  /** Demand readings of `rate`, one a minute from 0 s. */
  readonly rates: readonly number[];
  /** When the load is read again (an evaluation with the last demand reading that old). */
  readonly evaluateAt: number;
}

/**
 * A cluster of `size` members with a `rate` (demand) and a `load` (reactive) sensor under the autoscaler, in
 * virtual time: the rates published one a minute, the load at 0 s and at `evaluateAt`. The size after that
 * evaluation and every decision's reason.
 */
export async function replayDemand(replay: DemandReplay): Promise<{ size: number | undefined; reasons: string[] }> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('rate', { staleAfterMs: 600_000 }), numberSensor('load', { staleAfterMs: 600_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
  });
  web.sensor('group.size').publish(replay.size);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, autoscaler, { metric: 'load', target: 1, basis: 'total', max: 10, ...replay.config });
  engine.start();
  web.sensor('load').publish(replay.load);
  for (const [i, rate] of replay.rates.entries()) {
    await clock.advanceBy(i * 60_000 - clock.now());
    web.sensor('rate').publish(rate);
  }
  await clock.advanceBy(replay.evaluateAt - clock.now());
  web.sensor('load').publish(replay.load);
  await clock.advanceBy(1);
  const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
  return { size: web.sensor<number>('group.size').value, reasons };
}
