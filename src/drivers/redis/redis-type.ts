import { interval } from 'rxjs';
import { z } from 'zod';
import { HomeostatError } from '../../core/errors.js';
import { defineEffector } from '../../effectors/define-effector.js';
import type { EntityType } from '../entity-type.js';
import { writablePeer } from '../replication/group-primary.js';
import { REPLICATION_SENSORS } from '../replication/replication-sensors.js';
import { redisConfigSchema, type RedisConfig } from './redis-config.js';
import { RedisNode } from './redis-node.js';

const none = z.strictObject({});

/**
 * `redis`: one redis-server that homeostat observes and commands (it does not start or stop it). Its role,
 * offset, lag, link and replicas come from `INFO replication` every `every`; `promote` is `REPLICAOF NO
 * ONE`, `demote` is `REPLICAOF host port` (the group's primary by default), and `fence` makes a reachable
 * server refuse writes (held and re-applied until it is promoted, demoted or rejoins), counts a server that
 * nothing listens for as fenced, and fails (E_FENCE_FAILED) when the server cannot be reached, unless a
 * STONITH command is configured. Drop-in for `sim.database` under the failover policy.
 */
export const redisType: EntityType<RedisConfig> = {
  name: 'redis',
  description: 'a redis-server: role, offset, lag and link from INFO replication; promote, demote, fence',
  config: redisConfigSchema,
  sensors: REPLICATION_SENSORS,
  effectors: ['promote', 'demote', 'fence', 'unfence'],
  start: (entity, config, context) => {
    const node = new RedisNode(entity, config, context);
    entity.sensor('address').publish(node.address);
    entity.addEffector(defineEffector({
      name: 'promote',
      description: 'REPLICAOF NO ONE: make this server the primary (refused while another server of the group is a writable primary)',
      params: none,
      idempotent: true,
      run: async () => {
        const other = writablePeer(entity);
        // the driver refuses to make a second writable primary, whoever asks: fence or demote the other first
        if (other) throw new HomeostatError('E_SPLIT_BRAIN', `cannot promote '${entity.id}': '${other.entity.id}' (${other.address}) is a writable primary of its group; fence or demote it first`);
        await node.promote();
        return { primary: node.address };
      },
    }));
    entity.addEffector(defineEffector({
      name: 'demote',
      description: "REPLICAOF host port: make this server a replica of the given address (default: the group's primary)",
      params: z.strictObject({ host: z.string().min(1).max(253).optional(), port: z.number().int().min(1).max(65_535).optional() }),
      idempotent: true,
      run: async ({ host, port }) => {
        const to = host !== undefined && port !== undefined ? `${host}:${port}` : writablePeer(entity)?.address;
        if (!to) throw new HomeostatError('E_NO_PRIMARY', `cannot demote '${entity.id}': no host and port given and its group has no writable primary to follow`, { retryable: true });
        if (to === node.address) throw new HomeostatError('E_SELF_REPLICA', `cannot make '${entity.id}' a replica of itself (${to})`);
        await node.follow(to);
        await node.refresh();
        return { follows: to };
      },
    }));
    entity.addEffector(defineEffector({
      name: 'fence',
      description: 'stop this server from taking writes (min-replicas-to-write beyond reach and CLIENT PAUSE WRITE, re-applied while fenced); fails when it cannot be reached, unless a fence command is configured',
      params: none,
      idempotent: true,
      timeoutMs: config.fence.commandTimeout + 5_000,
      run: (_params, { signal }) => node.fence(signal),
    }));
    entity.addEffector(defineEffector({ name: 'unfence', description: 'lift a fence without changing the role', params: none, idempotent: true, run: async () => {
      await node.unfence();
      await node.refresh();
    } }));
    entity.setState('running');
    const ticks = interval(config.every, context.scheduler).subscribe(() => node.tick());
    node.tick();
    return () => {
      ticks.unsubscribe();
      node.close();
    };
  },
};
