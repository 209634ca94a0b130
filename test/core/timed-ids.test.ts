import { describe, expect, it } from 'vitest';
import { TimedIds } from '../../src/core/timed-ids.js';

/** The id the engine and the invoker wrote before: one template per id. */
const template = (prefix: string, now: number, tag: string, n: number): string => `${prefix}${now}-${tag}${n}`;

describe('TimedIds', () => {
  it('gives the ids one template per id gave, the instant changing or not', () => {
    const instants = [0, 0, 0, 5, 5, 1_700_000_000_000, 1_700_000_000_000, 5, -0, 0, 0.5, Number.NaN, Number.NaN, Infinity, 7];
    for (const [prefix, tag] of [['d-', ''], ['d-', 'host:1:aa-'], ['inv-', '']] as const) {
      const ids = new TimedIds(prefix, tag);
      expect(instants.map((now) => ids.next(now))).toEqual(instants.map((now, i) => template(prefix, now, tag, i + 1)));
    }
  });

  it('counts one sequence for every instant: ids never repeat', () => {
    const ids = new TimedIds('inv-');
    const taken = [ids.next(1), ids.next(2), ids.next(1), ids.next(1)];
    expect(taken).toEqual(['inv-1-1', 'inv-2-2', 'inv-1-3', 'inv-1-4']);
    expect(new Set(taken).size).toBe(taken.length);
  });
});
