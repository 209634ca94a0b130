import { interval } from 'rxjs';
import { z } from 'zod';
import { HomeostatError } from '../../core/errors.js';
import { defineEffector } from '../../effectors/define-effector.js';
import type { EntityType } from '../entity-type.js';
import { writablePeer } from '../replication/group-primary.js';
import { REPLICATION_SENSORS } from '../replication/replication-sensors.js';
import { pgConfigSchema, type PgConfig } from './pg-config.js';
import { PgNode } from './pg-node.js';

const none = z.strictObject({});

/**
 * `postgres`: one PostgreSQL server (primary or streaming standby) that homeostat observes and commands. Role
 * from pg_is_in_recovery(), WAL position, standbys from pg_stat_replication, the WAL receiver's source, and
 * lag in seconds against the primary's WAL position; `promote` (pg_promote), `fence` (read-only and sessions
 * ended, then a fast shutdown when `dataDir` is set; fails when the server cannot be reached unless a
 * STONITH command is set), and `rejoin` (an old primary back as a standby: pg_rewind and standby.signal; the
 * failback's first step, never automatic). Drop-in for `sim.database` under the failover policy.
 */
export const postgresType: EntityType<PgConfig> = {
  name: 'postgres',
  description: 'a PostgreSQL server: role, WAL position, lag; promote, fence, rejoin as a standby (pg_rewind)',
  config: pgConfigSchema,
  sensors: REPLICATION_SENSORS,
  effectors: ['promote', 'demote', 'fence', 'rejoin'],
  start: (entity, config, context) => {
    const node = new PgNode(entity, config, context);
    entity.sensor('address').publish(node.address);
    entity.addEffector(defineEffector({
      name: 'promote',
      description: 'promote this standby (pg_promote, waiting until it takes writes); refused while another server of the group is a writable primary',
      params: none,
      idempotent: true,
      timeoutMs: 70_000,
      run: async () => {
        const other = writablePeer(entity);
        if (other) throw new HomeostatError('E_SPLIT_BRAIN', `cannot promote '${entity.id}': '${other.entity.id}' (${other.address}) is a writable primary of its group; fence it first`);
        await node.promote();
        return { primary: node.address };
      },
    }));
    entity.addEffector(defineEffector({
      name: 'fence',
      description: `stop this server from taking writes (${node.fenceMode === 'stop' ? 'read-only, sessions ended, then a fast shutdown' : 'read-only and sessions ended'}); fails when it cannot be reached, unless a fence command is configured`,
      params: none,
      idempotent: true,
      timeoutMs: config.fence.timeout + 5_000,
      run: (_params, { signal }) => node.fence(signal),
    }));
    entity.addEffector(defineEffector({
      name: 'demote',
      description: "point this standby at another primary (default: the group's primary) through primary_conninfo; a primary is refused (fence it, then rejoin)",
      params: z.strictObject({ host: z.string().min(1).max(253).optional(), port: z.number().int().min(1).max(65_535).optional() }),
      idempotent: true,
      run: async ({ host, port }) => {
        const to = host !== undefined && port !== undefined ? `${host}:${port}` : writablePeer(entity)?.address;
        if (!to) throw new HomeostatError('E_NO_PRIMARY', `cannot repoint '${entity.id}': no host and port given and its group has no writable primary`, { retryable: true });
        await node.follow(to);
        return { follows: to };
      },
    }));
    entity.addEffector(defineEffector({
      name: 'rejoin',
      description: "bring this old primary back as a standby of the given address (default: the group's primary): shutdown, pg_rewind, standby.signal, start",
      params: z.strictObject({ host: z.string().min(1).max(253).optional(), port: z.number().int().min(1).max(65_535).optional() }),
      idempotent: true,
      timeoutMs: config.fence.timeout * 3 + 5_000,
      run: async ({ host, port }, { signal }) => {
        const to = host !== undefined && port !== undefined ? `${host}:${port}` : writablePeer(entity)?.address;
        if (!to) throw new HomeostatError('E_NO_PRIMARY', `cannot rejoin '${entity.id}': no host and port given and its group has no writable primary`, { retryable: true });
        if (to === node.address) throw new HomeostatError('E_SELF_REPLICA', `cannot make '${entity.id}' a standby of itself (${to})`);
        return { follows: to, ...(await node.rejoin(to, signal)) };
      },
    }));
    entity.setState('running');
    const ticks = interval(config.every, context.scheduler).subscribe(() => node.tick());
    node.tick();
    return () => ticks.unsubscribe();
  },
};
