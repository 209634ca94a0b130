import type { OperatorFunction, Subscriber } from 'rxjs';
import type { Symptom } from '../policies/define-policy.js';
import type { Observation } from '../sensors/reading.js';
import type { ReadingOrigin } from '../sensors/reading-sink.js';
import { describeValue } from '../sensors/reading-validator.js';
import { analyzerOperator } from './analyzer-subscriber.js';
import { ReadingAnalyzerSubscriber } from './reading-analyzer-subscriber.js';

/** Options of `threshold`. Give `above`, `below` or both. */
export interface ThresholdOptions {
  /** A reading strictly above this is `above`. */
  readonly above?: number;
  /** A reading strictly below this is `below`. */
  readonly below?: number;
  /** Margin a reading must cross back before the level returns to `normal` (prevents chatter). Default 0. */
  readonly hysteresis?: number;
  /** `change` (default): emit when the level changes. `every`: emit every reading that is above or below. */
  readonly emit?: 'change' | 'every';
}

/** A threshold symptom: the level and the reading that put it there. */
export interface ThresholdSymptom extends Symptom {
  readonly kind: 'above' | 'below' | 'normal';
  readonly detail: { readonly value: number; readonly bound: number | undefined };
}

/** Classifies each reading's value; builds the symptom, and the Observation it lists, only on a crossing. */
class ThresholdSubscriber extends ReadingAnalyzerSubscriber<number, ThresholdSymptom> {
  // Assigned in the constructor and not declared as class fields: a field defined first as undefined would
  // hold a bound as a pointer to a number elsewhere in the heap (a cache miss on every reading); assigned a
  // number first, the field keeps it in a box allocated beside this subscriber.
  declare private readonly above: number;
  declare private readonly below: number;
  declare private readonly hysteresis: number;
  declare private readonly every: boolean;
  private level: ThresholdSymptom['kind'] = 'normal';

  constructor(destination: Subscriber<ThresholdSymptom>, above: number, below: number, hysteresis: number, every: boolean) {
    super(destination);
    this.above = above;
    this.below = below;
    this.hysteresis = hysteresis;
    this.every = every;
  }

  protected onReading(v: number, at: number, observation: Observation<number> | undefined, origin: ReadingOrigin | undefined): void {
    const level = this.level;
    let next: ThresholdSymptom['kind'];
    if (v > this.above || (level === 'above' && v > this.above - this.hysteresis)) next = 'above';
    else if (v < this.below || (level === 'below' && v < this.below + this.hysteresis)) next = 'below';
    else next = 'normal';
    if (next === level && !(next !== 'normal' && this.every)) return;
    this.emitLevel(next, v, at, observation, origin);
  }

  /** Moves to `next` and emits its symptom (a method of its own: `onReading` stays small enough to inline). */
  private emitLevel(next: ThresholdSymptom['kind'], v: number, at: number, observation: Observation<number> | undefined, origin: ReadingOrigin | undefined): void {
    this.level = next;
    const bound = next === 'above' ? this.above : next === 'below' ? this.below : undefined;
    this.out.next({ kind: next, inputs: [this.inputOf(v, at, observation, origin)], detail: { value: v, bound } });
  }
}

/**
 * Classifies numeric observations against bounds with hysteresis. The level starts `normal`; with
 * `emit: 'change'` the first `normal` reading emits nothing.
 * @throws RangeError when neither bound is given, a bound is not a number (NaN), the hysteresis is not a finite
 *   number of 0 or more, or `below` > `above`
 */
export function threshold(options: ThresholdOptions): OperatorFunction<Observation<number>, ThresholdSymptom> {
  const { above, below, hysteresis = 0, emit = 'change' } = options;
  if (above === undefined && below === undefined) throw new RangeError('threshold needs `above`, `below` or both');
  for (const [name, bound] of [['above', above], ['below', below]] as const) {
    if (bound !== undefined && (typeof bound !== 'number' || Number.isNaN(bound))) throw new RangeError(`threshold: \`${name}\` must be a number, got ${describeValue(bound)}`);
  }
  if (typeof hysteresis !== 'number' || !(hysteresis >= 0) || hysteresis === Infinity) {
    throw new RangeError(`threshold: \`hysteresis\` must be a finite number of 0 or more, got ${describeValue(hysteresis)}`);
  }
  if (above !== undefined && below !== undefined && below > above) throw new RangeError(`threshold: below (${below}) exceeds above (${above})`);
  return analyzerOperator((out) => new ThresholdSubscriber(out, above ?? Infinity, below ?? -Infinity, hysteresis, emit === 'every'));
}
