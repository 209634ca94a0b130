import { asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscriber } from 'rxjs';
import type { Observation } from '../sensors/reading.js';
import { TimeWindow } from '../sensors/time-window.js';
import { AnalyzerSubscriber, analyzerOperator } from './analyzer-subscriber.js';
import { fraction, positiveMs } from './option-checks.js';

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

class RollingMeanSubscriber extends AnalyzerSubscriber<Observation<number>, WindowedObservation> {
  private readonly window: TimeWindow;

  constructor(
    destination: Subscriber<WindowedObservation>,
    windowMs: number,
    private readonly minCoverage: number,
    private readonly scheduler: SchedulerLike,
  ) {
    super(destination);
    this.window = new TimeWindow(windowMs);
  }

  protected onValue(observation: Observation<number>): void {
    this.window.add(observation);
    const stats = this.window.mean(this.scheduler.now());
    if (stats && stats.coverage >= this.minCoverage) this.out.next({ ...observation, value: stats.mean, coverage: stats.coverage });
  }
}

/**
 * Time-weighted rolling mean of numeric observations over a sliding window. Emits on each reading once the
 * window is covered to `minCoverage`: a mean over too little data is not emitted (it would be a guess).
 * @throws RangeError when `windowMs` is not a positive finite number or `minCoverage` is not from 0 to 1
 */
export function rollingMean(options: RollingMeanOptions, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Observation<number>, WindowedObservation> {
  const windowMs = positiveMs('rollingMean', 'windowMs', options.windowMs);
  const minCoverage = fraction('rollingMean', 'minCoverage', options.minCoverage ?? 0.8);
  return analyzerOperator((out) => new RollingMeanSubscriber(out, windowMs, minCoverage, scheduler));
}
