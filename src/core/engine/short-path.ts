import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { Action } from '../../knowledge/decision.js';
import type { PreparedInvocation } from '../../effectors/prepared-invocation.js';
import { MicrotaskBatch } from './microtask-batch.js';
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

/** A plan on the short path, between its start and its run in the next microtask. */
export interface ShortRun {
  readonly pending: PendingPlan;
  /** The executor's token of this execution. */
  readonly token: object;
  /** The arbiter's hold. */
  readonly hold: number;
  readonly id: string;
  /** performance.now() at the start, for executeMs. */
  readonly startedAt: number;
  /** The execution's signal (aborted by a stop when the grace passes). */
  readonly signal: AbortSignal;
  readonly prepared: PreparedInvocation | undefined;
  /** What preparing the invocation threw (unknown effector, invalid params): the step's failure. */
  readonly failure: { readonly error: unknown } | undefined;
}

/**
 * Short-path plans of every executor run here, in the order they started, one microtask for all of them.
 * A throw would be a bug of the executor (it records every failure itself); like a rejection of the general
 * path's execution, it must not end the process, and the executor's own `finally` has ended the plan.
 */
export const shortRuns = new MicrotaskBatch(() => undefined);
