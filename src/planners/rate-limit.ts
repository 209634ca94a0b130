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
 * period (current Kubernetes HPA semantics): the period starts at `current - added + removed`, counting the
 * changes of both directions in the period, and the allowance is applied to that start (`percent` rounds up
 * for scale-up and truncates for scale-down, as the HPA does). Returns `current` when the direction is
 * disabled, and never a limit past `current` in the wrong direction (the caller clamps to `current`).
 */
export function rateLimit(direction: 'up' | 'down', current: number, events: readonly ScaleEvent[], policies: readonly RatePolicy[], select: 'max' | 'min' | 'disabled', now: number): number {
  if (select === 'disabled') return current;
  if (policies.length === 0) return direction === 'up' ? Infinity : 0;
  const limits = policies.map((policy) => {
    const start = periodStart(current, events, now - policy.period);
    if (direction === 'up') return policy.type === 'members' ? start + policy.value : Math.ceil(snap(start * (1 + policy.value / 100)));
    return policy.type === 'members' ? start - policy.value : Math.trunc(snap(start * (1 - policy.value / 100)));
  });
  // "max" means the policy that allows the most change: the highest limit up, the lowest down
  const mostChange = direction === 'up' ? Math.max(...limits) : Math.min(...limits);
  const leastChange = direction === 'up' ? Math.min(...limits) : Math.max(...limits);
  return select === 'max' ? mostChange : leastChange;
}

/** The size at the start of a period ending now: `current`, less what was added, plus what was removed after `cutoff`. */
export function periodStart(current: number, events: readonly ScaleEvent[], cutoff: number): number {
  let start = current;
  for (const [at, from, to] of events) if (at > cutoff) start -= to - from;
  return start;
}

// 0.9 x 100 may come out as 89.99999999999999: snap to the integer a decimal calculation gives
function snap(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-9 ? r : x;
}

/** Reads scale events from policy state, dropping those older than `keepMs`. */
export function readScaleEvents(value: Json | undefined, now: number, keepMs: number): ScaleEvent[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is ScaleEvent => Array.isArray(e) && e.length === 3 && e.every((x) => typeof x === 'number') && (e[0] as number) > now - keepMs);
}
