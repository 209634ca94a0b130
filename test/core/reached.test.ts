import { describe, expect, it } from 'vitest';
import { reached } from '../../src/core/reached.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('reached', () => {
  it('emits once, at the instant, on a virtual clock', async () => {
    const clock = new VirtualClock();
    const heard: number[] = [];
    reached(1_000, clock).subscribe({ next: () => heard.push(clock.now()), complete: () => heard.push(-1) });
    await clock.advanceBy(999);
    expect(heard).toEqual([]);
    await clock.advanceBy(5_000);
    expect(heard).toEqual([1_000, -1]);
  });

  it('looks again when its timer fires while the clock still reads before the instant', async () => {
    const clock = new VirtualClock();
    // armed at 0 for 1,000 ms, but by then the clock reads 0.5 ms behind its timers (a timer measured from an
    // earlier reading than the one its callback makes)
    clock.now = () => (clock.frame >= 500 ? clock.frame - 0.5 : clock.frame);
    const heard: number[] = [];
    reached(1_000, clock).subscribe(() => heard.push(clock.now()));
    await clock.advanceBy(1_000);
    expect(heard).toEqual([]);
    await clock.advanceBy(1);
    expect(heard).toEqual([1_000]);
  });

  it('emits at once for an instant already past, and never after an unsubscribe', async () => {
    const clock = new VirtualClock(5_000);
    let past = 0;
    reached(1_000, clock).subscribe(() => past++);
    expect(past).toBe(1);
    let later = 0;
    reached(9_000, clock).subscribe(() => later++).unsubscribe();
    await clock.advanceBy(10_000);
    expect(later).toBe(0);
  });
});
