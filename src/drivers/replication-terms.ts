import type { EntityTree } from '../core/entity-tree.js';

/**
 * The term (epoch) of each replication group of simulated databases, as a consensus store (etcd behind
 * Patroni, the Sentinels' configuration epoch) would keep it: every promotion starts a new term, and a
 * database that comes back with an older term learns that it was replaced and rejoins as a replica.
 */
const terms = new WeakMap<EntityTree, Map<string, number>>();

function of(tree: EntityTree): Map<string, number> {
  let groups = terms.get(tree);
  if (!groups) terms.set(tree, (groups = new Map()));
  return groups;
}

/** The group's current term (0 before any primary). */
export function currentTerm(tree: EntityTree, group: string): number {
  return of(tree).get(group) ?? 0;
}

/** Starts a new term for the group and returns it. */
export function nextTerm(tree: EntityTree, group: string): number {
  const term = currentTerm(tree, group) + 1;
  of(tree).set(group, term);
  return term;
}
