import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Observation } from '../sensors/reading.js';
import { TimeWindow } from '../sensors/time-window.js';

/** Options of `rollingMean`. */
export interface RollingMeanOptions {
  /** Window length (ms). */
  readonly windowMs: number;
  /** Emit nothing until data covers at least this fraction of the window. Default 0.8. */
  readonly minCoverage?: number;
}

/** A windowed mean, with how much of the window the data covered. */
export interface WindowedObservation extends Observation<number> {
  readonly coverage: number;
}

/**
 * Time-weighted rolling mean of numeric observations over a sliding window. Emits on each reading once the
 * window is covered to `minCoverage`: a mean over too little data is not emitted (it would be a guess).
 */
export function rollingMean(options: RollingMeanOptions, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Observation<number>, WindowedObservation> {
  const minCoverage = options.minCoverage ?? 0.8;
  return (source) =>
    new Observable<WindowedObservation>((subscriber) => {
      const window = new TimeWindow(options.windowMs);
      return source.subscribe({
        next: (observation) => {
          window.add(observation);
          const stats = window.mean(scheduler.now());
          if (stats && stats.coverage >= minCoverage) {
            subscriber.next({ ...observation, value: stats.mean, coverage: stats.coverage });
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
