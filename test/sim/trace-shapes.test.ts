import { describe, expect, it } from 'vitest';
import { TRACE_SHAPES, generateTrace } from '../../src/sim/trace-shapes.js';

describe('generated trace shapes', () => {
  it('are repeatable per seed, differ across seeds, and follow their shape minute by minute', () => {
    for (const name of Object.keys(TRACE_SHAPES)) {
      const a = generateTrace(name, 105, 1);
      expect(Array.from(generateTrace(name, 105, 1).arrivals.subarray(0, 1000))).toEqual(Array.from(a.arrivals.subarray(0, 1000)));
      expect(generateTrace(name, 105, 1).arrivals.length).toBe(a.arrivals.length);
      expect(generateTrace(name, 105, 2).arrivals[0]).not.toBe(a.arrivals[0]);
      expect(a.durationSeconds).toBe(6300);
      let ordered = true;
      for (let i = 1; i < a.arrivals.length; i++) if ((a.arrivals[i] as number) < (a.arrivals[i - 1] as number)) ordered = false;
      expect(ordered).toBe(true);
    }
    // the step: about 10/s before minute 30, about 55/s between 30 and 70
    const step = generateTrace('step-up-down', 105, 1).arrivals;
    const perSecond = (from: number, to: number) => step.filter((t) => t >= from * 60 && t < to * 60).length / ((to - from) * 60);
    expect(perSecond(0, 30)).toBeCloseTo(10, 0);
    expect(perSecond(30, 70)).toBeGreaterThan(52);
    expect(perSecond(30, 70)).toBeLessThan(58);
  });

  it('names the known shapes when asked for an unknown one', () => {
    expect(() => generateTrace('tsunami')).toThrow(/no trace shape 'tsunami' \(known: flash-crowd, /);
  });
});
