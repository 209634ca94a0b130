import { describe, expect, it } from 'vitest';
import { BoundedLog } from '../../src/knowledge/bounded-log.js';

describe('BoundedLog', () => {
  it('keeps the newest entries across many trims, reports each dropped entry once and oldest first', () => {
    for (const capacity of [1, 3, 10, 100]) {
      const log = new BoundedLog<number>(capacity);
      const dropped: number[] = [];
      const appended = capacity * 7 + 5;
      for (let n = 0; n < appended; n++) {
        log.append(n, (gone) => dropped.push(...gone));
        const kept = log.newestFirst(() => true, Infinity);
        expect(kept).toEqual(Array.from({ length: Math.min(n + 1, capacity) }, (_, i) => n - i));
        expect(log.size).toBe(Math.min(n + 1, capacity));
      }
      // what was dropped is every entry older than the ones held, in order, and nothing held was dropped
      expect(dropped).toEqual(Array.from({ length: dropped.length }, (_, i) => i));
      expect(dropped.length).toBeLessThanOrEqual(appended - capacity);
    }
  });

  it('filters and limits newest first', () => {
    const log = new BoundedLog<number>(5);
    for (let n = 0; n < 40; n++) log.append(n);
    expect(log.newestFirst((n) => n % 2 === 0, 2)).toEqual([38, 36]);
    expect(log.newestFirst(() => true, 100)).toEqual([39, 38, 37, 36, 35]);
  });

  it('takes a capacity that is not a whole number, as before it trimmed in place (a store bound from a config)', () => {
    const log = new BoundedLog<number>(10.5);
    const dropped: number[] = [];
    expect(() => {
      for (let n = 0; n < 100; n++) log.append(n, (gone) => dropped.push(...gone));
    }).not.toThrow();
    expect(log.newestFirst(() => true, Infinity)).toEqual(Array.from({ length: 10 }, (_, i) => 99 - i));
    expect(dropped).toEqual(Array.from({ length: dropped.length }, (_, i) => i));
  });
});
