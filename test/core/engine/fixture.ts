import { map } from 'rxjs';
import { z } from 'zod';
import { Engine } from '../../../src/core/engine/engine.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { sleep } from '../../../src/core/time.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import type { KnowledgeStore } from '../../../src/knowledge/store.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { numberSensor } from '../../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/** A policy that asks to `resize` to the observed `load` value, every reading. */
export const followLoad = definePolicy({
  name: 'follow-load',
  config: z.object({ sensor: z.string().default('load') }),
  monitor: ({ entity, config }) => entity.sensor<number>(config.sensor).readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'load', inputs: [o] }))),
  plan: (symptom, { entity }) => ({
    actions: [{ entity: entity.id, effector: 'resize', params: { size: symptom.inputs[0]?.value } }],
    reason: `load is ${String(symptom.inputs[0]?.value)}`,
  }),
});

/** An engine over one `web` entity with a `load` sensor and a `resize` effector taking `resizeMs`. */
export async function engineFixture(options: { resizeMs?: number; store?: KnowledgeStore; clock?: VirtualClock; failResize?: boolean } = {}) {
  const clock = options.clock ?? new VirtualClock();
  const tree = new EntityTree(clock);
  const sizes: number[] = [];
  const web = tree.add({
    id: 'web',
    type: 'cluster',
    sensors: [numberSensor('load', { staleAfterMs: 60_000 })],
    effectors: [
      defineEffector({
        name: 'resize',
        params: z.object({ size: z.number().int().min(0) }),
        run: async ({ size }, ctx) => {
          if (options.resizeMs) await sleep(ctx.scheduler, options.resizeMs);
          if (options.failResize) throw new Error('quota exceeded');
          sizes.push(size);
        },
      }),
    ],
  });
  const knowledge = new Knowledge(options.store ?? new MemoryStore(), clock);
  await knowledge.open();
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  return { clock, tree, web, knowledge, engine, sizes };
}
