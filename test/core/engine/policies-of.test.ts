import fc from 'fast-check';
import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../../src/core/entity-tree.js';
import type { Entity } from '../../../src/core/entity.js';
import { Engine } from '../../../src/core/engine/engine.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

const idle = definePolicy({ name: 'idle', config: z.object({}), monitor: () => NEVER, analyze: (source) => source, plan: () => undefined });
const other = definePolicy({ name: 'other', config: z.object({}), monitor: () => NEVER, analyze: (source) => source, plan: () => undefined });

/** One step of a random history: add or remove an entity; attach, detach, reconfigure or suspend a policy; ask. */
type Step =
  | { readonly op: 'add'; readonly entity: number }
  | { readonly op: 'remove'; readonly entity: number }
  | { readonly op: 'ask'; readonly entity: number }
  | { readonly op: 'attach'; readonly entity: number; readonly second: boolean }
  | { readonly op: 'detach'; readonly policy: number }
  | { readonly op: 'reconfigure'; readonly policy: number }
  | { readonly op: 'suspend'; readonly policy: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('add' as const, 'remove' as const, 'ask' as const), entity: fc.nat(40) }),
  { arbitrary: fc.record({ op: fc.constant('attach' as const), entity: fc.nat(40), second: fc.boolean() }), weight: 2 },
  fc.record({ op: fc.constantFrom('detach' as const, 'reconfigure' as const, 'suspend' as const), policy: fc.nat(40) }),
);

describe('Engine.policiesOf', () => {
  it("answers what policies() filtered by the entity answers, in the same order, over random histories", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), (steps) => {
        const clock = new VirtualClock();
        const tree = new EntityTree(clock);
        const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
        const root = tree.add({ id: 'root', type: 'application' });
        engine.start();
        let made = 0;
        let ids = 0;
        const check = (entity: Entity): void => expect(engine.policiesOf(entity)).toEqual(engine.policies().filter((p) => p.entity === entity.id));
        for (const s of steps) {
          const entities = [...tree.entities()];
          const policies = engine.policies().map((p) => p.id);
          if (s.op === 'add') tree.add({ id: `e${made++}`, type: 'server' }, entities[s.entity % entities.length]);
          else if (s.op === 'remove') {
            const target = entities[s.entity % entities.length] as Entity;
            if (target !== root) tree.remove(target);
          } else if (s.op === 'ask') check(entities[s.entity % entities.length] as Entity);
          else if (s.op === 'attach') engine.attach(entities[s.entity % entities.length] as Entity, s.second ? other : idle, {}, { id: `p${ids++}` });
          else if (policies.length > 0) {
            const id = policies[s.policy % policies.length] as string;
            if (s.op === 'detach') engine.detach(id);
            else if (s.op === 'reconfigure') engine.reconfigure(id, {});
            else engine.suspend(id, 'test');
          }
        }
        for (const entity of tree.entities()) check(entity);
      }),
      { numRuns: 300 },
    );
  });
});
