import type { Context } from '@opentelemetry/api';
import type { SchedulerLike } from 'rxjs';
import type { EntityTree } from '../entity-tree.js';
import { HomeostatError, UnknownEntityError, describeError } from '../errors.js';
import { firstFailingGuard } from '../guards.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { Action } from '../../knowledge/decision.js';
import { waitForCheck } from './check-wait.js';
import { readSecretSource } from '../secret-ref.js';

/** A `rotateSecret` step whose effector left the secret as it was (or unreadable); names the file only. */
export class SecretNotRotatedError extends HomeostatError {
  constructor(file: string, why: string) {
    super('E_SECRET_NOT_ROTATED', `secret file ${file} ${why}`);
  }
}

/** Reads the rotated file again: it must be readable and hold a value other than before the step. */
async function confirmRotated(source: { readonly file: string }, before: string | undefined): Promise<void> {
  let after: string;
  try {
    after = await readSecretSource(source);
  } catch (error) {
    throw new SecretNotRotatedError(source.file, `cannot be read after the rotation (${(error as Error).message})`);
  }
  if (after === '') throw new SecretNotRotatedError(source.file, 'is empty after the rotation');
  if (after === before) throw new SecretNotRotatedError(source.file, 'still holds the value it had before the rotation');
}

/** What happened to each step of a plan. */
export interface StepResult {
  readonly id: string;
  readonly status: 'done' | 'failed' | 'skipped' | 'compensated' | 'compensation-failed' | 'failed-tolerated' | 'failed-compensated';
  readonly error?: string;
}

/** A runbook that failed: which step, and what the compensation did. */
export class RunbookFailedError extends HomeostatError {
  constructor(readonly failedStep: string, readonly steps: readonly StepResult[], cause: unknown) {
    super('E_RUNBOOK_FAILED', `step '${failedStep}' failed: ${describeError(cause)}; ${summary(steps)}`, { cause });
  }
}

/** A runbook stopped because its trigger cleared (the failed site came back) before a step; compensated. */
export class RunbookStoppedError extends HomeostatError {
  constructor(readonly beforeStep: string, readonly steps: readonly StepResult[], why: string) {
    super('E_RUNBOOK_STOPPED', `stopped before step '${beforeStep}': the trigger no longer holds (${why}); ${summary(steps)}`);
  }
}

/** The step id of an action (its own, or its position). */
export function stepId(action: Action, index: number): string {
  return action.id ?? `step-${index + 1}`;
}

interface Deps {
  readonly tree: EntityTree;
  readonly scheduler: SchedulerLike;
  readonly invoker: EffectorInvoker;
  readonly caller: string;
  readonly traceContext?: Context;
  /** The decision that asked for the run: effectors send it as an idempotency key. */
  readonly decisionId?: string;
}

/**
 * Runs a plan's actions as a DAG: a step starts when every step it comes `after` is done (by default the
 * one listed before it), independent steps run together, each step's check must hold before its dependents
 * start. Before a step starts, its runbook trigger is re-read (when it cleared, the runbook stops) and its
 * `when` guards (when one does not hold, the step and its dependents are skipped). When a step fails, the
 * steps not started are skipped, and the failed step (it may have half-happened) and the completed ones
 * are compensated in reverse order of completion. A best-effort step's failure does not stop the runbook.
 * @throws RunbookFailedError or RunbookStoppedError, after compensating
 */
export async function runSteps(actions: readonly Action[], deps: Deps): Promise<StepResult[]> {
  const ids = actions.map(stepId);
  const after = actions.map((a, i) => a.after ?? (i > 0 ? [ids[i - 1] as string] : []));
  // by id, the first action with it (as `ids.indexOf` finds it); -1 for an id no action has
  const indexOf = new Map<string, number>();
  ids.forEach((id, i) => indexOf.has(id) || indexOf.set(id, i));
  const index = (id: string): number => indexOf.get(id) ?? -1;
  const done: number[] = [];
  const doneSet = new Set<number>();
  let skipped = 0;
  // Kahn's walk of the DAG: per action, how many of the steps it comes after have not settled (done or
  // skipped), and who waits on each step; a round starts the actions that reached zero in the round before,
  // so a plan of n steps in a row is n rounds of one action each, not n scans of every action. A step named in
  // `after` that no action has never settles: its dependents never start, as the walk ends with nothing ready.
  const unsettled = new Int32Array(actions.length);
  const dependents = new Map<number, number[]>();
  after.forEach((ids, i) => {
    for (const id of ids) {
      unsettled[i] = (unsettled[i] as number) + 1;
      const d = index(id);
      if (d < 0) continue;
      const list = dependents.get(d);
      if (list) list.push(i);
      else dependents.set(d, [i]);
    }
  });
  let nextRound: number[] = [];
  for (let i = 0; i < actions.length; i++) if (unsettled[i] === 0) nextRound.push(i);
  const settle = (i: number): void => {
    for (const d of dependents.get(i) ?? []) if ((unsettled[d] = (unsettled[d] as number) - 1) === 0) nextRound.push(d);
  };
  const status = new Map<number, StepResult>();
  let failure: { index: number; error: unknown } | undefined;
  let stop: { index: number; why: string } | undefined;
  const run = async (i: number): Promise<void> => {
    const action = actions[i] as Action;
    const target = deps.tree.find(action.entity);
    try {
      if (!target) throw new UnknownEntityError(action.entity);
      const before = action.rotateSecret ? await readSecretSource(action.rotateSecret).catch(() => undefined) : undefined;
      await deps.invoker.invoke(target, action.effector, action.params, {
        caller: { kind: 'policy', name: deps.caller },
        ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
        ...(deps.traceContext === undefined ? {} : { traceContext: deps.traceContext }),
        ...(deps.decisionId === undefined ? {} : { decisionId: deps.decisionId }),
      });
      if (action.rotateSecret) await confirmRotated(action.rotateSecret, before);
      if (action.check) await waitForCheck(deps.tree, deps.scheduler, action.check);
    } catch (error) {
      if (!action.bestEffort) throw error;
      status.set(i, { id: ids[i] as string, status: 'failed-tolerated', error: describeError(error) });
    }
    done.push(i);
    doneSet.add(i);
    settle(i);
  };
  // one action with nothing to wait for or to re-read (most plans): it runs at once, without the DAG walk
  const only = actions.length === 1 ? (actions[0] as Action) : undefined;
  const single = only !== undefined && !only.after?.length && !only.trigger?.length && !only.when?.length;
  if (single) {
    try {
      await run(0);
    } catch (error) {
      failure = { index: 0, error };
    }
  }
  while (!single && !failure && !stop && done.length + skipped < actions.length) {
    // in the order the plan lists them, as a scan of the plan would find them
    const candidates = nextRound.sort((a, b) => a - b);
    nextRound = [];
    const ready: number[] = [];
    for (const i of candidates) {
      const action = actions[i] as Action;
      const cleared = firstFailingGuard(deps.tree, action.trigger, { unknownHolds: true });
      if (cleared) {
        stop = { index: i, why: cleared.description };
        break;
      }
      const guardedOut = firstFailingGuard(deps.tree, action.when) ?? (after[i] ?? []).map((id) => status.get(index(id))).find((s) => s?.status === 'skipped');
      if (guardedOut) {
        status.set(i, { id: ids[i] as string, status: 'skipped', error: 'description' in guardedOut ? `guard ${guardedOut.description} does not hold` : `after skipped ${guardedOut.id}` });
        skipped += 1;
        settle(i);
      } else ready.push(i);
    }
    if (stop) break;
    if (ready.length === 0 && candidates.length === 0) break;
    const results = await Promise.allSettled(ready.map(run));
    results.forEach((r, k) => {
      if (r.status === 'rejected' && !failure) failure = { index: ready[k] as number, error: r.reason };
    });
  }
  const results: StepResult[] = actions.map((_, i) => status.get(i) ?? { id: ids[i] as string, status: doneSet.has(i) ? 'done' : 'skipped' });
  if (!failure && !stop) return results;
  const undo = [...done].reverse();
  if (failure) {
    results[failure.index] = { id: ids[failure.index] as string, status: 'failed', error: describeError(failure.error) };
    undo.unshift(failure.index);
  }
  for (const i of undo) await compensate(actions[i] as Action, i, ids[i] as string, results, deps, i === failure?.index);
  if (failure) throw new RunbookFailedError(ids[failure.index] as string, results, failure.error);
  const stopped = stop as { index: number; why: string };
  throw new RunbookStoppedError(ids[stopped.index] as string, results, stopped.why);
}

async function compensate(action: Action, i: number, id: string, results: StepResult[], deps: Deps, failed: boolean): Promise<void> {
  const compensation = action.compensate;
  if (!compensation) return;
  try {
    const target = deps.tree.find(compensation.entity);
    if (!target) throw new UnknownEntityError(compensation.entity);
    await deps.invoker.invoke(target, compensation.effector, compensation.params, { caller: { kind: 'policy', name: deps.caller } });
    results[i] = { id, status: failed ? 'failed-compensated' : 'compensated' };
  } catch (error) {
    results[i] = { id, status: 'compensation-failed', error: describeError(error) };
  }
}

/** `a done, b failed, c skipped` */
export function summary(steps: readonly StepResult[]): string {
  return steps.map((s) => `${s.id} ${s.status}`).join(', ');
}
