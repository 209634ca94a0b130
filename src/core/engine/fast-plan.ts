import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { Action } from '../../knowledge/decision.js';
import type { PendingPlan } from './pending-plan.js';

/**
 * The target of a plan that may take the executor's short path: one action with nothing to wait for, check,
 * guard, compensate or re-read (the common plan: restart this, resize that), no span recording, and a
 * target in the tree. Undefined for any other plan, which runs the general runbook path.
 */
export function shortPathTarget(tree: EntityTree, pending: PendingPlan): Entity | undefined {
  const { actions } = pending.plan;
  if (actions.length !== 1 || pending.trace?.recording) return undefined;
  const action = actions[0] as Action;
  if (action.after?.length || action.trigger?.length || action.when?.length || action.check || action.compensate || action.rotateSecret || action.bestEffort) return undefined;
  return tree.find(action.entity);
}
