import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { ActionTarget } from '../../../src/core/engine/action-target.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import type { Entity } from '../../../src/core/entity.js';
import { defineEffector, type AnyEffectorDefinition } from '../../../src/effectors/define-effector.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/**
 * The memo of a policy's action target against the plain lookups it stands for (`tree.find(ref)`, then
 * `entity.effector(name)`), over random histories of a small tree: entities added (again, with other
 * effectors, under other parents) and removed with their subtrees, effectors added or replaced, and lookups
 * of ids, paths and names that may or may not be there. Each lookup must give the very entity and effector
 * the tree gives at that moment, or throw the same error.
 */

const IDS = ['a', 'b', 'c'] as const;
const NAMES = ['restart', 'resize', 'drain'] as const;

type Step =
  | { readonly op: 'add'; readonly id: string; readonly under: number; readonly effectors: readonly number[] }
  | { readonly op: 'remove'; readonly id: string }
  | { readonly op: 'addEffector'; readonly id: string; readonly name: string }
  | { readonly op: 'look'; readonly ref: string; readonly name: string };

const id = fc.constantFrom(...IDS);
const name = fc.constantFrom(...NAMES);
const ref = fc.oneof(id, id, fc.tuple(id, id).map(([x, y]) => `/root/${x}/${y}`), id.map((x) => `/root/${x}`));
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), id, under: fc.integer({ min: 0, max: IDS.length }), effectors: fc.subarray([0, 1, 2]) }),
  fc.record({ op: fc.constant('remove' as const), id }),
  fc.record({ op: fc.constant('addEffector' as const), id, name }),
  fc.record({ op: fc.constant('look' as const), ref, name }),
  fc.record({ op: fc.constant('look' as const), ref, name }),
);

/** A new definition each time: a replaced effector is another object. */
const effector = (effectorName: string): AnyEffectorDefinition => defineEffector({ name: effectorName, params: z.object({}), run: () => undefined }) as AnyEffectorDefinition;

/** What a lookup gives: the effector, or the thrown error's message. */
function outcome(lookup: () => unknown): unknown {
  try {
    return lookup();
  } catch (error) {
    return `threw ${(error as Error).name}: ${(error as Error).message}`;
  }
}

function replay(steps: readonly Step[]): void {
  const tree = new EntityTree(new VirtualClock());
  const root = tree.add({ id: 'root', type: 'root' });
  const memo = new ActionTarget(tree);
  for (const s of steps) {
    if (s.op === 'add') {
      if (tree.find(s.id)) continue;
      const parent: Entity = (s.under === 0 ? undefined : tree.find(IDS[s.under - 1] as string)) ?? root;
      tree.add({ id: s.id, type: 't', effectors: s.effectors.map((i) => effector(NAMES[i] as string)) }, parent);
    } else if (s.op === 'remove') {
      if (tree.find(s.id)) tree.remove(s.id);
    } else if (s.op === 'addEffector') {
      tree.find(s.id)?.addEffector(effector(s.name));
    } else {
      const entity = memo.entityOf(s.ref);
      expect(entity).toBe(tree.find(s.ref));
      if (entity) expect(outcome(() => memo.effectorOf(entity, s.name))).toBe(outcome(() => entity.effector(s.name)));
    }
  }
}

describe("a policy's memo of its action target", () => {
  it('finds the entity and effector the tree finds, over random histories of the tree and its effectors', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40, size: 'max' }), (steps) => replay(steps)),
      { numRuns: 250 },
    );
  });

  it('gives the replacement of an effector added again, and the entity added again under a removed one\'s id', () => {
    const tree = new EntityTree(new VirtualClock());
    const root = tree.add({ id: 'root', type: 'root' });
    const memo = new ActionTarget(tree);
    const first = tree.add({ id: 'a', type: 't', effectors: [effector('restart')] }, root);
    expect(memo.effectorOf(first, 'restart')).toBe(first.effector('restart'));
    const replacement = effector('restart');
    first.addEffector(replacement);
    expect(memo.effectorOf(first, 'restart')).toBe(replacement);
    expect(memo.entityOf('a')).toBe(first);
    tree.remove('a');
    expect(memo.entityOf('a')).toBeUndefined();
    const second = tree.add({ id: 'a', type: 't' }, root);
    expect(memo.entityOf('a')).toBe(second);
    expect(() => memo.effectorOf(second, 'restart')).toThrow(/restart/);
  });
});
