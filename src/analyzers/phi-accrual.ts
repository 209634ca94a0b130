import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Observation } from '../sensors/reading.js';
import type { HealthSymptom } from './consecutive-failures.js';
import { nonNegativeMs, positiveMs, positiveNumber, wholeNumber } from './option-checks.js';

/** Options of `phiAccrual`. */
export interface PhiAccrualOptions {
  /** Suspicion level that declares failure; 8 means about one false alarm in 10^8. Default 8. */
  readonly threshold?: number;
  /** Heartbeat intervals remembered. Default 100. */
  readonly windowSize?: number;
  /** Floor on the standard deviation, so a very regular heartbeat does not make phi jumpy (ms). Default 100. */
  readonly minStdDevMs?: number;
  /** Pause tolerated on top of the learned distribution (ms). Default 0. */
  readonly acceptablePauseMs?: number;
  /** How often phi is checked between heartbeats (ms). Default 1000. */
  readonly checkEveryMs?: number;
}

/**
 * Phi of a silence of `elapsedMs`, given the heartbeat intervals' mean and standard deviation (the
 * logistic approximation of the normal CDF used by Akka and Cassandra).
 */
export function phi(elapsedMs: number, meanMs: number, stdDevMs: number): number {
  const y = (elapsedMs - meanMs) / stdDevMs;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return elapsedMs > meanMs ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
}

/**
 * Phi-accrual failure detector (Hayashibara et al.) over heartbeats (any observation is a heartbeat): it
 * learns the interval distribution and declares `down` when the suspicion of the current silence passes the
 * threshold, `up` at the next heartbeat. Adapts to slow or jittery heartbeats where a fixed timeout would not.
 * @throws RangeError naming the option when one is out of range (a threshold or a duration that is not a
 * positive finite number, a window size that is not a whole number of 1 or more)
 */
export function phiAccrual<T>(options: PhiAccrualOptions = {}, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Observation<T>, HealthSymptom> {
  const threshold = positiveNumber('phiAccrual', 'threshold', options.threshold ?? 8);
  const windowSize = wholeNumber('phiAccrual', 'windowSize', options.windowSize ?? 100);
  const minStdDev = positiveMs('phiAccrual', 'minStdDevMs', options.minStdDevMs ?? 100);
  const pause = nonNegativeMs('phiAccrual', 'acceptablePauseMs', options.acceptablePauseMs ?? 0);
  const every = positiveMs('phiAccrual', 'checkEveryMs', options.checkEveryMs ?? 1000);
  return (source) =>
    new Observable<HealthSymptom>((subscriber) => {
      const intervals: number[] = [];
      let last: Observation<T> | undefined;
      let down = false;
      const check = (): void => {
        if (!last || down || intervals.length < 2) return;
        const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length + pause;
        const variance = intervals.reduce((a, b) => a + (b - mean + pause) ** 2, 0) / intervals.length;
        const p = phi(scheduler.now() - last.at, mean, Math.max(minStdDev, Math.sqrt(variance)));
        if (p > threshold) {
          down = true;
          subscriber.next({ kind: 'down', inputs: [{ ...last, stale: true }], detail: { phi: Math.round(p * 100) / 100, silentForMs: scheduler.now() - last.at } });
        }
      };
      const timer: Subscription = scheduler.schedule(function (this: { schedule(state?: unknown, delay?: number): void }) {
        check();
        this.schedule(undefined, every);
      }, every);
      const subscription = source.subscribe({
        next: (heartbeat) => {
          if (last && heartbeat.at > last.at) {
            intervals.push(heartbeat.at - last.at);
            if (intervals.length > windowSize) intervals.shift();
          }
          last = heartbeat;
          if (down) {
            down = false;
            subscriber.next({ kind: 'up', inputs: [heartbeat] });
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        timer.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
