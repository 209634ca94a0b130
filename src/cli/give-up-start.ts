import type { Deployment } from '../blueprint/deployment.js';
import type { HaCoordinator } from '../cluster/ha-coordinator.js';
import type { ShardCoordinator } from '../cluster/shard-coordinator.js';

/**
 * Undoes a start that failed part-way: the loops stop (effectors they began get the default grace), then the
 * lease (or every shard) is given up, before knowledge closes the Redis connection the release goes through;
 * left held, it would keep every other instance out until it expired. Errors are the caller's to have told.
 */
export async function giveUp(deployment: Deployment, coordinator: HaCoordinator | ShardCoordinator | undefined): Promise<void> {
  await deployment.stopLoops().catch(() => undefined);
  await coordinator?.stop().catch(() => undefined);
  await deployment.stop().catch(() => undefined);
}
