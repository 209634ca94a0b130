import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_STARTS_PER_TARGET_AT_INSTANT, StartsAtInstant, entityIdIn } from '../../../src/core/engine/starts-at-instant.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import type { Action } from '../../../src/knowledge/decision.js';

/** A tree `app` with children `a` and `b`: its entities named by id and by path, and names that are in no tree. */
function treeOfTwo(): EntityTree {
  const tree = new EntityTree(new VirtualClock());
  const app = tree.add({ id: 'app', type: 'application' });
  tree.add({ id: 'a', type: 'server' }, app);
  tree.add({ id: 'b', type: 'server' }, app);
  return tree;
}
/** The entity each name means, as the model counts targets. */
const meant: Record<string, string> = { a: 'a', '/app/a': 'a', b: 'b', '/app/b': 'b', 'c/d': 'c/d', '/app/gone': '/app/gone' };

const action = fc.record({ entity: fc.constantFrom(...Object.keys(meant)), effector: fc.constantFrom('grow', 'ping') });
/** A plan started at an instant (times only move on), or a question about one. */
const step = fc.record({ later: fc.oneof({ arbitrary: fc.constant(0), weight: 40 }, fc.constantFrom(1, 5)), actions: fc.array(action, { minLength: 1, maxLength: 3 }), start: fc.boolean() });

describe('StartsAtInstant', () => {
  it('names a target of a plan exactly when the plans started on it at this instant reached the bound, an entity named by id or by path counting as one (against a model)', () => {
    let refused = 0;
    const tree = treeOfTwo();
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 200, size: 'max' }), (steps) => {
        const starts = new StartsAtInstant(entityIdIn(tree));
        let now = 0;
        let model = new Map<string, number>();
        for (const { later, actions, start } of steps) {
          if (later > 0) model = new Map();
          now += later;
          const key = (a: Action): string => `${meant[a.entity] as string}|${a.effector}`;
          const expected = actions.find((a) => (model.get(key(a)) ?? 0) >= MAX_STARTS_PER_TARGET_AT_INSTANT);
          expect(starts.spent(actions, now)).toEqual(expected);
          if (expected) refused++;
          if (start) {
            starts.started(actions, now);
            for (const k of new Set(actions.map(key))) model.set(k, (model.get(k) ?? 0) + 1);
          }
        }
      }),
      { numRuns: 500 },
    );
    // the bound was reached in many runs, not only the instants below it
    expect(refused).toBeGreaterThan(500);
  });
});
