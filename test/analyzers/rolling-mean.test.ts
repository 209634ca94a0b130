import { describe, it } from 'vitest';
import { map } from 'rxjs';
import { rollingMean } from '../../src/analyzers/rolling-mean.js';
import { marbles, obs } from './marbles.js';

describe('rollingMean', () => {
  it('emits nothing until the window is covered, then the time-weighted mean', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      // readings at 0 (10), 40 (30), 80 (30), 100 (10); window 100, coverage 0.8
      const source = cold('a 39ms b 39ms c 19ms d|', { a: 10, b: 30, c: 30, d: 10 }).pipe(map((v) => obs(v, scheduler.now())));
      const out = source.pipe(rollingMean({ windowMs: 100, minCoverage: 0.8 }, scheduler), map((o) => [o.value, o.coverage]));
      // at 80: covered 80 -> (10*40 + 30*40)/80 = 20; at 100: (10*40 + 30*60)/100 = 22
      expectObservable(out).toBe('80ms x 19ms y|', { x: [20, 0.8], y: [22, 1] });
    });
  });

  it('slides: readings older than the window stop counting', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a 99ms b 99ms c|', { a: 100, b: 0, c: 0 }).pipe(map((v) => obs(v, scheduler.now())));
      const out = source.pipe(rollingMean({ windowMs: 100, minCoverage: 1 }, scheduler), map((o) => o.value));
      // at 100: 100 held the whole window -> 100; at 200: 0 held the whole window -> 0
      expectObservable(out).toBe('100ms x 99ms y|', { x: 100, y: 0 });
    });
  });
});
