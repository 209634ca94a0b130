import type { Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';

interface ClusterLoad {
  /** Requests/s this cluster's own users make (its configured load). */
  demand: number;
  /** Requests/s it served at its last tick. */
  served: number;
}

const loads = new WeakMap<EntityTree, Map<string, ClusterLoad>>();

function of(tree: EntityTree): Map<string, ClusterLoad> {
  let map = loads.get(tree);
  if (!map) loads.set(tree, (map = new Map()));
  return map;
}

/** The tree's traffic manager (the first `sim.traffic` entity), if there is one. */
export function trafficManager(tree: EntityTree): Entity | undefined {
  for (const entity of tree.entities()) if (entity.type === 'sim.traffic') return entity;
  return undefined;
}

/**
 * Where users' requests go. Without a traffic manager every simulated web cluster serves its own users.
 * With one, all users' requests (the sum of every cluster's own load) go to the clusters of the site it
 * routes to, and the others get none: `route` moves the load between sites. Records this cluster's own
 * demand and returns the load offered to it (requests/s).
 */
export function offeredLoad(tree: EntityTree, cluster: Entity, ownDemand: number): number {
  const map = of(tree);
  const entry = map.get(cluster.id) ?? { demand: 0, served: 0 };
  entry.demand = ownDemand;
  map.set(cluster.id, entry);
  const manager = trafficManager(tree);
  if (!manager) return ownDemand;
  const route = manager.sensor<string>('route').current?.value;
  const routedHere = route !== undefined && (cluster.id === route || [...cluster.ancestors()].some((a) => a.id === route));
  if (!routedHere) return 0;
  const clustersThere = [...map.keys()].filter((id) => {
    const e = tree.find(id);
    return e !== undefined && (e.id === route || [...e.ancestors()].some((a) => a.id === route));
  });
  let total = 0;
  for (const load of map.values()) total += load.demand;
  return total / Math.max(1, clustersThere.length);
}

/** Records what a cluster served at its tick (requests/s). */
export function recordServed(tree: EntityTree, cluster: Entity, served: number): void {
  const entry = of(tree).get(cluster.id);
  if (entry) entry.served = served;
}

/** Forgets a cluster that left the tree. */
export function forgetCluster(tree: EntityTree, cluster: Entity): void {
  of(tree).delete(cluster.id);
}

/** All users' demand and what the clusters served, now (requests/s). */
export function loadTotals(tree: EntityTree): { demand: number; served: number } {
  let demand = 0;
  let served = 0;
  for (const load of of(tree).values()) {
    demand += load.demand;
    served += load.served;
  }
  return { demand, served };
}
