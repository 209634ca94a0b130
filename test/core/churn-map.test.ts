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
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (ops, maxFree) => {
        const churn = new ChurnMap<number, string>(maxFree);
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
});
