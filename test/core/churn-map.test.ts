import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChurnMap } from '../../src/core/churn-map.js';

type Op = { readonly kind: 'set'; readonly key: number; readonly value: string } | { readonly kind: 'delete'; readonly key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.nat({ max: 40 }), value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.nat({ max: 40 }) }),
);

describe('ChurnMap', () => {
  it('reads as a Map after any sequence of sets and deletes, free slots let go or not', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (ops, minSweepEvery) => {
        const churn = new ChurnMap<number, string>((key) => key % 2 === 0, minSweepEvery);
        const map = new Map<number, string>();
        for (const o of ops) {
          if (o.kind === 'set') {
            churn.set(o.key, o.value);
            map.set(o.key, o.value);
          } else expect(churn.delete(o.key)).toBe(map.delete(o.key));
          expect(churn.size).toBe(map.size);
        }
        for (let key = 0; key <= 40; key++) {
          expect(churn.get(key)).toBe(map.get(key));
          expect(churn.has(key)).toBe(map.has(key));
        }
        expect([...churn.values()].sort()).toEqual([...map.values()].sort());
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a value that is an empty string, zero or false as a live entry', () => {
    const churn = new ChurnMap<string, unknown>();
    churn.set('a', '');
    churn.set('b', 0);
    churn.set('c', false);
    expect(churn.size).toBe(3);
    expect(['a', 'b', 'c'].map((k) => churn.has(k))).toEqual([true, true, true]);
    expect(churn.delete('b')).toBe(true);
    expect(churn.delete('b')).toBe(false);
    expect(churn.size).toBe(2);
  });

  it('keeps the slots of keys that may come back through any number of sweeps', () => {
    const removed = new Set<number>();
    const churn = new ChurnMap<number, true>((key) => !removed.has(key), 64);
    const keys = 10_000;
    let lowest = Infinity;
    for (let pass = 0; pass < 10; pass++) {
      for (let key = 0; key < keys; key++) {
        churn.set(key, true);
        churn.delete(key);
        if (pass > 0) lowest = Math.min(lowest, churn.slots);
      }
    }
    // after the first pass every key has its slot, and no sweep lets one go
    expect(lowest).toBe(keys);
    expect(churn.size).toBe(0);
    // keys that will not come back are let go at the next sweeps, the others kept
    for (let key = 0; key < keys / 2; key++) removed.add(key);
    for (let i = 0; i < 3 * keys; i++) {
      const key = keys / 2 + (i % (keys / 2));
      churn.set(key, true);
      churn.delete(key);
    }
    expect(churn.slots).toBe(keys / 2);
    churn.set(7, true);
    expect([churn.size, churn.has(7), churn.has(keys - 1)]).toEqual([1, true, false]);
  });

  it('lets go every free slot at a sweep when no key may come back: at most the live ones and an interval', () => {
    const churn = new ChurnMap<string, number>(undefined, 100);
    churn.set('held', 0);
    let most = 0;
    for (let i = 0; i < 100_000; i++) {
      churn.set(`gone-${i}`, i);
      churn.delete(`gone-${i}`);
      most = Math.max(most, churn.slots);
    }
    expect(most).toBeLessThanOrEqual(1 + 101);
    expect([churn.size, churn.get('held')]).toEqual([1, 0]);
  });

  it('sweeps as rarely as the slots after the last sweep are many (constant work per delete)', () => {
    let asked = 0;
    const churn = new ChurnMap<number, true>(() => {
      asked++;
      return true;
    }, 16);
    const keys = 5_000;
    const deletes = 20 * keys;
    for (let i = 0; i < deletes; i++) {
      churn.set(i % keys, true);
      churn.delete(i % keys);
    }
    // each sweep asks about each free slot once; sweeps come once per (slots after the last) deletes
    expect(asked).toBeLessThanOrEqual(3 * deletes);
    expect(asked).toBeGreaterThan(0);
  });
});
