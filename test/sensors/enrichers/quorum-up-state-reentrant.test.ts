import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { quorumUp } from '../../../src/sensors/enrichers/quorum-up.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

describe('quorumUp when a subscriber of the group answers its health by changing a member', () => {
  it('leaves the group running while it is up (a failover told of the group going down brings a standby up)', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const group = tree.add({ id: 'group', type: 'group' });
    const standby = tree.add({ id: 'standby', type: 'server' }, group);
    const primary = tree.add({ id: 'primary', type: 'server' }, group);
    standby.setUp(false);
    primary.setUp(true);
    quorumUp({ from: 'children', rule: { rule: 'atLeastOne' } }).start(group, { tree, scheduler: clock });
    expect(group.state).toBe('running');
    // told after the quorum that the group went down, the failover brings the standby up
    group.sensor<boolean>('service.up').readings$.subscribe((o) => {
      if (o.value === false) standby.setUp(true);
    });
    tree.remove(primary);
    expect(group.sensor<boolean>('service.up').value).toBe(true);
    // the nested recompute set running; the outer one then set on-fire from the state it read before
    expect(group.state).toBe('running');
  });
});
