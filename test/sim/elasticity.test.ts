import { describe, expect, it } from 'vitest';
import { elasticity } from '../../src/sim/elasticity.js';

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

  it('refuses unsorted or non-finite curves with a clear message', () => {
    expect(() => elasticity([[10, 1], [5, 1]], [[0, 1], [10, 1]])).toThrow(/supply must be sorted by time: supply\[1\] at 5 s comes after 10 s/);
    expect(() => elasticity([[0, NaN]], [[0, 1], [10, 1]])).toThrow(/supply\[0\] must be two finite numbers/);
    expect(() => elasticity([[0, 1]], [[0, 1]])).toThrow(/positive duration/);
  });
});
