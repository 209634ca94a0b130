import { filter, map } from 'rxjs';
import { z } from 'zod';
import { groupSizeSchema } from '../core/limits.js';
import { scaleInRefusal } from './scale-in-refusal.js';
import { clampCapacity } from '../planners/target-tracking.js';
import { definePolicy, type Symptom } from './define-policy.js';

const stepSchema = z
  .strictObject({
    /** Lower bound of the step, relative to the threshold (inclusive); omit for minus infinity. */
    from: z.number().optional(),
    /** Upper bound (exclusive); omit for plus infinity. */
    to: z.number().optional(),
    /** `change`: add `value` members; `percent`: add `value` % (at least `minMagnitude`); `exact`: set `value`. */
    adjustment: z.enum(['change', 'percent', 'exact']),
    value: z.number(),
    minMagnitude: groupSizeSchema(1).default(1),
  })
  .refine((s) => s.from === undefined || s.to === undefined || s.from < s.to, { message: "'from' must be below 'to'" });

/** Config of the built-in step scaler. */
export const stepScalerConfig = z
  .strictObject({
    metric: z.string().min(1),
    /** Steps are chosen by (metric - threshold). */
    threshold: z.number(),
    steps: z.array(stepSchema).min(1),
    sizeSensor: z.string().default('group.size'),
    resizeEffector: z.string().default('resize'),
    min: groupSizeSchema().default(1),
    max: groupSizeSchema(1),
  })
  .superRefine((c, ctx) => {
    if (c.min > c.max) ctx.addIssue({ code: 'custom', message: 'min must not exceed max', path: ['min'] });
    const sorted = c.steps.map((s, i) => ({ ...s, i })).sort((a, b) => (a.from ?? -Infinity) - (b.from ?? -Infinity));
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1] as (typeof sorted)[number];
      const cur = sorted[k] as (typeof sorted)[number];
      if ((prev.to ?? Infinity) > (cur.from ?? -Infinity)) ctx.addIssue({ code: 'custom', message: `step ${cur.i} overlaps step ${prev.i}`, path: ['steps', cur.i] });
    }
  });

/** The size a step adjustment gives from `current`. */
export function stepTarget(current: number, step: z.output<typeof stepSchema>): number {
  if (step.adjustment === 'exact') return step.value;
  if (step.adjustment === 'change') return current + step.value;
  const change = (current * step.value) / 100;
  const magnitude = Math.max(step.minMagnitude, Math.abs(Math.trunc(change)));
  return current + Math.sign(step.value) * magnitude;
}

/**
 * Step scaling (AWS style): each metric reading falls in one step, by its distance from the threshold;
 * the step changes capacity by N members, by a percentage with a minimum magnitude, or sets it exactly.
 */
export const stepScaler = definePolicy({
  name: 'step-scaler',
  description: 'changes capacity by steps chosen by how far a metric is from a threshold',
  config: stepScalerConfig,
  requiresEffectors: (config) => [{ effector: config.resizeEffector, configPath: ['resizeEffector'] }],
  requires: (c) => [
    { on: 'self', sensor: c.metric, configPath: ['metric'] },
    { on: 'self', sensor: c.sizeSensor, configPath: ['sizeSensor'] },
  ],
  monitor: ({ entity, config }) => entity.sensor<number>(config.metric).readings$,
  analyze: (source, { entity, config }) =>
    source.pipe(
      map((reading): Symptom | undefined => {
        const size = entity.sensor<number>(config.sizeSensor);
        const current = size.value;
        if (current === undefined || !size.current) return undefined;
        const distance = reading.value - config.threshold;
        const index = config.steps.findIndex((s) => (s.from ?? -Infinity) <= distance && distance < (s.to ?? Infinity));
        const step = config.steps[index];
        if (!step) return undefined;
        const desired = clampCapacity(stepTarget(current, step), config.min, config.max);
        if (desired === current) return undefined;
        return { kind: 'step', inputs: [reading, size.current], detail: { current, desired, step: index, distance } };
      }),
      filter((s): s is Symptom => s !== undefined),
    ),
  plan: (symptom, { entity, config }) => {
    const d = symptom.detail as { current: number; desired: number; step: number; distance: number };
    const reason = `${config.metric} is ${Math.round(d.distance * 1000) / 1000} from its threshold ${config.threshold}: step ${d.step} resizes ${d.current} -> ${d.desired}`;
    // a scale-in the group's quorum refuses is not asked for (it would fail again at each reading): refused, saying why
    const refusal = scaleInRefusal(entity, d.current, d.desired, reason);
    if (refusal) return refusal;
    return { actions: [{ entity: entity.id, effector: config.resizeEffector, params: { size: d.desired } }], reason };
  },
});
