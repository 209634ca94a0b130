import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import type { Json } from '../knowledge/store.js';

/** One scaling rate policy: at most `value` members, or `value` percent, per `period`. */
export const ratePolicySchema = z.strictObject({
  type: z.enum(['members', 'percent']),
  value: z.number().positive(),
  period: intervalSchema,
});

/** How several rate policies combine: `max` allows the largest change, `min` the smallest, `disabled` none. */
export const selectSchema = z.enum(['max', 'min', 'disabled']);

export type RatePolicy = z.infer<typeof ratePolicySchema>;

/** A capacity change that was applied: [time ms, from, to]. Kept in policy state. */
export type ScaleEvent = [at: number, from: number, to: number];

/**
 * The furthest a scale-up (or scale-down) may go now, given the changes already made in each policy's
 * period (Kubernetes HPA semantics): the capacity at the start of the period plus (minus) the allowance.
 * Returns `current` when the direction is disabled.
 */
export function rateLimit(direction: 'up' | 'down', current: number, events: readonly ScaleEvent[], policies: readonly RatePolicy[], select: 'max' | 'min' | 'disabled', now: number): number {
  if (select === 'disabled') return current;
  if (policies.length === 0) return direction === 'up' ? Infinity : 0;
  const limits = policies.map((policy) => {
    const inPeriod = events.filter(([at]) => at > now - policy.period);
    if (direction === 'up') {
      const added = inPeriod.reduce((n, [, from, to]) => n + Math.max(0, to - from), 0);
      const start = current - added;
      return policy.type === 'members' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    }
    const removed = inPeriod.reduce((n, [, from, to]) => n + Math.max(0, from - to), 0);
    const start = current + removed;
    return policy.type === 'members' ? start - policy.value : Math.floor(start * (1 - policy.value / 100));
  });
  // "max" means the policy that allows the most change: the highest limit up, the lowest down
  const mostChange = direction === 'up' ? Math.max(...limits) : Math.min(...limits);
  const leastChange = direction === 'up' ? Math.min(...limits) : Math.max(...limits);
  return select === 'max' ? mostChange : leastChange;
}

/** Reads scale events from policy state, dropping those older than `keepMs`. */
export function readScaleEvents(value: Json | undefined, now: number, keepMs: number): ScaleEvent[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is ScaleEvent => Array.isArray(e) && e.length === 3 && e.every((x) => typeof x === 'number') && (e[0] as number) > now - keepMs);
}
