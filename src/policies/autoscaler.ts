import { Observable, map, withLatestFrom } from 'rxjs';
import { z } from 'zod';
import { durationSchema } from '../core/duration.js';
import { clampCapacity, targetTracking } from '../planners/target-tracking.js';
import { readHistory, remember, stabilize } from '../planners/stabilization-window.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';

/** Config of the built-in autoscaler. */
export const autoscalerConfig = z
  .object({
    /** Sensor on the group: a per-member average (e.g. `cpu.mean`) or a total (e.g. `requests.rate`). */
    metric: z.string().min(1),
    /** Value per member to hold the metric at. */
    target: z.number().positive(),
    basis: z.enum(['perMember', 'total']).default('perMember'),
    /** Sensor with the current capacity. */
    sizeSensor: z.string().default('group.size'),
    /**
     * Sensor with the number of members ready to serve. When given, a per-member metric is scaled from the
     * ready members only, so members still booting are not counted as capacity (no double scale-up).
     */
    readySensor: z.string().optional(),
    /** Effector taking `{ size }`. */
    resizeEffector: z.string().default('resize'),
    min: z.number().int().min(0).default(1),
    max: z.number().int().min(1),
    /** Dead band around the target, as a ratio. Default 0.1. */
    tolerance: z.number().min(0).max(1).default(0.1),
    /** Scale down only to the highest recommendation of this window. Default 300 s. */
    scaleDownStabilization: durationSchema.default(300_000),
    /** Scale up only to the lowest recommendation of this window. Default 0. */
    scaleUpStabilization: durationSchema.default(0),
  })
  .refine((c) => c.min <= c.max, { message: 'min must not exceed max', path: ['min'] });

/** The autoscaler's config after parsing (durations in ms). */
export type AutoscalerConfig = z.infer<typeof autoscalerConfig>;

/** A recommendation that differs from the current capacity. */
export interface ScaleSymptom extends Symptom {
  readonly kind: 'scale';
  readonly detail: { readonly current: number; readonly desired: number; readonly raw: number; readonly ratio: number };
}

const HISTORY = 'recommendations';

/**
 * Target-tracking autoscaler: desired = ceil(current x metric / target), with a tolerance dead band, min/max,
 * and stabilization windows (the recommendation history is policy state, so it survives a restart).
 */
export const autoscaler = definePolicy({
  name: 'autoscaler',
  description: 'keeps a group metric at its target by resizing the group',
  config: autoscalerConfig,
  requires: (config) => [
    { on: 'self', sensor: config.metric, configPath: ['metric'] },
    { on: 'self', sensor: config.sizeSensor, configPath: ['sizeSensor'] },
    ...(config.readySensor ? [{ on: 'self' as const, sensor: config.readySensor, configPath: ['readySensor'] }] : []),
  ],
  // Each metric reading is used for one recommendation only: re-evaluating an old per-member reading
  // against the capacity it caused would compound (2 -> 4 -> 8 on the same 90 % reading).
  monitor: ({ entity, config }): Observable<[Observation<number>, Observation<number>]> =>
    entity.sensor<number>(config.metric).observations$.pipe(withLatestFrom(entity.sensor<number>(config.sizeSensor).observations$)),
  analyze: (source, { config, scheduler, state, entity }) =>
    source.pipe(
      map(([metric, size]): ScaleSymptom | undefined => {
        const now = scheduler.now();
        const current = size.value;
        const ready = config.readySensor ? entity.sensor<number>(config.readySensor).value : undefined;
        // A per-member metric describes the ready members only; booting ones add capacity soon but not yet.
        const basis = config.basis === 'perMember' && ready !== undefined && ready < current ? ready : current;
        const tracked = targetTracking({ current: basis, value: metric.value, target: config.target, basis: config.basis, tolerance: config.tolerance });
        let raw = clampCapacity(tracked.desired, config.min, config.max);
        if (basis < current && raw < current && tracked.ratio >= 1) raw = current; // still warming up: hold
        if (tracked.withinTolerance) raw = clampCapacity(current, config.min, config.max);
        const keepMs = Math.max(config.scaleDownStabilization, config.scaleUpStabilization);
        const history = remember(readHistory(state.get(HISTORY)), [now, raw], keepMs);
        state.set(HISTORY, history);
        let desired = raw;
        if (raw < current) desired = stabilize(history, now, config.scaleDownStabilization, 'max') ?? raw;
        else if (raw > current) desired = stabilize(history, now, config.scaleUpStabilization, 'min') ?? raw;
        desired = clampCapacity(Math.min(Math.max(desired, Math.min(raw, current)), Math.max(raw, current)), config.min, config.max);
        if (desired === current) return undefined;
        return { kind: 'scale', inputs: [metric, size], detail: { current, desired, raw, ratio: tracked.ratio } };
      }),
      filterDefined(),
    ),
  plan: (symptom, { entity, config }) => {
    const { current, desired, raw, ratio } = symptom.detail;
    const metric = symptom.inputs[0]?.value;
    const held = desired !== raw ? ` (recommendation ${raw} held back by the ${desired < current ? 'scale-up' : 'scale-down'} stabilization window)` : '';
    return {
      actions: [{ entity: entity.id, effector: config.resizeEffector, params: { size: desired } }],
      reason: `${config.metric} is ${formatNumber(metric)} against a target of ${config.target}${config.basis === 'perMember' ? ' per member' : ' per member of capacity'} (ratio ${formatNumber(ratio)}): resize ${current} -> ${desired}${held}`,
    };
  },
});

function filterDefined<T>() {
  return (source: Observable<T | undefined>): Observable<T> =>
    new Observable<T>((subscriber) =>
      source.subscribe({ next: (v) => v !== undefined && subscriber.next(v), error: (e: unknown) => subscriber.error(e), complete: () => subscriber.complete() }),
    );
}

function formatNumber(value: unknown): string {
  return typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value);
}
