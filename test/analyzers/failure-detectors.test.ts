import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { failureDetector } from '../../src/analyzers/failure-detector.js';
import { phi, phiAccrual } from '../../src/analyzers/phi-accrual.js';
import { marbles, obs } from './marbles.js';

const health = { u: true, d: false };

describe('failureDetector', () => {
  it('declares down after the down delay and up after the (longer) up delay; blips are ignored', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      // up at 0; a 5 ms blip at 10; down at 30 for good; up at 60, down at 70 (recovery too short), up at 80
      const source = cold('u 9ms d 4ms u 14ms d 29ms u 9ms d 9ms u 49ms |', health).pipe(map((v) => obs(v)));
      const out = source.pipe(failureDetector({ downAfterMs: 10, upAfterMs: 20 }, scheduler), map((s) => s.kind));
      expectObservable(out).toBe('40ms D 59ms U 29ms |', { D: 'down', U: 'up' });
    });
  });

  it('says nothing about an entity that never came up', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('d 50ms d |', health).pipe(map((v) => obs(v)));
      expectObservable(source.pipe(failureDetector({ downAfterMs: 10 }, scheduler))).toBe('52ms |');
    });
  });
});

describe('phiAccrual', () => {
  it('phi grows with the silence', () => {
    expect(phi(1000, 1000, 100)).toBeCloseTo(0.3, 1);
    expect(phi(1500, 1000, 100)).toBeCloseTo(7.3, 1);
    expect(phi(1600, 1000, 100)).toBeGreaterThan(8);
    expect(phi(500, 1000, 100)).toBeLessThan(0.01);
  });

  it('learns a 1 s heartbeat, declares down once a silence is improbable, and up at the next beat', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      // beats every 1000 ms up to 5000, then silence until 9000
      const beats = cold('h 999ms h 999ms h 999ms h 999ms h 999ms h 3999ms h 1999ms |').pipe(map(() => obs(true, scheduler.now())));
      const out = beats.pipe(phiAccrual({ threshold: 8, minStdDevMs: 100, checkEveryMs: 100 }, scheduler), map((s) => s.kind));
      // mean 1000, sd floor 100: phi passes 8 after about 1.56 s of silence -> the check at 6600 sees it
      expectObservable(out).toBe('6600ms D 2399ms U 1999ms |', { D: 'down', U: 'up' });
    });
  });
});
