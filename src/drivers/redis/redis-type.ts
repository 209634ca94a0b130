import { z } from 'zod';
import { defineEffector } from '../../effectors/define-effector.js';
import type { EntityType } from '../entity-type.js';
import { addDemote, addPromoteAndFence, startPolling } from '../replication/node-effectors.js';
import { REPLICATION_SENSORS } from '../replication/replication-sensors.js';
import { redisConfigSchema, type RedisConfig } from './redis-config.js';
import { RedisNode } from './redis-node.js';
import { SENTINELS_SENSOR } from './sentinel-watchers.js';

/**
 * `redis`: one redis-server that homeostat observes and commands (it does not start or stop it). Its role,
 * offset, lag, link and replicas come from `INFO replication` every `every`; `promote` is `REPLICAOF NO
 * ONE`, `demote` is `REPLICAOF host port` (the group's primary by default), and `fence` makes a reachable
 * server refuse writes (held and re-applied until it is promoted, demoted or rejoins), counts a server that
 * nothing listens for as fenced, and fails (E_FENCE_FAILED) when the server cannot be reached, unless a
 * STONITH command is configured. `sentinels` counts the Redis Sentinels watching the server. Drop-in for `sim.database` under the failover policy.
 */
export const redisType: EntityType<RedisConfig> = {
  name: 'redis',
  description: 'a redis-server: role, offset, lag and link from INFO replication; promote, demote, fence',
  config: redisConfigSchema,
  sensors: [...REPLICATION_SENSORS, SENTINELS_SENSOR],
  effectors: ['promote', 'demote', 'fence', 'unfence'],
  start: (entity, config, context) => {
    const node = new RedisNode(entity, config, context);
    addPromoteAndFence(entity, node, {
      promote: 'REPLICAOF NO ONE: make this server the primary',
      fence: 'min-replicas-to-write beyond reach and CLIENT PAUSE WRITE, re-applied while fenced',
    }, { fenceMs: config.fence.commandTimeout + 5_000 });
    addDemote(entity, node, "REPLICAOF host port: make this server a replica of the given address (default: the group's primary)", async (to) => {
      await node.follow(to);
      await node.refresh();
    });
    entity.addEffector(defineEffector({ name: 'unfence', description: 'lift a fence without changing the role', params: z.strictObject({}), idempotent: true, run: async () => {
      await node.unfence();
      await node.refresh();
    } }));
    return startPolling(entity, node, config.every, context.scheduler, () => node.close());
  },
};
