import { Observable, type OperatorFunction } from 'rxjs';
import type { Symptom } from '../policies/define-policy.js';
import type { Observation } from '../sensors/reading.js';

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

/**
 * Classifies numeric observations against bounds with hysteresis. The level starts `normal`; with
 * `emit: 'change'` the first `normal` reading emits nothing.
 * @throws RangeError when neither bound is given, or `below` > `above`
 */
export function threshold(options: ThresholdOptions): OperatorFunction<Observation<number>, ThresholdSymptom> {
  const { above, below, hysteresis = 0, emit = 'change' } = options;
  if (above === undefined && below === undefined) throw new RangeError('threshold needs `above`, `below` or both');
  if (above !== undefined && below !== undefined && below > above) throw new RangeError(`threshold: below (${below}) exceeds above (${above})`);
  return (source) =>
    new Observable<ThresholdSymptom>((subscriber) => {
      let level: ThresholdSymptom['kind'] = 'normal';
      return source.subscribe({
        next: (observation) => {
          const v = observation.value;
          let next: ThresholdSymptom['kind'];
          if (above !== undefined && (v > above || (level === 'above' && v > above - hysteresis))) next = 'above';
          else if (below !== undefined && (v < below || (level === 'below' && v < below + hysteresis))) next = 'below';
          else next = 'normal';
          const changed = next !== level;
          level = next;
          if (changed || (emit === 'every' && next !== 'normal')) {
            const bound = next === 'above' ? above : next === 'below' ? below : undefined;
            subscriber.next({ kind: next, inputs: [observation], detail: { value: v, bound } });
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
