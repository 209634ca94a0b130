import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { consecutiveFailures } from '../../src/analyzers/consecutive-failures.js';
import { marbles, obs } from './marbles.js';

const health = { u: true, d: false };

describe('consecutiveFailures', () => {
  it('reports down after N failures in a row and up after M passes', () => {
    marbles().run(({ cold, expectObservable }) => {
      // up after two passes; two failures then a pass do not trip; three in a row do; two passes recover.
      const source = cold('u-u-d-d-u-d-d-d-d-u-u|', health).pipe(map((v) => obs(v)));
      const out = source.pipe(consecutiveFailures({ failures: 3, recoveries: 2 }), map((s) => s.kind));
      expectObservable(out).toBe('--------------D-----U|', { D: 'down', U: 'up' });
    });
  });

  it('does not report an entity that was never up, unless asked to', () => {
    marbles().run(({ cold, expectObservable }) => {
      const source = cold('d-d-d|', health).pipe(map((v) => obs(v)));
      expectObservable(source.pipe(consecutiveFailures({ failures: 2 }), map((s) => s.kind))).toBe('-----|');
      expectObservable(source.pipe(consecutiveFailures({ failures: 2, onlyIfPreviouslyUp: false }), map((s) => s.kind))).toBe('--D--|', { D: 'down' });
    });
  });

  it('refuses counts that are not whole numbers of 1 or more, saying which (NaN failures kept every failed check)', () => {
    expect(() => consecutiveFailures({ failures: Number.NaN })).toThrow('consecutiveFailures: `failures` must be a whole number of 1 or more, got NaN');
    expect(() => consecutiveFailures({ failures: 0 })).toThrow('consecutiveFailures: `failures` must be a whole number of 1 or more, got 0');
    expect(() => consecutiveFailures({ recoveries: 1.5 })).toThrow('consecutiveFailures: `recoveries` must be a whole number of 1 or more, got 1.5');
    expect(() => consecutiveFailures({ recoveries: '2' as unknown as number })).toThrow(RangeError);
    expect(() => consecutiveFailures({ failures: 1, recoveries: 1 })).not.toThrow();
  });
});
