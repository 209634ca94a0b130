import { describe, expect, it } from 'vitest';
import { BoundedLog } from '../../src/knowledge/bounded-log.js';

describe('BoundedLog', () => {
  it('keeps the newest entries across many laps of the ring, each at the position append gave it, and none older', () => {
    for (const capacity of [1, 3, 10, 100]) {
      const log = new BoundedLog<number>(capacity);
      const appended = capacity * 7 + 5;
      for (let n = 0; n < appended; n++) {
        expect(log.append(n)).toBe(n);
        expect(log.nextPosition).toBe(n + 1);
        const kept = log.newestFirst(() => true, Infinity);
        expect(kept).toEqual(Array.from({ length: Math.min(n + 1, capacity) }, (_, i) => n - i));
        expect(log.size).toBe(Math.min(n + 1, capacity));
        // every position shows its entry exactly while queries show it (entries held past the capacity, waiting for a trim, are not shown)
        for (let p = Math.max(0, n - capacity - 40); p <= n + 1; p++) expect(log.at(p)).toBe(p <= n && p > n - capacity ? p : undefined);
      }
    }
  });

  it('replaces an entry in its place while it is shown, and refuses once it is not', () => {
    const log = new BoundedLog<string>(3);
    for (const entry of ['a', 'b', 'c']) log.append(entry);
    expect(log.replace(0, 'A')).toBe(true);
    expect(log.newestFirst(() => true, 10)).toEqual(['c', 'b', 'A']);
    log.append('d');
    expect(log.replace(0, 'gone')).toBe(false);
    expect(log.replace(4, 'not yet')).toBe(false);
    expect(log.replace(1.5, 'between')).toBe(false);
    expect(log.newestFirst(() => true, 10)).toEqual(['d', 'c', 'b']);
  });

  it('filters and limits newest first', () => {
    const log = new BoundedLog<number>(5);
    for (let n = 0; n < 40; n++) log.append(n);
    expect(log.newestFirst((n) => n % 2 === 0, 2)).toEqual([38, 36]);
    expect(log.newestFirst(() => true, 100)).toEqual([39, 38, 37, 36, 35]);
  });

  it('takes a capacity that is not a whole number, its whole part (a store bound from a config)', () => {
    const log = new BoundedLog<number>(10.5);
    expect(() => {
      for (let n = 0; n < 100; n++) log.append(n);
    }).not.toThrow();
    expect(log.newestFirst(() => true, Infinity)).toEqual(Array.from({ length: 10 }, (_, i) => 99 - i));
    expect(log.at(90)).toBe(90);
    expect(log.at(89)).toBeUndefined();
  });
});
