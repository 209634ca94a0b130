import { replicationGroupType } from '../replication/replication-group.js';

/**
 * `postgres-replication-group`: `postgres` children, one primary. Publishes `primary`, `primary.address`
 * (also written to `addressFile`), `primary.writable` and `primaries.writable`; after a failover it points
 * the other standbys at the new primary (their `demote`: primary_conninfo), and they follow its timeline.
 * The old primary stays fenced until a person rejoins it (`rejoin`, the failback runbook's first step).
 */
export const postgresReplicationGroupType = replicationGroupType('postgres-replication-group', 'postgres');
