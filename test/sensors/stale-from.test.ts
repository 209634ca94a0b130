import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { booleanSensor } from '../../src/sensors/define-sensor.js';
import type { RejectedReading } from '../../src/sensors/reading.js';
import { Sensor } from '../../src/sensors/sensor.js';
import { staleFrom } from '../../src/sensors/stale-from.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** The double `steps` representable numbers away from `x` (negative: below). */
function stepFrom(x: number, steps: number): number {
  const float = new Float64Array([x]);
  const bits = new BigInt64Array(float.buffer);
  for (let i = 0; i < Math.abs(steps); i++) {
    const up = steps > 0;
    if (float[0] === 0) float[0] = up ? Number.MIN_VALUE : -Number.MIN_VALUE;
    else bits[0] = (bits[0] as bigint) + ((float[0] as number) > 0 === up ? 1n : -1n);
  }
  return float[0] as number;
}

/** What `Sensor.isStale` decides for a reading at `at`. */
const staleNow = (now: number, at: number, bound: number): boolean => now - at > bound;

const time = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const bound = fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: -10, max: 1e6, noNaN: true }), fc.constantFrom(0, 0.1, 999.9, 1e300, Number.MAX_VALUE));

describe('staleFrom', () => {
  it('is the first time at which a reading is stale, to the last digit', () => {
    fc.assert(
      fc.property(time, bound, fc.integer({ min: -3, max: 3 }), (at, b, steps) => {
        const from = staleFrom(at, b);
        if (Number.isFinite(from)) {
          expect(staleNow(from, at, b)).toBe(true);
          expect(staleNow(stepFrom(from, -1), at, b)).toBe(false);
          const near = stepFrom(from, steps);
          if (Number.isFinite(near)) expect(staleNow(near, at, b)).toBe(near >= from);
        } else expect(staleNow(Number.MAX_VALUE, at, b)).toBe(from === -Infinity);
      }),
      { numRuns: 5000 },
    );
  });

  it('never is for a bound of NaN or Infinity, and always is for -Infinity', () => {
    expect([staleFrom(5, Number.NaN), staleFrom(5, Infinity), staleFrom(5, -Infinity)]).toEqual([Infinity, Infinity, -Infinity]);
  });
});

describe('Sensor.staleAt', () => {
  it('tells when isStale turns true: -Infinity with no reading, Infinity without a bound', () => {
    fc.assert(
      fc.property(fc.option(bound, { nil: undefined }), fc.option(time, { nil: undefined }), time, (b, at, now) => {
        const clock = new VirtualClock();
        const sensor = new Sensor('e', booleanSensor('up', b === undefined ? {} : { staleAfterMs: b }), clock, new Subject<RejectedReading>());
        if (at !== undefined) sensor.publishAt(true, at);
        expect(sensor.isStale(now)).toBe(now >= sensor.staleAt);
        if (at === undefined) expect(sensor.staleAt).toBe(-Infinity);
        else if (b === undefined) expect(sensor.staleAt).toBe(Infinity);
      }),
      { numRuns: 2000 },
    );
  });
});
