import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Symptom } from '../policies/define-policy.js';
import type { Observation } from '../sensors/reading.js';
import { positiveMs } from './option-checks.js';

/** `stale`: no reading for the bound; `fresh`: readings came back after being stale. */
export interface StalenessSymptom extends Symptom {
  readonly kind: 'stale' | 'fresh';
}

/**
 * Watches a stream for silence: emits `stale` (with the last reading, flagged stale) when no observation
 * arrives for `afterMs`, and `fresh` when one arrives again. Stale data is its own symptom, never a value.
 * @throws RangeError when `afterMs` is not a positive finite number
 */
export function staleness<T>(options: { readonly afterMs: number }, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Observation<T>, StalenessSymptom> {
  const afterMs = positiveMs('staleness', 'afterMs', options.afterMs);
  return (source) =>
    new Observable<StalenessSymptom>((subscriber) => {
      let timer: Subscription | undefined;
      let isStale = false;
      const arm = (last: Observation<T> | undefined): void => {
        timer?.unsubscribe();
        timer = scheduler.schedule(() => {
          isStale = true;
          subscriber.next({ kind: 'stale', inputs: last ? [{ ...last, stale: true }] : [], detail: { silentForMs: afterMs } });
        }, afterMs);
      };
      arm(undefined);
      const subscription = source.subscribe({
        next: (observation) => {
          if (isStale) {
            isStale = false;
            subscriber.next({ kind: 'fresh', inputs: [observation] });
          }
          arm(observation);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
