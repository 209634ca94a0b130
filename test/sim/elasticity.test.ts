import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elasticity, type StepFunction } from '../../src/sim/elasticity.js';

/** The amount of a step function at `t`, straight from the definition: the last point at or before `t`, else 0. */
function amountByDefinition(curve: StepFunction, t: number): number {
  let amount = 0;
  for (const [time, value] of curve) if (time <= t) amount = value;
  return amount;
}

/** Under- and over-provisioning integrals straight from the definition, over every interval between two points. */
function integralsByDefinition(supply: StepFunction, demand: StepFunction): { under: number; over: number; timeUnder: number; timeOver: number } {
  const times = [...new Set([...supply, ...demand].map(([t]) => t))].sort((a, b) => a - b);
  const sums = { under: 0, over: 0, timeUnder: 0, timeOver: 0 };
  for (let i = 0; i + 1 < times.length; i++) {
    const dt = (times[i + 1] as number) - (times[i] as number);
    const gap = amountByDefinition(demand, times[i] as number) - amountByDefinition(supply, times[i] as number);
    if (gap > 0) Object.assign(sums, { under: sums.under + gap * dt, timeUnder: sums.timeUnder + dt });
    if (gap < 0) Object.assign(sums, { over: sums.over - gap * dt, timeOver: sums.timeOver + dt });
  }
  return sums;
}

/** A sorted step function with repeated times (two points at one instant: the later one holds). */
const stepFunction = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 30 })
  .map((points) => [...points].sort((a, b) => a[0] - b[0]) as StepFunction);

/** A curve that counts how many of its points are read. */
function counted(curve: StepFunction): { curve: StepFunction; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(curve as Array<readonly [number, number]>, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads += 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { curve: proxy, reads: () => reads };
}

describe('elasticity', () => {
  it('is all zero when supply tracks demand exactly', () => {
    const curve = [[0, 1], [10, 3], [20, 2], [30, 2]] as const;
    expect(elasticity(curve, curve)).toEqual({ accuracyUnder: 0, accuracyOver: 0, timeshareUnder: 0, timeshareOver: 0, jitter: 0 });
  });

  it('integrates under- and over-provisioning over the horizon', () => {
    // demand: 2 for 0-10, 4 for 10-20; supply: 3 for 0-15, 4 after; horizon 0-20
    const m = elasticity([[0, 3], [15, 4], [20, 4]], [[0, 2], [10, 4], [20, 4]]);
    expect(m.accuracyOver).toBeCloseTo((1 * 10) / 20); // 1 unit over for 10 s
    expect(m.accuracyUnder).toBeCloseTo((1 * 5) / 20); // 1 unit under for 5 s
    expect(m.timeshareOver).toBeCloseTo(0.5);
    expect(m.timeshareUnder).toBeCloseTo(0.25);
    expect(m.jitter).toBeCloseTo((1 - 2) / 20); // supply moved 1 unit, demand 2
  });

  it('counts each change by its size', () => {
    const m = elasticity([[0, 1], [5, 4], [10, 1], [20, 1]], [[0, 1], [20, 1]]);
    expect(m.jitter).toBeCloseTo(6 / 20);
  });

  it('agrees with the definition on any curves, points at one instant included', () => {
    fc.assert(
      fc.property(stepFunction, stepFunction, (supply, demand) => {
        const times = [...supply, ...demand].map(([t]) => t);
        const duration = Math.max(...times) - Math.min(...times);
        fc.pre(duration > 0);
        const m = elasticity(supply, demand);
        const expected = integralsByDefinition(supply, demand);
        expect(m.accuracyUnder).toBeCloseTo(expected.under / duration, 9);
        expect(m.accuracyOver).toBeCloseTo(expected.over / duration, 9);
        expect(m.timeshareUnder).toBeCloseTo(expected.timeUnder / duration, 9);
        expect(m.timeshareOver).toBeCloseTo(expected.timeOver / duration, 9);
      }),
      { numRuns: 500 },
    );
  });

  it('reads each point a bounded number of times however long the curves are (a long run is not quadratic)', () => {
    // a point a minute for three and a half days; reading each curve from its start at every instant read
    // tens of millions of points
    const points = 5_000;
    const supply = counted(Array.from({ length: points }, (_, i) => [i * 60, 1 + (i % 3)] as const));
    const demand = counted(Array.from({ length: points }, (_, i) => [i * 60 + 30, 1 + (i % 2)] as const));
    const m = elasticity(supply.curve, demand.curve);
    expect(m.timeshareUnder + m.timeshareOver).toBeGreaterThan(0);
    expect(supply.reads()).toBeLessThan(10 * points);
    expect(demand.reads()).toBeLessThan(10 * points);
  });

  it('refuses unsorted or non-finite curves with a clear message', () => {
    expect(() => elasticity([[10, 1], [5, 1]], [[0, 1], [10, 1]])).toThrow(/supply must be sorted by time: supply\[1\] at 5 s comes after 10 s/);
    expect(() => elasticity([[0, NaN]], [[0, 1], [10, 1]])).toThrow(/supply\[0\] must be two finite numbers/);
    expect(() => elasticity([[0, 1]], [[0, 1]])).toThrow(/positive duration/);
  });
});
