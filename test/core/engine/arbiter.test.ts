// The arbiter indexed by scope and budget entity gives the same verdicts as the scan it replaced, and its
// check does not grow with the number of operations in flight.
import { describe, expect, it } from 'vitest';
import { Arbiter, type ActionBudget, type ArbiterHold, type Verdict } from '../../../src/core/engine/arbiter.js';
import type { PolicyAttachment } from '../../../src/core/engine/attachment.js';
import type { Entity } from '../../../src/core/entity.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { seededRandom } from '../../../src/drivers/seeded-random.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import type { Plan } from '../../../src/policies/define-policy.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/** The verdict as the arbiter computed it before it was indexed: a scan of every operation and budget. */
function scanVerdict(tree: EntityTree, knowledge: Knowledge, now: number, running: ReadonlyArray<{ policy: string; scope: Entity }>, budgets: readonly ActionBudget[], attachment: PolicyAttachment, plan: Plan): Verdict | undefined {
  const targets = plan.actions.flatMap((a) => tree.find(a.entity) ?? []);
  for (const op of running) {
    if (op.policy === attachment.id) continue;
    if (op.scope.contains(attachment.entity) || targets.some((t) => op.scope.contains(t))) return { outcome: 'preempted', detail: `held: ${op.policy} is running a plan on the subtree of ${op.scope.id}` };
  }
  for (const budget of budgets) {
    const root = tree.find(budget.entity);
    if (!root) continue;
    const inside = targets.filter((t) => root.contains(t)).length;
    if (inside === 0) continue;
    const stamps = knowledge.policyState(`engine/budget/${budget.entity}`).get('stamps');
    const used = Array.isArray(stamps) ? stamps.filter((s) => typeof s === 'number' && s > now - budget.windowMs).length : 0;
    if (used + inside > budget.maxActions) return { outcome: 'rate_limited', detail: `action budget of ${budget.entity}: ${used} of ${budget.maxActions} actions used in the last ${budget.windowMs / 1000} s; this plan needs ${inside} more` };
  }
  return undefined;
}

async function randomWorld(seed: number, size: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const entities = [tree.add({ id: 'root', type: 'entity' })];
  for (let i = 1; i < size; i++) entities.push(tree.add({ id: `e${i}`, type: 'entity' }, pick(entities)));
  const knowledge = new Knowledge(new MemoryStore(), clock);
  await knowledge.open();
  const arbiter = new Arbiter(tree, clock, knowledge);
  const attachments = Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, entity: pick(entities) }) as unknown as PolicyAttachment);
  const plan = (): Plan => ({
    actions: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ entity: pick(entities).id, effector: 'x' })),
    reason: 'r',
    ...(random() < 0.3 ? { scope: pick(entities).id } : {}),
  });
  return { random, pick, clock, tree, entities, knowledge, arbiter, attachments, plan };
}

describe('Arbiter', () => {
  it('gives the same verdict as a scan of every operation and budget, over random trees and schedules', async () => {
    let checks = 0;
    const outcomes = new Set<string>();
    const secondOutcomes = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const { random, pick, clock, tree, entities, knowledge, arbiter, attachments, plan } = await randomWorld(seed, 40);
      const running = new Map<ArbiterHold, { policy: string; scope: Entity }>();
      const budgets: ActionBudget[] = [];
      // a second engine's arbiter on the same tree, with holds of its own (no budget): each sees its own holds
      // only, wherever the first keeps its holds (on the entities it held first) and the second its own
      const second = new Arbiter(tree, clock, knowledge);
      const secondRunning = new Map<ArbiterHold, { policy: string; scope: Entity }>();
      for (let step = 0; step < 300; step++) {
        const roll = random();
        if (roll < 0.15 && step % 2 === 1) {
          // the second arbiter's turn, every other step: a hold, an end, or a check against its own holds
          const attachment = pick(attachments);
          const candidate = random() < 0.5 ? { actions: [{ entity: attachment.entity.id, effector: 'x' }], reason: 'r' } : plan();
          const verdict = second.check(attachment, candidate);
          expect(verdict).toEqual(scanVerdict(tree, knowledge, clock.now(), [...secondRunning.values()], [], attachment, candidate));
          secondOutcomes.add(verdict?.outcome ?? 'run');
          if (!verdict) secondRunning.set(second.begin(attachment, candidate), { policy: attachment.id, scope: (candidate.scope && tree.find(candidate.scope)) || attachment.entity });
          if (secondRunning.size > 0 && random() < 0.5) {
            const token = pick([...secondRunning.keys()]);
            second.end(token);
            secondRunning.delete(token);
          }
          expect(second.inFlight).toBe(secondRunning.size);
        } else if (roll < 0.05) {
          const budget = { entity: pick(entities).id, maxActions: 1 + Math.floor(random() * 4), windowMs: 10_000 };
          arbiter.setBudget(budget);
          const at = budgets.findIndex((b) => b.entity === budget.entity);
          if (at >= 0) budgets[at] = budget;
          else budgets.push(budget);
        } else if (roll < 0.3 && running.size > 0) {
          const token = pick([...running.keys()]);
          arbiter.end(token);
          running.delete(token);
        } else if (roll < 0.35) {
          await clock.advanceBy(Math.floor(random() * 5_000));
        } else if (roll < 0.4) {
          // a person's hold through the API, beside the plans
          const scope = pick(entities);
          const by = `person-${Math.floor(random() * 3)}`;
          running.set(arbiter.hold(scope, by), { policy: by, scope });
        } else {
          const attachment = pick(attachments);
          // half the plans act on the policy's own entity alone (the common plan, checked by one walk)
          const candidate = random() < 0.5 ? { actions: [{ entity: attachment.entity.id, effector: 'x' }], reason: 'r' } : plan();
          const verdict = arbiter.check(attachment, candidate);
          expect(verdict).toEqual(scanVerdict(tree, knowledge, clock.now(), [...running.values()], budgets, attachment, candidate));
          checks++;
          outcomes.add(verdict?.outcome ?? 'run');
          if (!verdict) running.set(arbiter.begin(attachment, candidate), { policy: attachment.id, scope: (candidate.scope && tree.find(candidate.scope)) || attachment.entity });
        }
        expect(arbiter.inFlight).toBe(running.size);
      }
    }
    expect(checks).toBeGreaterThan(3_000);
    expect([...outcomes].sort()).toEqual(['preempted', 'rate_limited', 'run']); // every verdict was exercised
    expect([...secondOutcomes].sort()).toEqual(['preempted', 'run']);
  });

  it('checks in O(depth): the cost of a check does not grow with the operations in flight elsewhere', () => {
    // 10,000 leaves under 100 groups; n operations in flight, each holding one leaf; a check of a plan on
    // another leaf looks at its own ancestors (and what they hold) only. Wall-clock figures: npm run bench.
    const costOf = (inFlight: number, probeIndex: number) => {
      const clock = new VirtualClock();
      const tree = new EntityTree(clock);
      const root = tree.add({ id: 'root', type: 'entity' });
      const leaves: Entity[] = [];
      for (let g = 0; g < 100; g++) {
        const group = tree.add({ id: `g${g}`, type: 'entity' }, root);
        for (let m = 0; m < 100; m++) leaves.push(tree.add({ id: `g${g}-${m}`, type: 'entity' }, group));
      }
      const knowledge = new Knowledge(new MemoryStore(), clock);
      const arbiter = new Arbiter(tree, clock, knowledge);
      for (let i = 0; i < inFlight; i++) {
        const leaf = leaves[i] as Entity;
        arbiter.begin({ id: `p${i}`, entity: leaf } as unknown as PolicyAttachment, { actions: [{ entity: leaf.id, effector: 'x' }], reason: 'r' });
      }
      const probe = leaves[probeIndex] as Entity;
      const verdict = arbiter.check({ id: 'probe', entity: probe } as unknown as PolicyAttachment, { actions: [{ entity: probe.id, effector: 'x' }], reason: 'r' });
      return { verdict, cost: arbiter.lastCheckCost, inFlight: arbiter.inFlight };
    };
    const few = costOf(100, 9_999);
    const many = costOf(9_000, 9_999);
    expect(few.verdict).toBeUndefined();
    expect(many.verdict).toBeUndefined();
    expect(many.inFlight).toBe(9_000);
    // leaf, group, root: three entities looked at, whatever is in flight elsewhere (a scan would look at 9,000)
    expect(few.cost).toBe(3);
    expect(many.cost).toBe(few.cost);
    // a held leaf is found by looking at what is held at its own ancestors only
    const held = costOf(9_000, 42);
    expect(held.verdict?.outcome).toBe('preempted');
    expect(held.cost).toBe(4);
  });
  it('counts the operations in flight inside a quota as they begin and end in any order', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const root = tree.add({ id: 'root', type: 'entity' });
    const inside = tree.add({ id: 'inside', type: 'entity' }, root);
    const outside = tree.add({ id: 'outside', type: 'entity' }, root);
    const leaves = Array.from({ length: 6 }, (_, i) => tree.add({ id: `leaf${i}`, type: 'entity' }, i % 2 === 0 ? inside : outside));
    const arbiter = new Arbiter(tree, clock, new Knowledge(new MemoryStore(), clock));
    arbiter.setQuota({ name: 'inner', roots: ['inside'], maxOperations: 2 });
    const random = seededRandom(7);
    const held: Array<{ hold: ArbiterHold; scope: Entity }> = [];
    for (let step = 0; step < 400; step++) {
      if (held.length > 0 && random() < 0.45) {
        const [ended] = held.splice(Math.floor(random() * held.length), 1);
        if (ended) arbiter.end(ended.hold);
      } else {
        const scope = leaves[Math.floor(random() * leaves.length)] as Entity;
        held.push({ hold: arbiter.hold(scope, `person-${step}`), scope });
      }
      expect(arbiter.operationsInside([inside])).toBe(held.filter((h) => inside.contains(h.scope)).length);
      expect(arbiter.operationsInside([inside, outside])).toBe(held.length);
      expect(arbiter.inFlight).toBe(held.length);
    }
  });

  it('keeps every operation held at one scope: with two, ending the oldest names the other; with none, nothing holds', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const root = tree.add({ id: 'root', type: 'entity' });
    const leaf = tree.add({ id: 'leaf', type: 'entity' }, root);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const arbiter = new Arbiter(tree, clock, knowledge);
    const asking = { id: 'asking', entity: leaf } as unknown as PolicyAttachment;
    const plan: Plan = { actions: [{ entity: 'leaf', effector: 'x' }], reason: 'r' };
    const first = arbiter.hold(root, 'first');
    const second = arbiter.hold(root, 'second');
    expect(arbiter.check(asking, plan)?.detail).toBe('held: first is running a plan on the subtree of root');
    arbiter.end(first);
    expect(arbiter.check(asking, plan)?.detail).toBe('held: second is running a plan on the subtree of root');
    const third = arbiter.hold(root, 'third');
    arbiter.end(second);
    expect(arbiter.check(asking, plan)?.detail).toBe('held: third is running a plan on the subtree of root');
    arbiter.end(third);
    expect(arbiter.check(asking, plan)).toBeUndefined();
    expect(arbiter.inFlight).toBe(0);
    // released, the entity keeps nothing of the arbiter or its operations: only an empty mark of whose fields they are
    expect(root._held).toBeUndefined();
    expect(root._holdOwner).not.toBe(arbiter);
    expect(Object.keys(root._holdOwner as object)).toEqual([]);
  });

  it('notices on the next check a hold, a budget or a quota set after it went quiet', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const root = tree.add({ id: 'root', type: 'entity' });
    const leaf = tree.add({ id: 'leaf', type: 'entity' }, root);
    const other = tree.add({ id: 'other', type: 'entity' }, root);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const arbiter = new Arbiter(tree, clock, knowledge);
    const asking = { id: 'asking', entity: leaf } as unknown as PolicyAttachment;
    const plan: Plan = { actions: [{ entity: 'leaf', effector: 'x' }], reason: 'r' };
    expect(arbiter.check(asking, plan)).toBeUndefined();
    const hold = arbiter.hold(root, 'ops');
    expect(arbiter.check(asking, plan)?.outcome).toBe('preempted');
    arbiter.end(hold);
    expect(arbiter.check(asking, plan)).toBeUndefined();
    // a quota of members, with nothing held: the plan would grow leaf's group from 0 to 2 members
    const grow: Plan = { actions: [{ entity: 'leaf', effector: 'resize', params: { size: 2 } }], reason: 'r' };
    expect(arbiter.check(asking, grow)).toBeUndefined();
    arbiter.setQuota({ name: 'tenant', roots: ['root'], maxMembers: 1, maxOperations: 1 });
    expect(arbiter.check(asking, grow)?.detail).toBe('quota of tenant: 0 members + 2 = 2, over the quota of 1');
    const running = arbiter.begin({ id: 'elsewhere', entity: other } as unknown as PolicyAttachment, { actions: [{ entity: 'other', effector: 'x' }], reason: 'r' });
    expect(arbiter.check(asking, plan)?.outcome).toBe('quota_exceeded');
    arbiter.end(running);
    expect(arbiter.check(asking, plan)).toBeUndefined();
    const fresh = new Arbiter(tree, clock, knowledge);
    expect(fresh.check(asking, plan)).toBeUndefined();
    fresh.setBudget({ entity: 'root', maxActions: 1, windowMs: 60_000 });
    fresh.end(fresh.begin(asking, plan));
    expect(fresh.check(asking, plan)?.outcome).toBe('rate_limited');
  });
});
