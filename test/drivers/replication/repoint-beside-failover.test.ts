// The replication group points replicas left following a dead server at the new primary, unless another
// failover system manages the group: Patroni (sessions of its daemon on a member) or Redis Sentinels (watching
// a member). Each reconfigures the replicas at its own failover, and a repoint beside it races it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../../src/core/entity-tree.js';
import type { Entity } from '../../../src/core/entity.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import { replicationGroupType } from '../../../src/drivers/replication/replication-group.js';
import { defineSensor, numberSensor } from '../../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

const type = replicationGroupType('test-replication-group', 'redis');

/** A group of r1 (the writable primary at A) and r2 (a replica still following B, a server gone), with `manager` readings published on r1. */
async function groupWith(manager?: { sensor: 'sentinels' | 'patroni'; value: number }) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const repointed: string[] = [];
  const sensors = [
    defineSensor({ name: 'role', schema: z.string() }),
    defineSensor({ name: 'address', schema: z.string() }),
    defineSensor({ name: 'replication.source', schema: z.string() }),
    numberSensor('sentinels'),
    numberSensor('patroni'),
  ];
  // a repoint makes the replica follow the primary (as the drivers' demote does)
  const demote = defineEffector({ name: 'demote', params: z.object({}), run: (_p, { entity }) => {
    repointed.push(entity.id);
    entity.sensor('replication.source').publish('10.0.0.1:6379');
  } });
  const group = tree.add({ id: 'cache', type: type.name, sensors: type.sensors });
  const member = (id: string, role: string, address: string, source: string): Entity => {
    const db = tree.add({ id, type: 'redis', sensors, effectors: [demote] }, group);
    db.sensor('role').publish(role);
    db.sensor('address').publish(address);
    db.sensor('replication.source').publish(source);
    db.setUp(true);
    return db;
  };
  const r1 = member('r1', 'primary', '10.0.0.1:6379', '10.0.0.1:6379');
  member('r2', 'replica', '10.0.0.2:6379', '10.0.0.9:6379');
  if (manager) r1.sensor(manager.sensor).publish(manager.value);
  const context = {
    tree,
    scheduler: clock,
    random: () => 0.5,
    spawnMember: () => undefined,
    retire: () => undefined,
    invoke: async (entity: Entity, effector: string, params: unknown) => entity.effector(effector).run(params as Record<string, never>, { entity, signal: new AbortController().signal } as never),
  };
  if (!type.start) throw new Error('the group type has no start');
  const stop = type.start(group, type.config.parse({}), context as never) as () => void;
  await clock.advanceBy(10_000);
  stop();
  return repointed;
}

describe('repointing replicas after a failover', () => {
  it('points a replica left following a gone server at the primary', async () => {
    expect(await groupWith()).toEqual(['r2']);
    expect(await groupWith({ sensor: 'sentinels', value: 0 })).toEqual(['r2']);
  });

  it('leaves the replicas to Redis Sentinels that watch a member', async () => {
    expect(await groupWith({ sensor: 'sentinels', value: 3 })).toEqual([]);
  });

  it('leaves the replicas to Patroni when its daemon holds sessions on a member', async () => {
    expect(await groupWith({ sensor: 'patroni', value: 1 })).toEqual([]);
  });
});
