import type { Context } from '@opentelemetry/api';
import type { SchedulerLike } from 'rxjs';
import type { EntityTree } from '../entity-tree.js';
import { HomeostatError, UnknownEntityError, describeError } from '../errors.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { Action } from '../../knowledge/decision.js';
import { waitForCheck } from './check-wait.js';

/** What happened to each step of a plan. */
export interface StepResult {
  readonly id: string;
  readonly status: 'done' | 'failed' | 'skipped' | 'compensated' | 'compensation-failed';
  readonly error?: string;
}

/** A runbook that failed: which step, and what the compensation did. */
export class RunbookFailedError extends HomeostatError {
  constructor(readonly failedStep: string, readonly steps: readonly StepResult[], cause: unknown) {
    super('E_RUNBOOK_FAILED', `step '${failedStep}' failed: ${describeError(cause)}; ${summary(steps)}`, { cause });
  }
}

/** The step id of an action (its own, or its position). */
export function stepId(action: Action, index: number): string {
  return action.id ?? `step-${index + 1}`;
}

/**
 * Runs a plan's actions as a DAG: a step starts when every step it comes `after` is done (by default the
 * one listed before it), independent steps run together, each step's check must hold before its dependents
 * start. When a step fails, the steps not started are skipped and the completed ones are compensated in
 * reverse order of completion.
 * @throws RunbookFailedError after compensating
 */
export async function runSteps(actions: readonly Action[], deps: { tree: EntityTree; scheduler: SchedulerLike; invoker: EffectorInvoker; caller: string; traceContext?: Context; decisionId?: string }): Promise<StepResult[]> {
  const ids = actions.map(stepId);
  const after = actions.map((a, i) => a.after ?? (i > 0 ? [ids[i - 1] as string] : []));
  const done: number[] = [];
  const started = new Set<number>();
  let failure: { index: number; error: unknown } | undefined;
  const run = async (i: number): Promise<void> => {
    const action = actions[i] as Action;
    const target = deps.tree.find(action.entity);
    if (!target) throw new UnknownEntityError(action.entity);
    await deps.invoker.invoke(target, action.effector, action.params, {
      caller: { kind: 'policy', name: deps.caller },
      ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
      ...(deps.traceContext === undefined ? {} : { traceContext: deps.traceContext }),
      ...(deps.decisionId === undefined ? {} : { decisionId: deps.decisionId }),
    });
    if (action.check) await waitForCheck(deps.tree, deps.scheduler, action.check);
    done.push(i);
  };
  while (!failure && done.length < actions.length) {
    const ready = actions.map((_, i) => i).filter((i) => !started.has(i) && (after[i] ?? []).every((id) => done.includes(ids.indexOf(id))));
    if (ready.length === 0) break;
    for (const i of ready) started.add(i);
    const results = await Promise.allSettled(ready.map(run));
    results.forEach((r, k) => {
      if (r.status === 'rejected' && !failure) failure = { index: ready[k] as number, error: r.reason };
    });
  }
  const results: StepResult[] = actions.map((_, i) => ({ id: ids[i] as string, status: done.includes(i) ? 'done' : 'skipped' }));
  if (!failure) return results;
  const failed = failure;
  results[failed.index] = { id: ids[failed.index] as string, status: 'failed', error: describeError(failed.error) };
  for (const i of [...done].reverse()) {
    const compensation = (actions[i] as Action).compensate;
    if (!compensation) continue;
    try {
      const target = deps.tree.find(compensation.entity);
      if (!target) throw new UnknownEntityError(compensation.entity);
      await deps.invoker.invoke(target, compensation.effector, compensation.params, { caller: { kind: 'policy', name: deps.caller } });
      results[i] = { id: ids[i] as string, status: 'compensated' };
    } catch (error) {
      results[i] = { id: ids[i] as string, status: 'compensation-failed', error: describeError(error) };
    }
  }
  throw new RunbookFailedError(ids[failed.index] as string, results, failed.error);
}

/** `a done, b failed, c skipped` */
export function summary(steps: readonly StepResult[]): string {
  return steps.map((s) => `${s.id} ${s.status}`).join(', ');
}
