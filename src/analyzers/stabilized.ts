import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Symptom } from '../policies/define-policy.js';
import { nonNegativeMs } from './option-checks.js';

/** Options of `stabilized`. */
export interface StabilizedOptions<S> {
  /**
   * How long a symptom kind must hold, with no other kind in between, before it is passed on (ms); a
   * function gives each condition its own delay (e.g. 10 s to declare failure, 30 s to declare recovery).
   */
  readonly forMs: number | ((symptom: S) => number);
  /** Groups symptoms into conditions; default the symptom's `kind`. */
  readonly key?: (symptom: S) => string;
}

/**
 * Passes a symptom on only once its condition has held for `forMs` (Brooklyn's stabilization delay): a
 * different condition restarts the wait. Once stable, further symptoms of the same condition pass at once.
 * The emitted symptom is the latest one of the condition, so its inputs are current.
 * @throws RangeError when a fixed `forMs` is not a finite number of 0 or more; a function's value that is not
 * is the same error through the stream (the policy using it is faulted and restarted)
 */
export function stabilized<S extends Symptom>(options: StabilizedOptions<S>, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<S, S> {
  const key = options.key ?? ((s: S) => s.kind);
  const forMs = typeof options.forMs === 'function' ? options.forMs : nonNegativeMs('stabilized', 'forMs', options.forMs);
  return (source) =>
    new Observable<S>((subscriber) => {
      let currentKey: string | undefined;
      let latest: S | undefined;
      let stable = false;
      let timer: Subscription | undefined;
      const subscription = source.subscribe({
        next: (symptom) => {
          const k = key(symptom);
          if (k === currentKey) {
            latest = symptom;
            if (stable) subscriber.next(symptom);
            return;
          }
          timer?.unsubscribe();
          currentKey = k;
          latest = symptom;
          let delay: number;
          try {
            delay = typeof forMs === 'function' ? nonNegativeMs('stabilized', `forMs(${k})`, forMs(symptom)) : forMs;
          } catch (error) {
            subscriber.error(error);
            return;
          }
          stable = delay <= 0;
          if (stable) {
            subscriber.next(symptom);
            return;
          }
          timer = scheduler.schedule(() => {
            stable = true;
            if (latest) subscriber.next(latest);
          }, delay);
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
