import { Observable, type OperatorFunction } from 'rxjs';
import type { Symptom } from '../policies/define-policy.js';
import type { Observation } from '../sensors/reading.js';

/** Options of `consecutiveFailures`. */
export interface ConsecutiveFailuresOptions {
  /** Failed checks in a row before `down`. Default 3. */
  readonly failures?: number;
  /** Passed checks in a row before `up` again. Default 1. */
  readonly recoveries?: number;
  /** Report `down` only for an entity seen up before (a starting entity is not failing). Default true. */
  readonly onlyIfPreviouslyUp?: boolean;
}

/** `down` after enough failed health checks, `up` after enough passed ones. */
export interface HealthSymptom extends Symptom {
  readonly kind: 'down' | 'up';
}

/** A consecutive-failure detector over boolean health observations (true = healthy). */
export function consecutiveFailures(options: ConsecutiveFailuresOptions = {}): OperatorFunction<Observation<boolean>, HealthSymptom> {
  const failures = options.failures ?? 3;
  const recoveries = options.recoveries ?? 1;
  const onlyIfPreviouslyUp = options.onlyIfPreviouslyUp ?? true;
  return (source) =>
    new Observable<HealthSymptom>((subscriber) => {
      let state: 'unknown' | 'up' | 'down' = 'unknown';
      let seenUp = false;
      let bad: Observation<boolean>[] = [];
      let good = 0;
      return source.subscribe({
        next: (observation) => {
          if (observation.value) {
            bad = [];
            good += 1;
            if (state !== 'up' && good >= recoveries) {
              const wasDown = state === 'down';
              state = 'up';
              seenUp = true;
              if (wasDown) subscriber.next({ kind: 'up', inputs: [observation] });
            }
            return;
          }
          good = 0;
          bad.push(observation);
          if (bad.length > failures) bad.shift();
          if (state !== 'down' && bad.length >= failures && (seenUp || !onlyIfPreviouslyUp)) {
            state = 'down';
            subscriber.next({ kind: 'down', inputs: [...bad], detail: { consecutiveFailures: failures } });
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
