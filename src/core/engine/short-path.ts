import type { Entity } from '../entity.js';
import type { ArbiterHold } from './arbiter.js';
import type { ActionTarget } from './action-target.js';
import { describeError } from '../errors.js';
import type { Action } from '../../knowledge/decision.js';
import type { Caller } from '../../effectors/invocation.js';
import type { PolicyAttachment } from './attachment.js';
import type { ExecutorDeps } from './plan-executor.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { PreparedInvocation } from '../../effectors/prepared-invocation.js';
import { MicrotaskBatch, type Deferred } from './microtask-batch.js';
import type { AttemptSignal } from '../../effectors/attempt-signal.js';
import type { PendingPlan } from './pending-plan.js';
import { RunbookFailedError, stepId } from './runbook.js';
import { EngineStoppedError, untilAborted } from './stop-abort.js';

/**
 * The target of a plan that may take the executor's short path: one action with nothing to wait for, check,
 * guard, compensate or re-read (the common plan: restart this, resize that), no span recording, and a
 * target in the tree. Undefined for any other plan, which runs the general runbook path.
 */
export function shortPathTarget(targets: ActionTarget, pending: PendingPlan): Entity | undefined {
  const { actions } = pending.plan;
  if (actions.length !== 1 || pending.trace?.recording) return undefined;
  const action = actions[0] as Action;
  if (action.after?.length || action.trigger?.length || action.when?.length || action.check || action.compensate || action.rotateSecret || action.bestEffort) return undefined;
  return targets.entityOf(action.entity);
}

/** What a short-path run needs from its executor: the invoker, and the decision and end of the plan. */
export interface ShortPathHost {
  readonly invoker: EffectorInvoker;
  /** The entity and effector of the policy's one-action plans, remembered between plans. */
  readonly actionTarget: ActionTarget;
  /** Who invokes the effectors. */
  readonly caller: Caller;
  /** The signal of the executor's executions (aborted by a stop when the grace passes), made when first read. */
  executionSignal(): AttemptSignal;
  /** The effector ran: the cooldown starts and the decision is `applied`. */
  shortApplied(run: ShortRun): void;
  /** Preparing or running the effector failed (`failure` as the general path's runbook reports it). */
  shortFailed(run: ShortRun, failure: unknown): void;
  /** The arbiter's hold released and the executor free for the next plan. */
  shortEnded(run: ShortRun): void;
}

/**
 * Starts a plan of one plain action (see `shortPathTarget`) on the short path, when its effector may run at
 * once: the same steps as the general path up to its first wait, done now (hold, decision id, invocation
 * checked and numbered), and the rest in the next microtask with no promise chain of its own. False, with
 * nothing done, when the plan must take the general path.
 */
export function startShortRun(host: ShortPathHost, attachment: PolicyAttachment, deps: ExecutorDeps, pending: PendingPlan, token: object): boolean {
  if (attachment.dryRun || deps.dryRun() || deps.arbiter.isShared) return false;
  const target = shortPathTarget(host.actionTarget, pending);
  const action = pending.plan.actions[0] as Action;
  if (!target || !deps.invoker.canPrepare(target, action.params)) return false;
  const startedAt = performance.now();
  const hold = deps.arbiter.begin(attachment, pending.plan);
  const id = deps.nextDecisionId();
  const abortable = host.executionSignal();
  let prepared: PreparedInvocation | undefined;
  let failure: { readonly error: unknown } | undefined;
  try {
    // the signal goes to the run, which makes it only when the invocation needs it
    // the effector as prepare would find it (an unknown one throws here as it would there: the step's failure)
    const effector = host.actionTarget.effectorOf(target, action.effector);
    prepared = deps.invoker.prepare(target, action.effector, action.params, action.timeoutMs === undefined ? { caller: host.caller, decisionId: id } : { caller: host.caller, decisionId: id, timeoutMs: action.timeoutMs }, effector);
  } catch (error) {
    failure = { error };
  }
  shortRuns.add(new ShortRun(host, pending, token, hold, id, startedAt, abortable, prepared, failure));
  return true;
}

/**
 * A plan on the short path, between its start and its run in the next microtask: the hold, decision id and
 * invocation were checked at start; the run calls the effector (synchronously when it can), records the
 * decision through the host and ends the plan, with no promise chain of its own.
 */
export class ShortRun implements Deferred {
  constructor(
    private readonly host: ShortPathHost,
    readonly pending: PendingPlan,
    /** The executor's token of this execution. */
    readonly token: object,
    /** The arbiter's hold. */
    readonly hold: ArbiterHold,
    readonly id: string,
    /** performance.now() at the start, for executeMs. */
    readonly startedAt: number,
    /** The execution's signal (aborted by a stop when the grace passes), made when first read. */
    readonly abortable: AttemptSignal,
    readonly prepared: PreparedInvocation | undefined,
    /** What preparing the invocation threw (unknown effector, invalid params): the step's failure. */
    readonly failure: { readonly error: unknown } | undefined,
  ) {}

  /** The execution's signal (made now, when it was not yet). */
  get signal(): AbortSignal {
    return this.abortable.signal;
  }

  /** @internal the run, in its microtask: the effector, the decision, the release. */
  runDeferred(): void {
    let outcome: { readonly value: unknown } | Promise<unknown> | undefined;
    try {
      if (!this.prepared) return this.failed(this.failure?.error);
      outcome = this.host.invoker.runPrepared(this.prepared, this.abortable);
      if (outcome instanceof Promise) {
        untilAborted(outcome, this.signal).then(
          () => this.end(() => this.host.shortApplied(this)),
          (error: unknown) => this.end(() => this.failed(error)),
        );
      } else this.host.shortApplied(this);
    } finally {
      // a synchronous effector's plan ends here; an asynchronous one's when its promise settles
      if (!(outcome instanceof Promise)) this.host.shortEnded(this);
    }
  }

  private failed(error: unknown): void {
    const action = this.pending.plan.actions[0] as Action;
    const aborted = this.abortable.aborted && this.signal.reason instanceof EngineStoppedError;
    // the general path's runbook wraps a step's failure; an abort ends the execution before that
    const failure = aborted ? error : new RunbookFailedError(stepId(action, 0), [{ id: stepId(action, 0), status: 'failed', error: describeError(error) }], error);
    this.host.shortFailed(this, failure);
  }

  /** Runs `record` (the decision), then ends the plan whatever it threw. */
  private end(record: () => void): void {
    try {
      record();
    } finally {
      this.host.shortEnded(this);
    }
  }
}

/**
 * Short-path plans of every executor run here, in the order they started, one microtask for all of them.
 * A throw would be a bug of the executor (it records every failure itself); like a rejection of the general
 * path's execution, it must not end the process, and the executor's own `finally` has ended the plan.
 */
export const shortRuns = new MicrotaskBatch(() => undefined);
