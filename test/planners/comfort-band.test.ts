import { describe, expect, it } from 'vitest';
import { nextComfort } from '../../src/planners/comfort-band.js';

describe('comfort band', () => {
  const band = { enter: 0.2, leave: 0.5 };

  it('enters at or below enter, leaves only above leave, and keeps its state in between (hysteresis)', () => {
    // a response time wandering between the thresholds never flips the state
    const readings = [0.3, 0.19, 0.3, 0.45, 0.5, 0.51, 0.3, 0.25, 0.2];
    const states: boolean[] = [];
    let comfortable = false;
    for (const rt of readings) states.push((comfortable = nextComfort(comfortable, rt, band)));
    expect(states).toEqual([false, true, true, true, true, false, false, false, true]);
  });

  it('keeps the state without a reading', () => {
    expect(nextComfort(true, undefined, band)).toBe(true);
    expect(nextComfort(false, undefined, band)).toBe(false);
    expect(nextComfort(true, Number.NaN, band)).toBe(true);
  });
});
