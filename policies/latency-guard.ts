// An example policy module, written the way a user writes one: it imports the package by name ('homeostat'
// resolves to this checkout through package.json's exports; tsconfig, tsx and vitest map it to src/).
import { z } from 'zod';
import { definePolicy, durationSchema, intervalSchema, rollingMean, stabilized, threshold } from 'homeostat';

/**
 * latency-guard: when the mean latency over a window stays above a bound for a while, add members.
 * A complement to CPU target tracking: latency can climb before CPU says so (a slow dependency, GC).
 */
export default definePolicy({
  name: 'latency-guard',
  description: 'adds members when windowed mean latency stays above a bound',
  config: z.object({
    /** Latency sensor on the group, in seconds. */
    sensor: z.string().default('latency.max'),
    /** Bound in seconds. */
    above: z.number().positive(),
    /** Averaging window (not zero). Default 1 min. */
    window: intervalSchema.default(60_000),
    /** How long the mean must stay above the bound. Default 30 s. */
    for: durationSchema.default(30_000),
    /** Members to add each time. Default 1. */
    step: z.number().int().min(1).default(1),
    max: z.number().int().min(1),
  }),
  requires: (config) => [
    { on: 'self', sensor: config.sensor, configPath: ['sensor'] },
    { on: 'self', sensor: 'group.size' },
  ],
  monitor: ({ entity, config }) => entity.sensor<number>(config.sensor).observations$,
  analyze: (source, { config, scheduler }) =>
    source.pipe(
      rollingMean({ windowMs: config.window, minCoverage: 0.8 }, scheduler),
      threshold({ above: config.above, emit: 'every' }),
      stabilized({ forMs: config.for }, scheduler),
    ),
  plan: (symptom, { entity, config }) => {
    if (symptom.kind !== 'above') return undefined;
    const size = entity.sensor<number>('group.size').value;
    if (size === undefined || size >= config.max) return undefined;
    const next = Math.min(config.max, size + config.step);
    return {
      actions: [{ entity: entity.id, effector: 'resize', params: { size: next } }],
      reason: `mean ${config.sensor} over ${config.window / 1000} s is ${symptom.detail.value.toFixed(3)} s, above ${config.above} s for ${config.for / 1000} s: resize ${size} -> ${next}`,
    };
  },
});
