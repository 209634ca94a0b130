import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { EntityQueue } from '../../src/effectors/entity-queue.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** Claims and releases each entity in turn, `passes` times over them. */
function churn(queue: EntityQueue, entities: readonly ReturnType<EntityTree['add']>[], passes: number): void {
  for (let pass = 0; pass < passes; pass++) {
    for (const entity of entities) {
      const claim = queue.claim(entity);
      if (!claim) throw new Error(`${entity.id} was busy`);
      queue.release(entity, claim);
    }
  }
}

describe('EntityQueue', () => {
  it('keeps the slots of entities in the tree and lets go those of removed ones', () => {
    const tree = new EntityTree(new VirtualClock());
    const root = tree.add({ id: 'root', type: 'application' });
    const members = Array.from({ length: 6_000 }, (_, i) => tree.add({ id: `m${i}`, type: 'server' }, root));
    const queue = new EntityQueue();
    churn(queue, members, 3);
    expect(queue._slots).toEqual({ ids: 6_000, entities: 6_000 });
    const kept = members.slice(0, 3_000);
    for (const gone of members.slice(3_000)) tree.remove(gone);
    churn(queue, kept, 4);
    expect(queue._slots).toEqual({ ids: 3_000, entities: 3_000 });
    expect(members.slice(3_000).some((gone) => queue.busy(gone.id))).toBe(false);
  });

  it('takes an entity added under a removed one id as a new entity: its slot kept while it stays', () => {
    const tree = new EntityTree(new VirtualClock());
    const root = tree.add({ id: 'root', type: 'application' });
    const fillers = Array.from({ length: 5_000 }, (_, i) => tree.add({ id: `f${i}`, type: 'server' }, root));
    const queue = new EntityQueue();
    const first = tree.add({ id: 'again', type: 'server' }, root);
    churn(queue, [first], 1);
    tree.remove(first);
    const second = tree.add({ id: 'again', type: 'server' }, root);
    churn(queue, [second, ...fillers], 3);
    expect(queue._slots).toEqual({ ids: 5_001, entities: 5_001 });
    const claim = queue.claim(second);
    expect(claim).toBeDefined();
    expect(queue.busy('again')).toBe(true);
  });

  it('runs tasks on one entity in arrival order, after a claim is released', async () => {
    const tree = new EntityTree(new VirtualClock());
    const entity = tree.add({ id: 'one', type: 'server' });
    const queue = new EntityQueue();
    const order: string[] = [];
    const claim = queue.claim(entity);
    if (!claim) throw new Error('not claimed');
    const first = queue.run(entity, async () => void order.push('first'));
    const second = queue.run(entity, async () => {
      order.push('second');
      throw new Error('fails alone');
    });
    const third = queue.run(entity, async () => void order.push('third'));
    expect(queue.claim(entity)).toBeUndefined();
    order.push('released');
    queue.release(entity, claim);
    await first;
    await expect(second).rejects.toThrow('fails alone');
    await third;
    expect(order).toEqual(['released', 'first', 'second', 'third']);
    await Promise.resolve();
    expect(queue.busy('one')).toBe(false);
  });
});
