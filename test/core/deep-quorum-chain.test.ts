import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/core/entity.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { MAX_TREE_DEPTH } from '../../src/core/limits.js';
import { quorumUp } from '../../src/sensors/enrichers/quorum-up.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('health up a chain of quorum rules as deep as a tree may be', () => {
  it('reaches the root both ways from a leaf MAX_TREE_DEPTH levels down (past ~650 levels it used to stop silently)', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const chain: Entity[] = [tree.add({ id: 'n0', type: 'application' })];
    for (let level = 1; level <= MAX_TREE_DEPTH; level++) chain.push(tree.add({ id: `n${level}`, type: 'server' }, chain[level - 1]));
    for (let level = MAX_TREE_DEPTH - 1; level >= 0; level--) quorumUp({ from: 'children', rule: { rule: 'all' } }).start(chain[level] as Entity, { tree, scheduler: clock });
    const leaf = chain[MAX_TREE_DEPTH] as Entity;
    const root = chain[0] as Entity;
    leaf.setUp(true);
    expect(root.sensor<boolean>('service.up').value).toBe(true);
    leaf.setUp(false);
    expect(root.sensor<boolean>('service.up').value).toBe(false);
    expect(root.state).toBe('on-fire');
    expect(() => tree.add({ id: 'deeper', type: 'server' }, leaf)).toThrow(expect.objectContaining({ code: 'E_TREE_TOO_DEEP' }));
  });
});
