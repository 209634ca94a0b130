import { z } from 'zod';
import { booleanSensor, defineSensor, numberSensor } from '../../sensors/define-sensor.js';

/** Roles a database of a replication group reports; a fenced one takes no writes. Same as `sim.database`'s. */
export const REPLICATION_ROLES = ['primary', 'replica', 'fenced'] as const;

/**
 * Sensors of a real database in a primary-replica group (`redis`, `postgres`): the ones the failover policy
 * reads (`role`, `replication.lag`, with `service.up`) and what a person or a group needs besides.
 */
export const REPLICATION_SENSORS = [
  defineSensor({ name: 'role', schema: z.enum(REPLICATION_ROLES), description: 'primary, replica, or fenced (by homeostat: takes no writes)' }),
  numberSensor('replication.lag', { staleAfterMs: 60_000, unit: 'seconds', description: "how long ago the primary first had data this replica has not yet applied (0 on a primary); against the primary's last known position when it is down" }),
  numberSensor('replication.lag.bytes', { unit: 'bytes', description: "the primary's last known position minus this replica's" }),
  numberSensor('replication.offset', { unit: 'bytes', description: 'replication offset (Redis) or WAL position (PostgreSQL) this server has reached' }),
  numberSensor('replication.replicas', { description: 'replicas connected to this server' }),
  booleanSensor('replication.link.up', { description: 'on a replica: whether its link to the primary is up' }),
  defineSensor({ name: 'replication.source', schema: z.string(), description: "address (host:port) of the primary this server follows; empty on a primary" }),
  defineSensor({ name: 'address', schema: z.string(), description: 'host:port clients use to reach this server' }),
];
