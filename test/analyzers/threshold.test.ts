import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { threshold } from '../../src/analyzers/threshold.js';
import { marbles, obs } from './marbles.js';

describe('threshold', () => {
  it('emits on level changes only, with hysteresis holding the level near the bound', () => {
    marbles().run(({ cold, expectObservable }) => {
      const values = { a: 50, b: 85, c: 78, d: 74, e: 90, f: 10 };
      const source = cold('a-b-c-d-e-f|', values).pipe(map((v) => obs(v)));
      const kinds = source.pipe(threshold({ above: 80, below: 20, hysteresis: 5 }), map((s) => s.kind));
      // 78 stays above (within 5 of 80), 74 returns to normal, 10 is below.
      expectObservable(kinds).toBe('--H---N-H-L|', { H: 'above', N: 'normal', L: 'below' });
    });
  });

  it('emits every breaching reading when emit is every', () => {
    marbles().run(({ cold, expectObservable }) => {
      const source = cold('a-b-b-a|', { a: 10, b: 95 }).pipe(map((v) => obs(v)));
      expectObservable(source.pipe(threshold({ above: 80, emit: 'every' }), map((s) => s.kind))).toBe('--H-H-N|', { H: 'above', N: 'normal' });
    });
  });

  it('carries the reading that crossed as the input', () => {
    marbles().run(({ cold, expectObservable }) => {
      const source = cold('a|', { a: obs(99, 7) });
      expectObservable(source.pipe(threshold({ above: 80 }))).toBe('a|', {
        a: { kind: 'above', inputs: [obs(99, 7)], detail: { value: 99, bound: 80 } },
      });
    });
  });

  it('keeps each set of bounds apart when many policies share rules, -0 and 0 included', () => {
    // more distinct bounds than are kept shared, each classifying by its own bound
    const bounds = Array.from({ length: 100 }, (_, i) => i);
    for (const bound of bounds) {
      marbles().run(({ cold, expectObservable }) => {
        const source = cold('a-b-c|', { a: bound - 0.5, b: bound + 0.5, c: bound }).pipe(map((v) => obs(v)));
        expectObservable(source.pipe(threshold({ above: bound }), map((s) => `${s.kind}:${String(s.detail.bound)}`))).toBe('--a-b|', { a: `above:${bound}`, b: 'normal:undefined' });
      });
    }
    for (const bound of [0, -0, 0, -0]) {
      marbles().run(({ cold, expectObservable }) => {
        const source = cold('a|', { a: 1 }).pipe(map((v) => obs(v)));
        const sign = source.pipe(threshold({ above: bound }), map((s) => (Object.is(s.detail.bound, -0) ? '-0' : String(s.detail.bound))));
        expectObservable(sign).toBe('a|', { a: Object.is(bound, -0) ? '-0' : '0' });
      });
    }
  });

  it('keeps each stream\'s level apart when streams share the same bounds (hysteresis and emit every)', () => {
    marbles().run(({ cold, expectObservable }) => {
      const options = { above: 80, hysteresis: 10, emit: 'every' } as const;
      const shared = threshold(options);
      const kinds = (marble: string, values: Record<string, number>, operator: typeof shared) => cold(marble, values).pipe(map((v) => obs(v)), operator, map((s) => s.kind));
      // a goes above and stays there within the hysteresis; b, on the same bounds, never left normal
      expectObservable(kinds('a-b-b|', { a: 90, b: 75 }, shared)).toBe('H-H-H|', { H: 'above' });
      expectObservable(kinds('-b-b-|', { b: 75 }, shared)).toBe('-----|');
      expectObservable(kinds('b-a-b|', { a: 90, b: 75 }, threshold({ ...options }))).toBe('--H-H|', { H: 'above' });
    });
  });

  it('refuses bounds that make no sense', () => {
    expect(() => threshold({})).toThrow(RangeError);
    expect(() => threshold({ above: 10, below: 20 })).toThrow(/exceeds/);
  });

  it('refuses a bound or hysteresis that is not a number, saying which (a NaN bound would never fire)', () => {
    expect(() => threshold({ above: Number.NaN })).toThrow("threshold: `above` must be a number, got NaN");
    expect(() => threshold({ above: 90, below: Number.NaN })).toThrow("threshold: `below` must be a number, got NaN");
    expect(() => threshold({ above: '80' as unknown as number })).toThrow("threshold: `above` must be a number, got the string '80'");
    expect(() => threshold({ above: 80, hysteresis: Number.NaN })).toThrow('threshold: `hysteresis` must be a finite number of 0 or more, got NaN');
    expect(() => threshold({ above: 80, hysteresis: -1 })).toThrow('threshold: `hysteresis` must be a finite number of 0 or more, got -1');
    expect(() => threshold({ above: 80, hysteresis: Infinity })).toThrow(RangeError);
    expect(() => threshold({ above: Infinity, below: -Infinity, hysteresis: 0 })).not.toThrow();
    expect(() => threshold({ above: 80, emit: 'evry' as 'every' })).toThrow("threshold: `emit` must be 'change' or 'every', got the string 'evry'");
  });
});
