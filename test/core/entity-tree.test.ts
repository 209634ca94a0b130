import { describe, expect, it } from 'vitest';
import { EntityTree, type TreeChange } from '../../src/core/entity-tree.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function tree() {
  const t = new EntityTree(new VirtualClock());
  const app = t.add({ id: 'shop', type: 'application' });
  const web = t.add({ id: 'web', type: 'cluster' }, app);
  return { t, app, web };
}

describe('EntityTree', () => {
  it('finds entities by id and by path, and gives every entity the lifecycle sensors', () => {
    const { t, web } = tree();
    const server = t.add({ id: 'web-1', type: 'server' }, web);
    expect(t.get('web-1')).toBe(server);
    expect(t.get('/shop/web/web-1')).toBe(server);
    expect(t.find('/shop/nope')).toBeUndefined();
    expect(server.path).toBe('/shop/web/web-1');
    expect(server.state).toBe('created');
    expect(server.hasSensor('service.up')).toBe(true);
    expect([...t.root.subtree()].map((e) => e.id)).toEqual(['shop', 'web', 'web-1']);
  });

  it('refuses duplicate ids, a second root, bad ids and unknown parents', () => {
    const { t } = tree();
    expect(() => t.add({ id: 'web', type: 'x' }, 'shop')).toThrow(/already in the tree/);
    expect(() => t.add({ id: 'other', type: 'x' })).toThrow(/needs a parent/);
    expect(() => t.add({ id: 'bad id', type: 'x' }, 'shop')).toThrow(/must be letters/);
    expect(() => t.add({ id: 'x', type: 'x' }, 'ghost')).toThrow(/no entity 'ghost'/);
  });

  it('adds and removes members at run time and announces every change', () => {
    const { t, app, web } = tree();
    const changes: string[] = [];
    t.changes$.subscribe((c: TreeChange) => changes.push(`${c.kind}:${c.entity.id}`));
    const db = t.add({ id: 'db', type: 'database' }, app);
    t.addMember(web, db);
    expect(web.members).toEqual([db]);
    expect(web.memberCount).toBe(1);
    expect(db.groups).toEqual([web]);
    t.addMember(web, db); // already a member: no change
    expect(web.memberCount).toBe(1);
    t.remove(db);
    expect(web.members).toEqual([]);
    expect(web.memberCount).toBe(0);
    expect(changes).toEqual(['added:db', 'member-added:db', 'member-removed:db', 'removed:db']);
    expect(() => t.addMember(web, web)).toThrow(/member of itself/);
  });

  it('removes a whole subtree', () => {
    const { t, web } = tree();
    t.add({ id: 'web-1', type: 'server' }, web);
    t.remove(web);
    expect(t.find('web-1')).toBeUndefined();
    expect(t.size).toBe(1);
  });
});
