import type { OperatorFunction, Subscriber } from 'rxjs';
import type { Symptom } from '../policies/define-policy.js';
import type { Observation } from '../sensors/reading.js';
import type { ReadingOrigin } from '../sensors/reading-sink.js';
import { describeValue } from '../sensors/reading-validator.js';
import { analyzerOperator } from './analyzer-subscriber.js';
import { ReadingAnalyzerSubscriber } from './reading-analyzer-subscriber.js';

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

/** Counts passes and keeps the failures in a row; a passing check straight from a sensor builds no object. */
class ConsecutiveFailuresSubscriber extends ReadingAnalyzerSubscriber<boolean, HealthSymptom> {
  private state: 'unknown' | 'up' | 'down' = 'unknown';
  private seenUp = false;
  private bad: Observation<boolean>[] = [];
  private good = 0;

  constructor(
    destination: Subscriber<HealthSymptom>,
    private readonly failures: number,
    private readonly recoveries: number,
    private readonly onlyIfPreviouslyUp: boolean,
  ) {
    super(destination);
  }

  protected onReading(value: boolean, at: number, observation: Observation<boolean> | undefined, origin: ReadingOrigin | undefined): void {
    if (value) {
      if (this.bad.length > 0) this.bad = [];
      this.good += 1;
      if (this.state !== 'up' && this.good >= this.recoveries) {
        const wasDown = this.state === 'down';
        this.state = 'up';
        this.seenUp = true;
        if (wasDown) this.out.next({ kind: 'up', inputs: [this.inputOf(value, at, observation, origin)] });
      }
      return;
    }
    this.good = 0;
    this.bad.push(this.inputOf(value, at, observation, origin));
    if (this.bad.length > this.failures) this.bad.shift();
    if (this.state !== 'down' && this.bad.length >= this.failures && (this.seenUp || !this.onlyIfPreviouslyUp)) {
      this.state = 'down';
      this.out.next({ kind: 'down', inputs: [...this.bad], detail: { consecutiveFailures: this.failures } });
    }
  }
}

/** `value` when it is a whole number of 1 or more; otherwise a RangeError naming the option. */
function wholeCount(name: string, value: number): number {
  if (Number.isInteger(value) && value >= 1) return value;
  throw new RangeError(`consecutiveFailures: \`${name}\` must be a whole number of 1 or more, got ${describeValue(value)}`);
}

/**
 * A consecutive-failure detector over boolean health observations (true = healthy).
 * @throws RangeError when `failures` or `recoveries` is not a whole number of 1 or more
 */
export function consecutiveFailures(options: ConsecutiveFailuresOptions = {}): OperatorFunction<Observation<boolean>, HealthSymptom> {
  const failures = wholeCount('failures', options.failures ?? 3);
  const recoveries = wholeCount('recoveries', options.recoveries ?? 1);
  const onlyIfPreviouslyUp = options.onlyIfPreviouslyUp ?? true;
  return analyzerOperator((out) => new ConsecutiveFailuresSubscriber(out, failures, recoveries, onlyIfPreviouslyUp));
}
