import type { EntityTree } from '../core/entity-tree.js';
import { isWritablePrimary, replicationGroupOf } from '../core/replication-group.js';

/**
 * The writable primaries of every replication group right now (group -> entity ids), for invariant checks:
 * a database counts when its `role` is `primary`, its `service.up` is true and it is not stopping. Groups
 * without a writable primary are listed with no ids. Accepts a tree or anything holding one (a Deployment).
 */
export function writablePrimaries(source: EntityTree | { readonly tree: EntityTree }): Map<string, string[]> {
  const tree = 'tree' in source ? source.tree : source;
  const groups = new Map<string, string[]>();
  for (const entity of tree.entities()) {
    if (!entity.hasSensor('role')) continue;
    const group = replicationGroupOf(entity);
    const ids = groups.get(group) ?? [];
    if (isWritablePrimary(entity)) ids.push(entity.id);
    groups.set(group, ids);
  }
  return groups;
}

/** Groups with more than one writable primary now (split brain), each with the primaries; empty when safe. */
export function splitBrains(source: EntityTree | { readonly tree: EntityTree }): Array<{ group: string; primaries: string[] }> {
  return [...writablePrimaries(source)].filter(([, ids]) => ids.length > 1).map(([group, primaries]) => ({ group, primaries }));
}
