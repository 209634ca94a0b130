import type { EntityTree } from '../core/entity-tree.js';
import { replicationGroupOf } from '../core/replication-group.js';
import type { Action } from '../knowledge/decision.js';
import { stepId } from '../core/engine/runbook.js';

/** Steps every path to step `index` comes through (its ancestors in the runbook's DAG). */
function ancestors(actions: readonly Action[], index: number): Set<number> {
  const ids = actions.map(stepId);
  const after = actions.map((a, i) => a.after ?? (i > 0 ? [ids[i - 1] as string] : []));
  const seen = new Set<number>();
  const stack = [...(after[index] ?? [])];
  while (stack.length > 0) {
    const k = ids.indexOf(stack.pop() as string);
    if (k < 0 || seen.has(k)) continue;
    seen.add(k);
    stack.push(...(after[k] ?? []));
  }
  return seen;
}

/**
 * Checks, against the tree as it is now, that every step promoting a database comes after a fence of each
 * other primary of the database's replication group, wherever in the tree it lives (split-brain guard at
 * run time, for failover plans and DR runbooks; the blueprint schema checks a runbook's shape). `stopped`:
 * primaries known to take no writes without a fence (their lease ran out), which need none. Returns one
 * sentence per problem; empty when safe.
 */
export function unfencedPromotions(tree: EntityTree, actions: readonly Action[], stopped: readonly string[] = []): string[] {
  const problems: string[] = [];
  actions.forEach((action, i) => {
    if (action.effector !== 'promote') return;
    const target = tree.find(action.entity);
    if (!target) return;
    const group = replicationGroupOf(target);
    const fenced = new Set([...ancestors(actions, i)].flatMap((k) => (actions[k]?.effector === 'fence' ? [actions[k].entity] : [])));
    const sameGroup = [...fenced].some((id) => {
      const e = tree.find(id);
      return e !== undefined && replicationGroupOf(e) === group;
    });
    if (fenced.size > 0 && !sameGroup) {
      problems.push(`step '${stepId(action, i)}' promotes ${target.id} (group '${group}'), but none of the databases fenced before it (${[...fenced].join(', ')}) is in that group: give the databases of one replication group the same 'group' config`);
      return;
    }
    for (const db of tree.entities()) {
      if (db === target || !db.hasSensor('role') || replicationGroupOf(db) !== group) continue;
      if (db.sensor<string>('role').current?.value === 'primary' && !fenced.has(db.id) && !stopped.includes(db.id)) {
        problems.push(`step '${stepId(action, i)}' promotes ${target.id}, but ${db.id} is the primary of group '${group}' and no step before it fences ${db.id}`);
      }
    }
  });
  return problems;
}
