// The health verdict as a property over random check results: it turns down only after failureThreshold
// failed checks in a row, up only after successThreshold passed ones, and never otherwise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthVerdict } from '../../src/drivers/health-verdict.js';

const trailing = (results: readonly boolean[], value: boolean): number => {
  let n = 0;
  for (let i = results.length - 1; i >= 0 && results[i] === value; i--) n++;
  return n;
};

describe('HealthVerdict', () => {
  it('turns only at a threshold of results in a row, and counts the failures in a row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { maxLength: 200 }), (failureThreshold, successThreshold, results) => {
        const verdict = new HealthVerdict(failureThreshold, successThreshold);
        const seen: boolean[] = [];
        for (const passed of results) {
          const before = verdict.up;
          const turn = verdict.record(passed);
          seen.push(passed);
          expect(verdict.failures).toBe(trailing(seen, false));
          if (turn === 'down') {
            expect(before).toBe(true);
            expect(trailing(seen, false)).toBe(failureThreshold);
          } else if (turn === 'up') {
            expect(before).toBe(false);
            expect(trailing(seen, true)).toBe(successThreshold);
          } else {
            expect(verdict.up).toBe(before);
            // a verdict that stands is one no threshold was reached against
            if (before) expect(trailing(seen, false)).toBeLessThan(failureThreshold);
            else expect(trailing(seen, true)).toBeLessThan(successThreshold);
          }
          expect(verdict.up).toBe(turn === undefined ? before : turn === 'up');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('judges a new target afresh: down, with nothing counted', () => {
    const verdict = new HealthVerdict(2, 1);
    verdict.record(true);
    verdict.record(false);
    expect(verdict.up).toBe(true);
    verdict.reset();
    expect(verdict.up).toBe(false);
    expect(verdict.failures).toBe(0);
    expect(verdict.record(true)).toBe('up');
  });

  it('refuses a threshold that is not a whole number of checks >= 1', () => {
    expect(() => new HealthVerdict(0, 1)).toThrow(/failureThreshold must be a whole number of checks >= 1, got 0/);
    expect(() => new HealthVerdict(1, 1.5)).toThrow(/successThreshold must be a whole number of checks >= 1, got 1.5/);
  });
});
