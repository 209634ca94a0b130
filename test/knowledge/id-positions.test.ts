import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoundedLog } from '../../src/knowledge/bounded-log.js';
import { IdPositions } from '../../src/knowledge/id-positions.js';

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
