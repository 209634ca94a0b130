import type { SchedulerLike } from 'rxjs';
import { staleFrom } from './stale-from.js';

/**
 * What `Sensor.isStale` decides: true when there is no reading (`at` is NaN) or the reading taken at `at`
 * is older at `now` (the scheduler's time when not given) than the staleness bound of `bound` ms (none: never).
 */
export function isStaleReading(at: number, bound: number | undefined, now: number | undefined, scheduler: SchedulerLike): boolean {
  if (at !== at) return true;
  // the clock is read only for a sensor with a bound (most have none; enrichers ask for every source)
  return bound !== undefined && (now ?? scheduler.now()) - at > bound;
}

/**
 * What `Sensor.staleAt` answers: when the reading taken at `at` goes stale under a bound of `bound` ms;
 * Infinity when it never does (no bound), -Infinity with no reading (`at` is NaN).
 */
export function staleTimeOf(at: number, bound: number | undefined): number {
  if (at !== at) return -Infinity;
  return bound === undefined ? Infinity : staleFrom(at, bound);
}
