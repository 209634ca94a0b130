import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { leaseStance } from '../../src/policies/failover/lease.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe("an old primary's lease, as the failover reads it", () => {
  it('a lease.until reading gone stale (its feed cannot reach the primary: a partition) still says until when the lease may hold', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    // as a feed declares it: stale after twice its interval, far shorter than the lease
    const db = tree.add({ id: 'db-1', type: 'database', sensors: [numberSensor('lease.until', { staleAfterMs: 10_000 })] });
    db.sensor('lease.until').publish(clock.now() + 30_000);
    await clock.advanceBy(20_000);
    expect(db.sensor('lease.until').isStale()).toBe(true);
    expect(leaseStance(db, clock.now())).toEqual({ kind: 'held', until: 30_000 });
    await clock.advanceBy(10_000);
    expect(leaseStance(db, clock.now())).toEqual({ kind: 'expired', until: 30_000 });
  });

  it('a database that never published a lease holds none', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const db = tree.add({ id: 'db-1', type: 'database', sensors: [numberSensor('lease.until')] });
    expect(leaseStance(db, clock.now())).toEqual({ kind: 'none' });
    expect(leaseStance(undefined, clock.now())).toEqual({ kind: 'none' });
  });
});
