import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Deployment } from '../blueprint/deployment.js';
import { HaCoordinator } from '../cluster/ha-coordinator.js';
import { RedisLease } from '../cluster/lease.js';
import type { RedisStore } from '../knowledge/redis/redis-store.js';

/** A unique name for this instance: host, pid and a random part (a restarted process is a new owner). */
export function instanceName(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Joins the instances of one deployment: competes for the lease of the whole tree on the store's Redis
 * (same namespace), logs every change of role, and reconciles in-flight work on taking over.
 */
export function joinHa(deployment: Deployment, store: RedisStore, owner: string, logger: Logger, leaseMs?: number, minReplicaAcks?: number): HaCoordinator {
  const lease = new RedisLease(store.redis, { name: 'root', owner, namespace: store.keys.namespace, ...(leaseMs === undefined ? {} : { ttlMs: leaseMs }), ...(minReplicaAcks === undefined ? {} : { minReplicaAcks }) });
  const coordinator = new HaCoordinator(
    lease,
    deployment.knowledge,
    (change) => logger.info({ ha: { owner, ...change } }, `${owner} is now ${change.role}: ${change.reason}`),
    () => {
      deployment.reconcileInFlight();
      for (const record of deployment.reconciled) logger.warn({ invocation: record }, `invocation ${record.id} (${record.entity}.${record.effector}) was in flight when the previous leader stopped: outcome unknown, not repeated`);
    },
    owner,
  );
  return coordinator;
}
