import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import type { Entity } from '../../src/core/entity.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** One step of a random history: add an entity (with a tenant or none) under another, or remove one. */
type Step = { readonly op: 'add'; readonly under: number; readonly tenant: number } | { readonly op: 'remove'; readonly entity: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('add' as const), under: fc.nat(60), tenant: fc.nat(3) }), weight: 3 },
  fc.record({ op: fc.constant('remove' as const), entity: fc.nat(60) }),
);

describe('EntityTree.tenantEntities', () => {
  it('holds exactly the entities in the tree that declare the tenant, over random histories', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
        const tree = new EntityTree(new VirtualClock());
        const root = tree.add({ id: 'root', type: 'application' });
        let made = 0;
        for (const s of steps) {
          const entities = [...tree.entities()];
          if (s.op === 'add') {
            const tenant = s.tenant === 0 ? undefined : `t${s.tenant}`;
            tree.add({ id: `e${made++}`, type: 'server', ...(tenant === undefined ? {} : { tenant }) }, entities[s.under % entities.length]);
          } else {
            const target = entities[s.entity % entities.length] as Entity;
            if (target !== root) tree.remove(target);
          }
          for (const tenant of ['t1', 't2', 't3']) {
            const scanned = [...tree.entities()].filter((e) => e.tenant === tenant);
            expect(new Set(tree.tenantEntities(tenant))).toEqual(new Set(scanned));
            expect(tree.tenantEntities(tenant)).toHaveLength(scanned.length);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
