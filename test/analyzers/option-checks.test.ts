// Analyzer options a library user can get wrong (NaN from a missing config field, a zero or negative
// duration, a fraction out of range) are refused when the operator is made, naming the analyzer, the option
// and the value: accepted, they made an analyzer that never emitted (NaN coverage, NaN phi threshold) or
// one that spun the clock without end (phiAccrual checking every 0 ms).
import { describe, expect, it } from 'vitest';
import { failureDetector } from '../../src/analyzers/failure-detector.js';
import { phiAccrual } from '../../src/analyzers/phi-accrual.js';
import { rollingMean } from '../../src/analyzers/rolling-mean.js';
import { stabilized } from '../../src/analyzers/stabilized.js';
import { staleness } from '../../src/analyzers/stale.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const clock = new VirtualClock();

describe('analyzer options', () => {
  it.each([
    ['rollingMean', () => rollingMean({ windowMs: Infinity }, clock), /^rollingMean: `windowMs` must be a positive finite number of milliseconds, got Infinity$/],
    ['rollingMean', () => rollingMean({ windowMs: 1000, minCoverage: NaN }, clock), /^rollingMean: `minCoverage` must be a number from 0 to 1, got NaN$/],
    ['rollingMean', () => rollingMean({ windowMs: 1000, minCoverage: 5 }, clock), /^rollingMean: `minCoverage` must be a number from 0 to 1, got 5$/],
    ['phiAccrual', () => phiAccrual({ threshold: NaN }, clock), /^phiAccrual: `threshold` must be a positive finite number, got NaN$/],
    ['phiAccrual', () => phiAccrual({ threshold: 0 }, clock), /^phiAccrual: `threshold` must be a positive finite number, got 0$/],
    ['phiAccrual', () => phiAccrual({ checkEveryMs: 0 }, clock), /^phiAccrual: `checkEveryMs` must be a positive finite number of milliseconds, got 0$/],
    ['phiAccrual', () => phiAccrual({ windowSize: 0.5 }, clock), /^phiAccrual: `windowSize` must be a whole number of 1 or more, got 0.5$/],
    ['phiAccrual', () => phiAccrual({ minStdDevMs: -1 }, clock), /^phiAccrual: `minStdDevMs` must be a positive finite number of milliseconds, got -1$/],
    ['phiAccrual', () => phiAccrual({ acceptablePauseMs: NaN }, clock), /^phiAccrual: `acceptablePauseMs` must be a finite number of 0 or more milliseconds, got NaN$/],
    ['stabilized', () => stabilized({ forMs: NaN }, clock), /^stabilized: `forMs` must be a finite number of 0 or more milliseconds, got NaN$/],
    ['stabilized', () => stabilized({ forMs: -5 }, clock), /^stabilized: `forMs` must be a finite number of 0 or more milliseconds, got -5$/],
    ['staleness', () => staleness({ afterMs: 0 }, clock), /^staleness: `afterMs` must be a positive finite number of milliseconds, got 0$/],
    ['staleness', () => staleness({ afterMs: Number('10s') }, clock), /^staleness: `afterMs` must be a positive finite number of milliseconds, got NaN$/],
    ['failureDetector', () => failureDetector({ downAfterMs: NaN }, clock), /^failureDetector: `downAfterMs` must be a finite number of 0 or more milliseconds, got NaN$/],
    ['failureDetector', () => failureDetector({ upAfterMs: -1 }, clock), /^failureDetector: `upAfterMs` must be a finite number of 0 or more milliseconds, got -1$/],
  ])('%s refuses a bad option when it is made', (_name, make, message) => {
    expect(make).toThrow(RangeError);
    expect(make).toThrow(message);
  });

  it('takes the values at the edges', () => {
    expect(() => rollingMean({ windowMs: 1, minCoverage: 0 }, clock)).not.toThrow();
    expect(() => rollingMean({ windowMs: 1, minCoverage: 1 }, clock)).not.toThrow();
    expect(() => stabilized({ forMs: 0 }, clock)).not.toThrow();
    expect(() => failureDetector({ downAfterMs: 0, upAfterMs: 0 }, clock)).not.toThrow();
    expect(() => phiAccrual({ windowSize: 1, acceptablePauseMs: 0 }, clock)).not.toThrow();
  });
});
