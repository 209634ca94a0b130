import { describe, it } from 'vitest';
import { map } from 'rxjs';
import { staleness } from '../../src/analyzers/stale.js';
import { marbles, obs } from './marbles.js';

describe('staleness', () => {
  it('reports stale after the silence bound and fresh when readings return', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a 9ms a 49ms a 5ms |').pipe(map(() => obs(1)));
      // silence from 10 to 60 exceeds 30: stale at 40, fresh at 60; completes at 66
      expectObservable(source.pipe(staleness({ afterMs: 30 }, scheduler), map((s) => s.kind))).toBe('40ms s 19ms f 5ms |', { s: 'stale', f: 'fresh' });
    });
  });

  it('flags the last reading as stale in the symptom inputs', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a 50ms |', { a: obs(7, 0) });
      expectObservable(source.pipe(staleness({ afterMs: 20 }, scheduler), map((s) => s.inputs[0]?.stale))).toBe('20ms t 30ms |', { t: true });
    });
  });
});
