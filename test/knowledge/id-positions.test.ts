import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoundedLog } from '../../src/knowledge/bounded-log.js';
import { IdPositions, hashOf } from '../../src/knowledge/id-positions.js';

interface Entry {
  readonly id: string;
  readonly n: number;
}

/** A log with its index, written through the index as the memory store writes decisions. */
function indexedLog(capacity: number) {
  const log = new BoundedLog<Entry>(capacity);
  const index = new IdPositions(log, (entry) => entry.id);
  return {
    log,
    index,
    write: (entry: Entry): void => index.write(entry),
  };
}

describe('IdPositions', () => {
  it('finds exactly the ids the log shows, at their place, over random writes with repeated ids (against a model)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        // few distinct ids, so that ids come back after they left and stale slots are taken again
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 600 }),
        (capacity, ids) => {
          const { log, index, write } = indexedLog(capacity);
          // the model: the newest `capacity` records, an update replacing the shown record in place
          let model: Entry[] = [];
          ids.forEach((raw, n) => {
            const entry = { id: `d-${raw}`, n };
            write(entry);
            const at = model.findIndex((e) => e.id === entry.id);
            if (at >= 0) model[at] = entry;
            else model = [...model, entry].slice(-capacity);
          });
          expect(log.newestFirst(() => true, Infinity)).toEqual([...model].reverse());
          for (let raw = 0; raw <= 40; raw++) {
            const id = `d-${raw}`;
            const position = index.find(id);
            const shown = model.find((e) => e.id === id);
            expect(position === undefined ? undefined : log.at(position)).toEqual(shown);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps finding the newest records through many rebuilds of its table, and nothing that left', () => {
    const { log, index, write } = indexedLog(100);
    for (let n = 0; n < 50_000; n++) write({ id: `d-0-${n}`, n });
    for (let n = 49_900; n < 50_000; n++) expect(log.at(index.find(`d-0-${n}`) as number)).toEqual({ id: `d-0-${n}`, n });
    for (const n of [0, 1, 25_000, 49_899]) expect(index.find(`d-0-${n}`)).toBeUndefined();
  });

  it('tells apart ids whose hashes are the same, through updates and rebuilds', () => {
    // two ids FNV-1a hashes alike (found by search): the table holds the hash, and only the id tells them apart
    const [a, b] = ['d-486889', 'd-1477804'];
    expect(hashOf(a)).toBe(hashOf(b));
    const { log, index, write } = indexedLog(50);
    write({ id: a, n: 0 });
    expect(index.find(b)).toBeUndefined();
    write({ id: b, n: 1 });
    write({ id: a, n: 2 }); // an update of a, in place
    expect(log.newestFirst(() => true, Infinity)).toEqual([{ id: b, n: 1 }, { id: a, n: 2 }]);
    // other writes, enough for rebuilds, the two still shown until they leave the log
    for (let n = 3; n < 40; n++) write({ id: `x-${n}`, n });
    expect(log.at(index.find(a) as number)).toEqual({ id: a, n: 2 });
    expect(log.at(index.find(b) as number)).toEqual({ id: b, n: 1 });
    for (let n = 40; n < 200; n++) write({ id: `x-${n}`, n });
    expect(index.find(a)).toBeUndefined();
    expect(index.find(b)).toBeUndefined();
    write({ id: b, n: 200 });
    expect(log.at(index.find(b) as number)).toEqual({ id: b, n: 200 });
    expect(index.find(a)).toBeUndefined();
  });

  it('is sized by what the log shows, not by its bound: a bound of a billion, or none, costs nothing up front', () => {
    for (const capacity of [1e9, Infinity]) {
      const before = process.memoryUsage().arrayBuffers;
      const { log, index, write } = indexedLog(capacity);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1_000_000);
      for (let n = 0; n < 5_000; n++) write({ id: `d-${n}`, n });
      for (const n of [0, 2_500, 4_999]) expect(log.at(index.find(`d-${n}`) as number)).toEqual({ id: `d-${n}`, n });
      expect(index.find('d-5000')).toBeUndefined();
    }
  });
});
