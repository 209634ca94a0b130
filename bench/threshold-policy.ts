import { z } from 'zod';
import { definePolicy, threshold } from '../src/index.js';

/** The policy the benchmarks attach: threshold on one sensor, restart on `above`. */
export const thresholdPolicy = definePolicy({
  name: 'bench-threshold',
  config: z.object({ sensor: z.string(), above: z.number() }),
  monitor: ({ entity, config }) => entity.sensor<number>(config.sensor).observations$,
  analyze: (source, { config }) => source.pipe(threshold({ above: config.above })),
  plan: (symptom, { entity }) => (symptom.kind === 'above' ? { actions: [{ entity: entity.id, effector: 'restart' }], reason: 'over threshold' } : undefined),
});
