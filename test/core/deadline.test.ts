import { describe, expect, it } from 'vitest';
import { Deadline } from '../../src/core/deadline.js';

describe('Deadline', () => {
  it('gives each later step what is left of one moment, never less than 0', () => {
    let now = 1_000;
    const deadline = Deadline.in(1_500, () => now);
    expect(deadline.at).toBe(2_500);
    expect(deadline.leftMs()).toBe(1_500);
    now += 400.4;
    expect(deadline.leftMs()).toBe(1_100);
    expect(deadline.passed()).toBe(false);
    now += 5_000;
    expect(deadline.leftMs()).toBe(0);
    expect(deadline.passed()).toBe(true);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s ms, saying what it needs', (ms) => {
    expect(() => Deadline.in(ms)).toThrow(`a deadline must be a finite number of ms from now, at least 0, not ${ms}`);
  });
});
