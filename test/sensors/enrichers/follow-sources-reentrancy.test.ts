import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { numberSensor } from '../../../src/sensors/define-sensor.js';
import { memberObservations } from '../../../src/sensors/member-observations.js';
import { aggregate } from '../../../src/sensors/enrichers/aggregate.js';
import { quorumUp } from '../../../src/sensors/enrichers/quorum-up.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/**
 * A changes$ subscriber that changes membership while an event is delivered makes RxJS deliver the nested
 * event to every later subscriber before the outer one: a follower subscribed later sees them out of order.
 * followSources decides from what the entity is when it hears an event (a member, a child), not from the
 * event's kind, so the order does not decide what it watches.
 */
function group() {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({ id: 'web', type: 'group' });
  const a = tree.add({ id: 'a', type: 'server', sensors: [numberSensor('cpu')] }, web);
  const b = tree.add({ id: 'b', type: 'server', sensors: [numberSensor('cpu')] }, web);
  tree.addMember(web, a);
  return { clock, tree, web, a, b };
}

describe('followSources when a changes$ subscriber changes membership re-entrantly', () => {
  it('still watches a member that a guard put back at once (sticky membership)', () => {
    const { tree, web, a } = group();
    // subscribed before the follower: keeps `a` in the group
    let putBack = false;
    tree.changes$.subscribe((c) => {
      if (c.kind === 'member-removed' && c.entity === a && !putBack) {
        putBack = true;
        tree.addMember(web, a);
      }
    });
    const seen: number[] = [];
    memberObservations<number>(tree, web, 'cpu').subscribe((o) => seen.push(o.value));
    tree.removeMember(web, a);
    expect(web.members).toEqual([a]); // a is a member
    a.sensor('cpu').publish(0.7);
    expect(seen).toEqual([0.7]); // before the change: [0.7]; after: [] (a is no longer watched)
  });

  it('does not watch an entity that a guard refused at once (it is not a member)', () => {
    const { tree, web, b } = group();
    tree.changes$.subscribe((c) => {
      if (c.kind === 'member-added' && c.entity === b) tree.removeMember(web, b);
    });
    const seen: number[] = [];
    memberObservations<number>(tree, web, 'cpu').subscribe((o) => seen.push(o.value));
    tree.addMember(web, b);
    expect(web.members.map((m) => m.id)).toEqual(['a']);
    b.sensor('cpu').publish(0.9);
    expect(seen).toEqual([]); // before the change: []; after: [0.9] (a non-member's readings reach the policy)
  });

  it('keeps an aggregate following a member put back at once', async () => {
    const { clock, tree, web, a } = group();
    let putBack = false;
    tree.changes$.subscribe((c) => {
      if (c.kind === 'member-removed' && c.entity === a && !putBack) {
        putBack = true;
        tree.addMember(web, a);
      }
    });
    aggregate({ from: 'members', sensor: 'cpu', publish: 'cpu.max', op: 'max' }).start(web, { tree, scheduler: clock });
    a.sensor('cpu').publish(0.2);
    await clock.settle();
    tree.removeMember(web, a);
    await clock.settle();
    a.sensor('cpu').publish(0.8); // a is a member: the aggregate must follow it
    await clock.settle();
    expect(web.sensor('cpu.max').value).toBe(0.8); // after the change: stays 0.2
  });

  it('keeps a quorum following a member put back at once: the group goes down with it', () => {
    const { clock, tree, web, a } = group();
    let putBack = false;
    tree.changes$.subscribe((c) => {
      if (c.kind === 'member-removed' && c.entity === a && !putBack) {
        putBack = true;
        tree.addMember(web, a);
      }
    });
    a.setUp(true);
    quorumUp({ from: 'members', rule: { rule: 'all' } }).start(web, { tree, scheduler: clock });
    expect(web.sensor('service.up').value).toBe(true);
    tree.removeMember(web, a);
    a.setUp(false); // the group's only member is down
    expect(web.sensor('service.up').value).toBe(false); // after the change: stays true
  });
});
