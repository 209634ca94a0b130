import { merge } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { booleanSensor } from '../../../src/sensors/define-sensor.js';
import { quorumUp } from '../../../src/sensors/enrichers/quorum-up.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

describe('quorumUp with a subscriber that publishes on another source while told of a reading', () => {
  // health without a bound was counted this way before; a bound (every tcp/http health check) used to read every source
  it.each([
    ['without a staleness bound', undefined],
    ['with a staleness bound', 30_000],
  ])('publishes nothing that a read of every source would not say at that moment (health %s)', (_, staleAfterMs) => {
    const sensors = staleAfterMs === undefined ? [] : [booleanSensor('service.up', { staleAfterMs })];
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const group = tree.add({ id: 'group', type: 'group' });
    const a = tree.add({ id: 'a', type: 'server', sensors }, group);
    const b = tree.add({ id: 'b', type: 'server', sensors }, group);
    a.setUp(true);
    b.setUp(false);
    // a standby: when a goes down, b is brought up (told before the quorum, which subscribes later)
    a.sensor<boolean>('service.up').readings$.subscribe((o) => {
      if (o.value === false) b.setUp(true);
    });
    quorumUp({ from: 'children', rule: { rule: 'all' } }).start(group, { tree, scheduler: clock });
    const published: string[] = [];
    const truth: string[] = [];
    merge(group.sensor('service.up').readings$, group.sensor('service.state').readings$).subscribe((o) => {
      published.push(`${o.sensor}=${String(o.value)}`);
      // what a read of every source says when the group publishes its health
      if (o.sensor === 'service.up') truth.push(`service.up=${String([a, b].every((e) => e.sensor<boolean>('service.up').value === true))}`);
    });
    expect(group.sensor('service.up').value).toBe(false);
    a.setUp(false);
    // a full read never sees both up (a is down before b comes up): the group stays down, never running
    expect(published.filter((p) => p.startsWith('service.up'))).toEqual(truth);
    expect(published).not.toContain('service.state=running');
    expect(published).not.toContain('service.state=on-fire');
  });

  it.each([
    ['without a staleness bound', undefined],
    ['with a staleness bound', 30_000],
  ])('reads every source while a leave and a join are both unheard, though the count of sources matches (health %s)', (_, staleAfterMs) => {
    const sensors = staleAfterMs === undefined ? [] : [booleanSensor('service.up', { staleAfterMs })];
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const group = tree.add({ id: 'group', type: 'group' });
    const y = tree.add({ id: 'y', type: 'server', sensors }, group);
    const z = tree.add({ id: 'z', type: 'server', sensors }, group);
    y.setUp(true);
    z.setUp(false);
    // told before the quorum: a replacement is added when y goes, and a new child makes z report again
    tree.changes$.subscribe((change) => {
      if (change.kind === 'removed' && change.entity === y) tree.add({ id: 'x', type: 'server', sensors }, group);
      if (change.kind === 'added' && change.entity.id === 'x') z.setUp(true);
    });
    quorumUp({ from: 'children', rule: { rule: 'atLeast', n: 2 } }).start(group, { tree, scheduler: clock });
    const published: string[] = [];
    merge(group.sensor('service.up').readings$, group.sensor('service.state').readings$).subscribe((o) => published.push(`${o.sensor}=${String(o.value)}`));
    expect(group.sensor('service.up').value).toBe(false);
    tree.remove(y);
    // x has no reading yet and z alone is up: a read of every source never finds two up
    expect(published).toEqual([]);
  });
});
