import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { recordQuorumRule } from '../../src/core/quorum-rules.js';
import { membersToRetire, scaleInQuorumCost } from '../../src/effectors/scale-in.js';
import { booleanSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A group of four members whose health readings go stale after 10 s, all up at time 0. */
async function fourMembers() {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const group = tree.add({ id: 'web', type: 'group' });
  const members = ['web-1', 'web-2', 'web-3', 'web-4'].map((id) => {
    const member = tree.add({ id, type: 'entity', sensors: [booleanSensor('service.up', { staleAfterMs: 10_000 })] }, group);
    tree.addMember(group, member);
    member.setUp(true);
    return member;
  });
  return { clock, tree, group, members };
}

describe('which members a scale-in retires', () => {
  it('takes a member whose health reading went stale before the healthy ones, then the newest', async () => {
    const { clock, members } = await fourMembers();
    await clock.advanceBy(11_000);
    for (const m of members) if (m.id !== 'web-2') m.setUp(true); // web-2 stopped reporting: stale, not up
    expect(membersToRetire(members, 2).map((m) => m.id)).toEqual(['web-2', 'web-4']);
    expect(membersToRetire(members, 4)).toEqual([]);
    expect(membersToRetire(members, 6)).toEqual([]);
  });

  it('costs the quorum only when it retires a member that is up and leaves the rule unmet', async () => {
    const { group, members } = await fourMembers();
    recordQuorumRule(group, { from: 'members', rule: { rule: 'atLeast', n: 3 } });
    const [m1, m2, m3, m4] = members as [(typeof members)[number], (typeof members)[number], (typeof members)[number], (typeof members)[number]];
    expect(scaleInQuorumCost(group, [m4])).toBeUndefined();
    expect(scaleInQuorumCost(group, [m4, m3])).toBe('2 of 2 up (need at least 3)');
    m1.setUp(false);
    m2.setUp(false);
    expect(scaleInQuorumCost(group, [m2])).toBeUndefined(); // only a member down: the members up stay
    expect(scaleInQuorumCost(group, [m2, m4])).toBe('1 of 2 up (need at least 3)');
    expect(scaleInQuorumCost(group, members)).toBeUndefined(); // emptied on purpose
  });
});
