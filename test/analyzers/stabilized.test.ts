import { describe, it } from 'vitest';
import { map } from 'rxjs';
import { stabilized } from '../../src/analyzers/stabilized.js';
import type { Symptom } from '../../src/policies/define-policy.js';
import { marbles } from './marbles.js';

const symptom = (kind: string): Symptom => ({ kind, inputs: [] });

describe('stabilized', () => {
  it('passes a condition on only after it held for the whole delay', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('d 9ms u 19ms -|').pipe(map((k) => symptom(k)));
      // `d` is interrupted by `u` after 10 ms (delay 15): never emitted. `u` holds 15 ms: emitted at 10+15.
      expectObservable(source.pipe(stabilized({ forMs: 15 }, scheduler), map((s) => s.kind))).toBe('25ms u 5ms |');
    });
  });

  it('lets further symptoms of a stable condition through at once, and a flap restarts the wait', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a 9ms a 9ms a 4ms b 4ms a 29ms |').pipe(map((k) => symptom(k)));
      // a at 0 stable at 10 -> emitted 10 (the a at 10 too, counted once), a at 20 passes; b at 25 then a at 30
      // restart the wait: a stable again at 40.
      expectObservable(source.pipe(stabilized({ forMs: 10 }, scheduler), map((s) => s.kind))).toBe('10ms a 9ms a 19ms a 19ms |');
    });
  });

  it('passes everything straight through with no delay', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a-b-a|').pipe(map((k) => symptom(k)));
      expectObservable(source.pipe(stabilized({ forMs: 0 }, scheduler), map((s) => s.kind))).toBe('a-b-a|');
    });
  });
});
