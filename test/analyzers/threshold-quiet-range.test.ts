import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { map } from 'rxjs';
import { threshold, type ThresholdOptions, type ThresholdSymptom } from '../../src/analyzers/threshold.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import type { Sensor } from '../../src/sensors/sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * A threshold straight on its sensor answers each reading with the numbers its level ignores, and the sensor
 * skips them. Skipped or not, the symptoms must be those of the same threshold behind an operator (which sees
 * every reading): checked over random bounds, hysteresis and `emit`, with readings drawn mostly from the
 * bounds, their hysteresis edges and the numbers next to them, where a range one step too wide would show.
 */

/** Symptoms of `options` on `values`, with the threshold straight on the sensor or behind a `map`. */
function symptomsOf(options: ThresholdOptions, values: readonly number[], direct: boolean): { symptoms: string[]; skipped: number } {
  const clock = new VirtualClock(0);
  const tree = new EntityTree(clock);
  const sensor: Sensor<number> = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] }).sensor<number>('cpu');
  const symptoms: string[] = [];
  const source = direct ? sensor.readings$ : sensor.readings$.pipe(map((o) => o));
  let delivered = 0;
  source.pipe(threshold(options)).subscribe((s: ThresholdSymptom) => symptoms.push(`${s.kind} ${s.detail.value} ${String(s.detail.bound)} at ${s.inputs[0]?.at}`));
  const sink = (sensor as unknown as { sink: { nextReading: (...args: unknown[]) => unknown } | undefined }).sink;
  if (direct && sink) {
    const original = sink.nextReading.bind(sink);
    sink.nextReading = (...args: unknown[]) => {
      delivered++;
      return original(...args);
    };
  }
  for (const value of values) {
    clock.frame += 1;
    sensor.publish(value);
  }
  return { symptoms, skipped: direct ? values.length - delivered : 0 };
}

/** Numbers on and beside each edge of the rule, where an off-by-one in a range would show. */
function edgesOf(options: ThresholdOptions): number[] {
  const h = options.hysteresis ?? 0;
  const points = [options.above, options.below, options.above === undefined ? undefined : options.above - h, options.below === undefined ? undefined : options.below + h];
  return points.flatMap((p) => (p === undefined ? [] : [p, p + 1e-9, p - 1e-9, p + 1, p - 1]));
}

const rules = fc
  .record({
    above: fc.option(fc.integer({ min: -50, max: 100 }), { nil: undefined }),
    below: fc.option(fc.integer({ min: -100, max: 50 }), { nil: undefined }),
    hysteresis: fc.constantFrom(0, 0, 1, 5, 30, 200),
    emit: fc.constantFrom('change' as const, 'every' as const),
  })
  .filter((r) => (r.above !== undefined || r.below !== undefined) && !(r.above !== undefined && r.below !== undefined && r.below > r.above));

describe('a threshold straight on its sensor, skipping the readings its level ignores', () => {
  it('gives the symptoms of the same threshold that sees every reading, over random rules and readings', () => {
    let skipped = 0;
    fc.assert(
      fc.property(rules, fc.array(fc.nat(), { minLength: 1, maxLength: 60, size: 'max' }), fc.array(fc.double({ min: -200, max: 200, noNaN: true }), { maxLength: 20, size: 'max' }), (options, picks, others) => {
        const candidates = [...edgesOf(options), ...others, 0, -0];
        const values = picks.map((p) => candidates[p % candidates.length] as number);
        const direct = symptomsOf(options, values, true);
        expect(direct.symptoms).toEqual(symptomsOf(options, values, false).symptoms);
        skipped += direct.skipped;
      }),
      { numRuns: 400, seed: 20261130 },
    );
    // the property did run the skipping path, not only full deliveries
    expect(skipped).toBeGreaterThan(500);
  });

  it('ignores readings strictly between the bounds at level normal, and the ones that keep a level with hysteresis', () => {
    const options = { above: 80, below: 20, hysteresis: 5 };
    const values = [50, 60, 80, 81, 77, 76, 75.5, 75, 74, 50, 19, 22, 24.9, 25, 30];
    const direct = symptomsOf(options, values, true);
    expect(direct.symptoms).toEqual(['above 81 80 at 4', 'normal 75 undefined at 8', 'below 19 20 at 11', 'normal 25 undefined at 14']);
    // looked at: 50 (the first), 80 (on the bound), 81, 75 (on the hysteresis edge), 19 and 25 (on the edge);
    // every other reading is inside the range of the level it found
    expect(direct.skipped).toBe(values.length - 6);
  });
});
