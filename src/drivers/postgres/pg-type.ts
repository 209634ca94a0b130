import { defineEffector } from '../../effectors/define-effector.js';
import type { EntityType } from '../entity-type.js';
import { addDemote, addPromoteAndFence, followTarget, startPolling, targetParams } from '../replication/node-effectors.js';
import { REPLICATION_SENSORS } from '../replication/replication-sensors.js';
import { PATRONI_SENSOR } from './patroni-sessions.js';
import { pgConfigSchema, type PgConfig } from './pg-config.js';
import { PgNode } from './pg-node.js';

/**
 * `postgres`: one PostgreSQL server (primary or streaming standby) that homeostat observes and commands. Role
 * from pg_is_in_recovery(), WAL position, standbys from pg_stat_replication, the WAL receiver's source, and
 * lag in seconds against the primary's WAL position; `promote` (pg_promote), `fence` (read-only and sessions
 * ended, then a fast shutdown when `dataDir` is set; fails when the server cannot be reached unless a
 * STONITH command is set), and `rejoin` (an old primary back as a standby: pg_rewind and standby.signal; the
 * failback's first step, never automatic). `patroni` counts the sessions of a Patroni daemon (Patroni manages
 * the server: the failover policy stands down). Drop-in for `sim.database` under the failover policy.
 */
export const postgresType: EntityType<PgConfig> = {
  name: 'postgres',
  description: 'a PostgreSQL server: role, WAL position, lag; promote, fence, rejoin as a standby (pg_rewind)',
  config: pgConfigSchema,
  sensors: [...REPLICATION_SENSORS, PATRONI_SENSOR],
  effectors: ['promote', 'demote', 'fence', 'rejoin'],
  start: (entity, config, context) => {
    const node = new PgNode(entity, config, context);
    addPromoteAndFence(entity, node, {
      promote: 'promote this standby (pg_promote, waiting until it takes writes)',
      fence: node.fenceMode === 'stop' ? 'read-only, sessions ended, then a fast shutdown' : 'read-only and sessions ended',
    }, { promoteMs: 70_000, fenceMs: config.fence.timeout + 5_000 });
    addDemote(entity, node, "point this standby at another primary (default: the group's primary) through primary_conninfo; a primary is refused (fence it, then rejoin)", (to) => node.follow(to));
    entity.addEffector(defineEffector({
      name: 'rejoin',
      description: "bring this old primary back as a standby of the given address (default: the group's primary): shutdown, pg_rewind, standby.signal, start",
      params: targetParams,
      idempotent: true,
      timeoutMs: config.fence.timeout * 3 + 5_000,
      run: async (params, { signal }) => {
        const to = followTarget(entity, node.address, params, 'rejoin');
        return { follows: to, ...(await node.rejoin(to, signal)) };
      },
    }));
    return startPolling(entity, node, config.every, context.scheduler);
  },
};
