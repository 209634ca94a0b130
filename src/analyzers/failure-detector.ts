import { asyncScheduler, filter, map, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Observation } from '../sensors/reading.js';
import type { HealthSymptom } from './consecutive-failures.js';
import { nonNegativeMs } from './option-checks.js';
import { stabilized } from './stabilized.js';

/** Options of `failureDetector`. */
export interface FailureDetectorOptions {
  /** How long health must stay false before the entity is declared down (ms). Default 0. */
  readonly downAfterMs?: number;
  /** How long it must stay true before it is declared up again (ms). Default 0. */
  readonly upAfterMs?: number;
  /** Report nothing for an entity never seen up (it is starting, not failing). Default true. */
  readonly onlyIfPreviouslyUp?: boolean;
}

/**
 * Turns health observations (`service.up`, a health feed, a connection check) into `down` and `up`
 * symptoms, each after its own stabilization delay, so a blip shorter than the delay is ignored. The first
 * symptom is always `down` (an entity that starts healthy reports nothing).
 * @throws RangeError when `downAfterMs` or `upAfterMs` is not a finite number of 0 or more
 */
export function failureDetector(options: FailureDetectorOptions = {}, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Observation<boolean>, HealthSymptom> {
  const onlyIfPreviouslyUp = options.onlyIfPreviouslyUp ?? true;
  const downAfterMs = nonNegativeMs('failureDetector', 'downAfterMs', options.downAfterMs ?? 0);
  const upAfterMs = nonNegativeMs('failureDetector', 'upAfterMs', options.upAfterMs ?? 0);
  return (source) => {
    let seenUp = false;
    let reported: 'up' | 'down' = 'up';
    return source.pipe(
      filter((o) => {
        seenUp ||= o.value;
        return seenUp || !onlyIfPreviouslyUp;
      }),
      map((o): HealthSymptom => ({ kind: o.value ? 'up' : 'down', inputs: [o] })),
      stabilized<HealthSymptom>({ forMs: (s) => (s.kind === 'down' ? downAfterMs : upAfterMs) }, scheduler),
      filter((s) => {
        if (s.kind === reported) return false;
        reported = s.kind;
        return true;
      }),
    );
  };
}
