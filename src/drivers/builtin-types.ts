import { EntityTypeRegistry } from './entity-type.js';
import { applicationType, clusterType, groupType, plainEntity } from './basic-types.js';
import { simServerType } from './sim-server.js';
import { simWebClusterType } from './sim-web-cluster.js';
import { simSwimType } from './sim-swim.js';
import { simDatabaseType } from './sim-database.js';
import { simDbClusterType } from './sim-db-cluster.js';
import { simTrafficType } from './sim-traffic.js';
import { processType } from './process/process-type.js';
import { processGroupType } from './process/process-group.js';
import { redisType } from './redis/redis-type.js';
import { redisReplicationGroupType } from './redis/redis-group.js';
import { postgresType } from './postgres/pg-type.js';
import { postgresReplicationGroupType } from './postgres/pg-group.js';
import { notifierType } from '../effectors/kinds/notify.js';

/** A registry holding every built-in entity type. */
export function builtinTypes(): EntityTypeRegistry {
  return new EntityTypeRegistry([plainEntity, applicationType, groupType, clusterType, simServerType, simWebClusterType, simSwimType, simDatabaseType, simDbClusterType, simTrafficType, processType, processGroupType, redisType, redisReplicationGroupType, postgresType, postgresReplicationGroupType, notifierType]);
}
