import { replicationGroupType } from '../replication/replication-group.js';

/**
 * `redis-replication-group`: `redis` children, one primary. Publishes `primary`, `primary.address` (also
 * written to `addressFile`), `primary.writable` and `primaries.writable`; repoints replicas to the primary
 * after a failover (Sentinel's reconfiguration of the other replicas). The failover policy attaches here.
 */
export const redisReplicationGroupType = replicationGroupType('redis-replication-group', 'redis');
