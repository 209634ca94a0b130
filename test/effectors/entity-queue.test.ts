import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { EntityQueue } from '../../src/effectors/entity-queue.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import type { Entity } from '../../src/core/entity.js';

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
  it('keeps each entity it took first on the entity, and lets go of the removed ones it remembers by id', () => {
    const tree = new EntityTree(new VirtualClock());
    const root = tree.add({ id: 'root', type: 'application' });
    const members = Array.from({ length: 6_000 }, (_, i) => tree.add({ id: `m${i}`, type: 'server' }, root));
    const queue = new EntityQueue();
    churn(queue, members, 3);
    expect(queue._slots).toEqual({ ids: 0, entities: 0, owned: 6_000 });
    for (const gone of members.slice(0, 5_000)) tree.remove(gone);
    const newcomers = Array.from({ length: 5_000 }, (_, i) => tree.add({ id: `n${i}`, type: 'server' }, root));
    churn(queue, newcomers, 1);
    // a sweep let go of the removed ones: those still in the tree, and the newcomers, are kept
    expect(queue._slots).toEqual({ ids: 0, entities: 0, owned: 6_000 });
    const claim = queue.claim(newcomers[0] as Entity);
    expect(queue.busy('n0')).toBe(true);
    expect(queue.busy(newcomers[0] as Entity)).toBe(true);
    expect(queue.busy('n1')).toBe(false);
    if (claim) queue.release(newcomers[0] as Entity, claim);
    expect(queue.busy('n0')).toBe(false);
  });

  it('keeps the slots of entities another queue took first in its map, while they are in the tree', () => {
    const tree = new EntityTree(new VirtualClock());
    const root = tree.add({ id: 'root', type: 'application' });
    const members = Array.from({ length: 6_000 }, (_, i) => tree.add({ id: `m${i}`, type: 'server' }, root));
    // another queue (another invoker on the same tree) took every member first
    churn(new EntityQueue(), members, 1);
    const queue = new EntityQueue();
    churn(queue, members, 3);
    expect(queue._slots).toEqual({ ids: 6_000, entities: 6_000, owned: 0 });
    const kept = members.slice(0, 3_000);
    for (const gone of members.slice(3_000)) tree.remove(gone);
    churn(queue, kept, 4);
    expect(queue._slots).toEqual({ ids: 3_000, entities: 3_000, owned: 0 });
    expect(members.slice(3_000).some((gone) => queue.busy(gone.id))).toBe(false);
  });

  it('serializes each queue on its own when two queues work on one entity', async () => {
    const tree = new EntityTree(new VirtualClock());
    const entity = tree.add({ id: 'shared', type: 'server' });
    const [first, second] = [new EntityQueue(), new EntityQueue()];
    const order: string[] = [];
    const firstClaim = first.claim(entity);
    const secondClaim = second.claim(entity);
    expect(firstClaim).toBeDefined();
    expect(secondClaim).toBeDefined();
    expect(first.claim(entity)).toBeUndefined();
    expect(second.claim(entity)).toBeUndefined();
    const queuedFirst = first.run(entity, async () => void order.push('first queue'));
    const queuedSecond = second.run(entity, async () => void order.push('second queue'));
    if (secondClaim) second.release(entity, secondClaim);
    await queuedSecond;
    expect(order).toEqual(['second queue']);
    expect(first.busy(entity)).toBe(true);
    if (firstClaim) first.release(entity, firstClaim);
    await queuedFirst;
    await Promise.resolve();
    expect(order).toEqual(['second queue', 'first queue']);
    expect([first.busy('shared'), second.busy('shared')]).toEqual([false, false]);
    // the entity keeps nothing of either queue once they are done: an empty mark of whose fields they are
    expect(entity._queueTail).toBeUndefined();
    expect(entity._queueOwner).not.toBe(first);
    expect(Object.keys(entity._queueOwner as object)).toEqual([]);
  });

  it('takes an entity added under a removed one id as a new entity: its slot kept while it stays', () => {
    const tree = new EntityTree(new VirtualClock());
    const root = tree.add({ id: 'root', type: 'application' });
    const fillers = Array.from({ length: 5_000 }, (_, i) => tree.add({ id: `f${i}`, type: 'server' }, root));
    // another queue took them first: this one keeps their slots in its map
    churn(new EntityQueue(), fillers, 1);
    const queue = new EntityQueue();
    const first = tree.add({ id: 'again', type: 'server' }, root);
    churn(new EntityQueue(), [first], 1);
    churn(queue, [first], 1);
    tree.remove(first);
    const second = tree.add({ id: 'again', type: 'server' }, root);
    churn(new EntityQueue(), [second], 1);
    churn(queue, [second, ...fillers], 3);
    expect(queue._slots).toEqual({ ids: 5_001, entities: 5_001, owned: 0 });
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
