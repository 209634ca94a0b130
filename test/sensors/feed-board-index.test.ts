import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeedBoard, FeedHealth } from '../../src/sensors/feeds/feed-health.js';

describe("FeedBoard's index of feeds by entity", () => {
  it("gives an entity's feeds as a scan of every feed would, over random adds, replacements and removals", () => {
    const op = fc.record({ remove: fc.boolean(), feed: fc.nat(12), entity: fc.nat(4) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const board = new FeedBoard();
        const removals = new Map<string, () => void>();
        for (const o of ops) {
          const id = `f${o.feed}`;
          if (o.remove) removals.get(id)?.();
          // a feed added again under the same id (a restarted feed) replaces the one before, on whatever entity
          else removals.set(id, board.add(new FeedHealth(id, 'tcp', `e${o.entity}`, 'service.up')));
          const all = board.health();
          for (let e = 0; e < 5; e++) expect(board.health(`e${e}`).map((f) => f.id).sort()).toEqual(all.filter((f) => f.entity === `e${e}`).map((f) => f.id).sort());
        }
      }),
      { numRuns: 300 },
    );
  });
});
