import fc from 'fast-check';
import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../src/core/entity-tree.js';
import type { Entity } from '../../src/core/entity.js';
import { Engine } from '../../src/core/engine/engine.js';
import { definePolicy } from '../../src/policies/define-policy.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { MAX_TREE_DEPTH } from '../../src/core/limits.js';

const idle = definePolicy({ name: 'idle', config: z.object({}), monitor: () => NEVER, analyze: (source) => source, plan: () => undefined });
const other = definePolicy({ name: 'other', config: z.object({}), monitor: () => NEVER, analyze: (source) => source, plan: () => undefined });

function fleet() {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
  return { tree, engine };
}

describe('removing a subtree', () => {
  it('announces every entity after its children, each already off its parent list, and detaches their policies', () => {
    const { tree, engine } = fleet();
    const root = tree.add({ id: 'root', type: 'application' });
    const cluster = tree.add({ id: 'cluster', type: 'cluster' }, root);
    for (let i = 0; i < 4; i++) {
      const server = tree.add({ id: `s${i}`, type: 'server' }, cluster);
      tree.add({ id: `s${i}-disk`, type: 'volume' }, server);
      engine.attach(server, idle, {});
    }
    engine.attach(cluster, idle, {});
    engine.attach(root, idle, {});
    engine.start();
    const seen: string[] = [];
    tree.changes$.subscribe((change) => {
      if (change.kind !== 'removed') return;
      // at its announcement the entity is off its parent's list; its own children have all left before it
      expect(change.parent?.children).not.toContain(change.entity);
      expect(change.entity.children).toEqual([]);
      seen.push(change.entity.id);
    });
    tree.remove(cluster);
    expect(seen).toEqual(['s3-disk', 's3', 's2-disk', 's2', 's1-disk', 's1', 's0-disk', 's0', 'cluster']);
    expect(root.children).toEqual([]);
    expect(tree.size).toBe(1);
    expect(engine.policies().map((p) => p.id)).toEqual(['root/idle']);
  });

  it('refuses to add under an entity being removed, so a watcher replacing each child that leaves cannot make the removal endless', () => {
    const { tree } = fleet();
    const root = tree.add({ id: 'root', type: 'application' });
    const pool = tree.add({ id: 'pool', type: 'group' }, root);
    for (let i = 0; i < 3; i++) tree.add({ id: `w${i}`, type: 'server' }, pool);
    // a "keep the pool at three" watcher (bounded, so that the test ends even if the removal chased it)
    const refused: string[] = [];
    let next = 100;
    tree.changes$.subscribe((change) => {
      if (change.kind !== 'removed' || change.parent !== pool || next > 1_000) return;
      try {
        tree.add({ id: `w${next++}`, type: 'server' }, pool);
      } catch (error) {
        refused.push((error as { code?: string }).code ?? String(error));
      }
    });
    tree.remove(pool);
    expect(refused).toEqual(['E_ENTITY_LEAVING', 'E_ENTITY_LEAVING', 'E_ENTITY_LEAVING']);
    expect([...tree.entities()].map((e) => e.id)).toEqual(['root']); // no orphan left in the tree's index
    // once removed, the id is free again
    tree.add({ id: 'pool', type: 'group' }, root);
    expect(tree.size).toBe(2);
  });

  it('refuses a member joining an entity being removed', () => {
    const { tree } = fleet();
    const root = tree.add({ id: 'root', type: 'application' });
    const group = tree.add({ id: 'group', type: 'group' }, root);
    const a = tree.add({ id: 'a', type: 'server' }, root);
    const child = tree.add({ id: 'child', type: 'server' }, group);
    const codes: string[] = [];
    tree.changes$.subscribe((change) => {
      if (change.kind !== 'removed' || change.entity !== child) return;
      try {
        tree.addMember(group, a);
      } catch (error) {
        codes.push((error as { code?: string }).code ?? String(error));
      }
    });
    tree.remove(group);
    expect(codes).toEqual(['E_ENTITY_LEAVING']);
    expect(a.groups).toEqual([]);
  });

  it('announces an entity once when a subscriber asks to remove it while it is being removed (remove empty groups)', () => {
    const { tree } = fleet();
    const root = tree.add({ id: 'root', type: 'application' });
    const pool = tree.add({ id: 'pool', type: 'group' }, root);
    tree.add({ id: 'keep', type: 'server' }, root);
    for (let i = 0; i < 2; i++) tree.add({ id: `w${i}`, type: 'server' }, pool);
    const removed: string[] = [];
    tree.changes$.subscribe((change) => {
      if (change.kind !== 'removed') return;
      removed.push(change.entity.id);
      const parent = change.parent;
      if (parent && parent !== root && parent.children.length === 0) tree.remove(parent);
    });
    tree.remove(pool);
    expect(removed).toEqual(['w1', 'w0', 'pool']);
    expect(root.children.map((c) => c.id)).toEqual(['keep']);
  });

  it('ends when a subscriber removes an ancestor of the entity being removed', () => {
    const { tree } = fleet();
    const root = tree.add({ id: 'root', type: 'application' });
    const site = tree.add({ id: 'site', type: 'site' }, root);
    const pool = tree.add({ id: 'pool', type: 'group' }, site);
    tree.add({ id: 'w0', type: 'server' }, pool);
    const removed: string[] = [];
    tree.changes$.subscribe((change) => {
      if (change.kind !== 'removed') return;
      removed.push(change.entity.id);
      if (change.entity.id === 'w0') tree.remove(site); // the whole site goes with its last server
    });
    tree.remove(pool);
    // the site leaves once the removal under way below it is done: each entity after its children, none
    // announced with a parent that is already gone
    expect(removed).toEqual(['w0', 'pool', 'site']);
    expect([...tree.entities()].map((e) => e.id)).toEqual(['root']);
    expect(root.children).toEqual([]);
  });

  it('puts off the removal of ancestors asked during a removal below them, in any order, each after its children', () => {
    const { tree } = fleet();
    const root = tree.add({ id: 'root', type: 'application' });
    const region = tree.add({ id: 'region', type: 'site' }, root);
    const site = tree.add({ id: 'site', type: 'site' }, region);
    tree.add({ id: 'spare', type: 'server' }, region);
    const pool = tree.add({ id: 'pool', type: 'group' }, site);
    tree.add({ id: 'w0', type: 'server' }, pool);
    const removed: string[] = [];
    let refused: unknown;
    tree.changes$.subscribe((change) => {
      if (change.kind !== 'removed') return;
      // every announced entity's parent is still in the tree (or is the root's absence)
      if (change.parent) expect(tree.find(change.parent.id)).toBe(change.parent);
      removed.push(change.entity.id);
      if (change.entity.id === 'w0') {
        tree.remove(region); // the outer one first,
        tree.remove(site); // then the one between: both wait for pool
        try {
          tree.add({ id: 'late', type: 'server' }, site);
        } catch (error) {
          refused = error;
        }
      }
    });
    tree.remove(pool);
    expect(refused).toMatchObject({ code: 'E_ENTITY_LEAVING' });
    expect(removed).toEqual(['w0', 'pool', 'spare', 'site', 'region']); // region was asked first: its children leave last first
    expect([...tree.entities()].map((e) => e.id)).toEqual(['root']);
  });

  it('takes one child out of the middle of a long list, leaving the others in order', () => {
    const { tree } = fleet();
    const root = tree.add({ id: 'root', type: 'application' });
    for (let i = 0; i < 6; i++) tree.add({ id: `c${i}`, type: 'server' }, root);
    tree.remove('c2');
    tree.remove('c5');
    tree.remove('c0');
    expect(root.children.map((c) => c.id)).toEqual(['c1', 'c3', 'c4']);
  });

  /** One step of a random history: attach, detach, reconfigure a policy, add or remove an entity. */
  type Step =
    | { readonly op: 'add'; readonly parent: number }
    | { readonly op: 'remove'; readonly entity: number }
    | { readonly op: 'attach'; readonly entity: number; readonly second: boolean }
    | { readonly op: 'detach'; readonly policy: number }
    | { readonly op: 'reconfigure'; readonly policy: number };

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constant('add' as const), parent: fc.nat(50) }),
    fc.record({ op: fc.constant('remove' as const), entity: fc.nat(50) }),
    fc.record({ op: fc.constant('attach' as const), entity: fc.nat(50), second: fc.boolean() }),
    fc.record({ op: fc.constant('detach' as const), policy: fc.nat(50) }),
    fc.record({ op: fc.constant('reconfigure' as const), policy: fc.nat(50) }),
  );

  it('keeps exactly the policies of the entities still in the tree, over random histories', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), (steps) => {
        const { tree, engine } = fleet();
        const root = tree.add({ id: 'root', type: 'application' });
        engine.start();
        // the model: which policy is attached to which entity
        const model = new Map<string, Entity>();
        let made = 0;
        let ids = 0;
        for (const s of steps) {
          const entities = [...tree.entities()];
          const policies = [...model.keys()];
          if (s.op === 'add') tree.add({ id: `e${made++}`, type: 'server' }, entities[s.parent % entities.length] as Entity);
          else if (s.op === 'remove') {
            const target = entities[s.entity % entities.length] as Entity;
            if (target === root) continue;
            const leaving = new Set(target.subtree());
            tree.remove(target);
            for (const [id, entity] of model) if (leaving.has(entity)) model.delete(id);
          } else if (s.op === 'attach') {
            const entity = entities[s.entity % entities.length] as Entity;
            const id = `p${ids++}`;
            engine.attach(entity, s.second ? other : idle, {}, { id });
            model.set(id, entity);
          } else if (policies.length > 0) {
            const id = policies[s.policy % policies.length] as string;
            if (s.op === 'detach') {
              engine.detach(id);
              model.delete(id);
            } else engine.reconfigure(id, {});
          }
          expect(engine.policies().map((p) => p.id).sort()).toEqual([...model.keys()].sort());
        }
        for (const [id, entity] of model) expect(engine.attachment(id).entity).toBe(entity);
        tree.remove(root);
        expect(engine.policies()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the depth of the tree', () => {
  it('refuses an entity more than MAX_TREE_DEPTH levels below the root, and removes a chain of full depth with a policy on every level', () => {
    const { tree, engine } = fleet();
    let parent = tree.add({ id: 'root', type: 'application' });
    for (let level = 1; level <= MAX_TREE_DEPTH; level++) {
      parent = tree.add({ id: `n${level}`, type: 'group' }, parent);
      engine.attach(parent, idle, {});
    }
    engine.start();
    expect(parent.path.split('/').length - 2).toBe(MAX_TREE_DEPTH);
    expect(() => tree.add({ id: 'too-deep', type: 'server' }, parent)).toThrow(expect.objectContaining({ code: 'E_TREE_TOO_DEEP', message: expect.stringContaining(`'too-deep' cannot be added under 'n${MAX_TREE_DEPTH}'`) }));
    expect(tree.find('too-deep')).toBeUndefined();
    const removed: string[] = [];
    tree.changes$.subscribe((change) => void (change.kind === 'removed' && removed.push(change.entity.id)));
    tree.remove('n1');
    expect(removed).toHaveLength(MAX_TREE_DEPTH);
    expect(removed[0]).toBe(`n${MAX_TREE_DEPTH}`);
    expect([...tree.entities()].map((e) => e.id)).toEqual(['root']);
    expect(engine.policies()).toHaveLength(0);
  });
});
