import type { Context } from '@opentelemetry/api';
import { runSteps, summary } from './runbook.js';
import { childSpan } from '../../telemetry/tracing.js';
import { stopwatch } from '../time.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { DecisionOutcome } from '../../knowledge/decision.js';
import type { PolicyAttachment } from './attachment.js';
import type { ExecutorDeps } from './executor-deps.js';
import { COALESCED_OUTCOMES, DecisionCoalescer } from './decision-coalescer.js';
import type { PendingPlan } from './pending-plan.js';
import { changedExpectations } from './stale-inputs.js';
import { InputSensors } from './input-sensors.js';
import { ActionTarget } from './action-target.js';
import { EngineStoppedError, invokerWithSignal, untilAborted } from './stop-abort.js';
import type { Caller } from '../../effectors/invocation.js';
import { startShortRun, type ShortPathHost, type ShortRun } from './short-path.js';
import { NOT_ACTING, executionFailure } from './execution-failure.js';
import { AttemptSignal } from '../../effectors/attempt-signal.js';
import { cooldownIn, cooldownRefusal, startCooldown, type ExecutorPhase } from './executor-cooldown.js';
import type { RecordExtra } from './decision-record.js';
import { recordDecision, recordNotStarted } from './decision-recording.js';
import { enqueueWaiting, type Waiting } from './waiting-plans.js';
import { planRefusal } from './plan-admission.js';
import { StartsAtInstant, entityIdIn, spentAtInstantDetail } from './starts-at-instant.js';

export { restingPhase, type ExecutorPhase } from './executor-cooldown.js';
export type { ExecutorDeps } from './executor-deps.js';

/** What `whenIdle` gives before the first plan: one settled promise for every executor. */
const ALREADY_IDLE: Promise<void> = Promise.resolve();

/**
 * Execute for one policy: a small state machine (idle -> executing -> cooldown -> idle). One plan of the
 * policy executes at a time; plans that arrive meanwhile wait in arrival order, and "newest plan wins" per
 * target: a newer plan replaces (`superseded`) the waiting ones whose targets overlap its own, while plans
 * about other targets (three members to replace) keep their place and run in turn. Each plan ends in
 * exactly one Decision (runs of identical decisions not to act share one coalesced record, see
 * `Decision.count`). The cooldown stamp lives in policy state, so it survives a restart.
 */
export class PlanExecutor implements ShortPathHost {
  /** The executing plan's token (identity only); undefined while idle. */
  private current: object | undefined;
  // one signal serves plan after plan until a stop aborts it, and is made only when something reads it (the
  // general path, an effector that works asynchronously or fails): creating a controller per plan costs more
  // than the rest of a small plan's execution, and in a large tree every plan may be its executor's first
  private abortable: AttemptSignal | undefined;
  /** Plans waiting behind the executing one (made with the first: most policies never wait). */
  private waiting: Waiting[] | undefined;
  private stopping = false;
  // made when someone waits during a busy period (most plans start and end with nobody waiting)
  private idle: Promise<void> | undefined;
  private markIdle: (() => void) | undefined;
  // made with the first decision not to act: a policy whose plans all run never needs one (and most policies
  // of a large tree never plan)
  private coalescerOfRuns: DecisionCoalescer | undefined;
  /** The sensors of this policy's symptom inputs, remembered between plans (made with the first plan). */
  private inputSensors: InputSensors | undefined;
  /** The entity and effector of this policy's one-action plans, remembered between plans (made at first use). */
  private actionTargetMemo: ActionTarget | undefined;
  /** The targets this policy's plans started on at the latest instant one started (made with the first). */
  private startsAtInstant: StartsAtInstant | undefined;
  /** @internal who invokes the effectors: this policy (one frozen object shared by every invocation it asks for). */
  readonly caller: Caller;

  constructor(
    private readonly attachment: PolicyAttachment,
    private readonly deps: ExecutorDeps,
  ) {
    this.caller = Object.freeze({ kind: 'policy', name: attachment.id });
  }

  private get coalescer(): DecisionCoalescer {
    return (this.coalescerOfRuns ??= new DecisionCoalescer());
  }

  /** `executing`, `cooldown` (until the stamp passes) or `idle`. */
  get phase(): ExecutorPhase {
    if (this.current) return 'executing';
    return cooldownIn(this.deps.knowledge, this.attachment.id) > this.deps.scheduler.now() ? 'cooldown' : 'idle';
  }

  /** Plans waiting for the one that executes. */
  get waitingCount(): number {
    return this.waiting?.length ?? 0;
  }

  /** Resolves when nothing executes or waits. */
  whenIdle(): Promise<void> {
    // one idle promise per busy period: waiting plans that start right after keep the same promise, so
    // whoever awaits whenIdle() is released only when nothing executes or waits
    if (!this.current) return ALREADY_IDLE;
    return (this.idle ??= new Promise((resolve) => (this.markIdle = resolve)));
  }

  /** Takes a plan through suspension, staleness, cooldown and the waiting queue, then executes it. */
  submit(pending: PendingPlan): void {
    const { attachment, deps } = this;
    if (this.stopping) {
      recordNotStarted(attachment, deps, this.coalescer, pending, 'the engine is stopping: the plan was not started');
      return;
    }
    const refusal = planRefusal(attachment, deps, pending, (this.inputSensors ??= new InputSensors(deps.tree)));
    if (refusal) {
      this.record(pending, refusal.outcome, { detail: refusal.detail });
      return;
    }
    if (this.current) enqueueWaiting((this.waiting ??= []), attachment, deps, this.coalescer, pending);
    else this.start(pending);
  }

  /**
   * Stops taking plans: waiting ones are recorded as failed (never started), except decisions not to act,
   * which had nothing to start and are recorded as such (`no_action` or their own outcome); the executing
   * one goes on.
   */
  stop(): void {
    this.stopping = true;
    const why = 'the engine stopped before this plan could start';
    for (const { pending } of this.waiting?.splice(0) ?? []) recordNotStarted(this.attachment, this.deps, this.coalescer, pending, why);
  }

  /** Takes plans again after `stop` (an engine started again). */
  reopen(): void {
    this.stopping = false;
  }

  /** Aborts the executing plan's effectors; it is recorded as failed with `reason`. */
  abort(reason: EngineStoppedError): void {
    if (!this.current) return;
    this.abortable?.abort(reason);
    this.abortable = undefined;
  }

  private start(pending: PendingPlan): void {
    const changed = changedExpectations(this.deps.tree, pending.plan);
    if (changed) {
      this.record(pending, 'rejected_stale', { detail: `changed since the plan was made: ${changed}` });
      return;
    }
    const cooling = cooldownRefusal(this.deps.knowledge, this.attachment.id, pending.plan.cooldown, this.deps.scheduler);
    if (cooling !== undefined) {
      this.record(pending, 'skipped_cooldown', { detail: cooling });
      return;
    }
    // in virtual time, a policy acting again and again on one target at one instant loops on its own action's
    // effect while the clock stands still (real time moves on by itself)
    const virtual = this.deps.virtualTime;
    const now = virtual ? this.deps.scheduler.now() : 0;
    const spent = virtual ? this.startsAtInstant?.spent(pending.plan.actions, now) : undefined;
    if (spent) {
      this.record(pending, 'rate_limited', { detail: spentAtInstantDetail(spent, now) });
      return;
    }
    const verdict = this.deps.arbiter.check(this.attachment, pending.plan, this.actionTarget);
    if (verdict) {
      this.record(pending, verdict.outcome, { detail: verdict.detail });
      return;
    }
    if (virtual) (this.startsAtInstant ??= new StartsAtInstant(entityIdIn(this.deps.tree))).started(pending.plan.actions, now);
    // the plan itself is its execution's token: each pending plan starts at most once, so none other is the
    // same object (an object made per plan only for its identity would be garbage at every decision)
    const token: object = pending;
    this.current = token;
    if (startShortRun(this, this.attachment, this.deps, pending, token)) return;
    const finished = (): void => this.finished(token);
    // execute records its own failures; a rejection here would be a bug, and must not end the process
    this.execute(pending, this.executionSignal().signal).then(finished, finished);
  }

  private finished(token: object): void {
    if (this.current === token) this.current = undefined;
    while (!this.current && !this.stopping) {
      const next = this.waiting?.shift();
      if (!next) break;
      this.start(next.pending);
    }
    if (!this.current) {
      this.markIdle?.();
      this.markIdle = undefined;
      this.idle = undefined;
    }
  }

  /** @internal the signal of this executor's executions (aborted by a stop when the grace passes), made when first read. */
  executionSignal(): AttemptSignal {
    return (this.abortable ??= new AttemptSignal());
  }

  /** @internal the entity and effector of this policy's one-action plans, remembered between plans (made at first use). */
  get actionTarget(): ActionTarget {
    return (this.actionTargetMemo ??= new ActionTarget(this.deps.tree));
  }

  /** @internal who runs the short-path plans' effectors. */
  get invoker(): EffectorInvoker {
    return this.deps.invoker;
  }

  /** @internal the short-path plan's effector ran. */
  shortApplied(run: ShortRun): void {
    this.startCooldown(run.pending);
    this.record(run.pending, 'applied', { id: run.id, executeMs: performance.now() - run.startedAt });
  }

  /** @internal the short-path plan failed. */
  shortFailed(run: ShortRun, failure: unknown): void {
    this.recordFailure(run.pending, run.id, performance.now() - run.startedAt, failure, run.signal);
  }

  /** @internal the short-path plan's hold released and the executor free for the next plan. */
  shortEnded(run: ShortRun): void {
    this.deps.arbiter.end(run.hold);
    this.finished(run.token);
  }

  private async execute(pending: PendingPlan, signal: AbortSignal): Promise<void> {
    const { attachment, deps } = this;
    const elapsed = stopwatch();
    if (pending.plan.actions.length === 0) {
      this.record(pending, pending.plan.nonAction ?? 'no_action');
      return;
    }
    if (attachment.dryRun || deps.dryRun()) {
      this.startCooldown(pending);
      this.record(pending, 'dry_run', { executeMs: elapsed(), detail: 'dry run: no effector was invoked' });
      return;
    }
    // with shards, a plan of a part of the tree another instance holds was planned warm: it takes no hold and
    // spends no budget (the holder's own plan does)
    if (deps.arbiter.isShared && !deps.arbiter.actsFor(attachment.entity)) {
      this.record(pending, 'suspended', { executeMs: elapsed(), detail: NOT_ACTING });
      return;
    }
    // with shards, another instance's plan may hold this subtree, or a budget be spent by every instance together
    // (alone, it begins at once: no promise between the check and the effectors)
    const begun = deps.arbiter.isShared ? await deps.arbiter.beginShared(attachment, pending.plan) : { token: deps.arbiter.begin(attachment, pending.plan) };
    if ('verdict' in begun) {
      this.record(pending, begun.verdict.outcome, { executeMs: elapsed(), detail: begun.verdict.detail });
      return;
    }
    const { token } = begun;
    // the decision id is known before the effectors run, so they can send it as an idempotency key
    const id = deps.nextDecisionId();
    try {
      const invoker = invokerWithSignal(deps.invoker, signal);
      const run = (traceContext?: Context) => runSteps(pending.plan.actions, { tree: deps.tree, scheduler: deps.scheduler, invoker, caller: attachment.id, decisionId: id, ...(traceContext ? { traceContext } : {}) });
      const steps = await untilAborted(
        pending.trace?.recording ? childSpan(pending.trace.context, 'homeostat.execute', { 'homeostat.policy': attachment.id, 'homeostat.actions': pending.plan.actions.length }, (_span, traceContext) => run(traceContext)) : run(),
        signal,
      );
      this.startCooldown(pending);
      this.record(pending, 'applied', steps.length > 1 ? { id, executeMs: elapsed(), detail: summary(steps) } : { id, executeMs: elapsed() });
    } catch (error) {
      this.recordFailure(pending, id, elapsed(), error, signal);
    } finally {
      deps.arbiter.end(token);
    }
  }

  /** Records an execution that failed (or was aborted by a stop), after starting the cooldown. */
  private recordFailure(pending: PendingPlan, id: string, executeMs: number, error: unknown, signal: AbortSignal): void {
    this.startCooldown(pending);
    const { outcome, detail, error: recorded } = executionFailure(error, signal);
    this.record(pending, outcome, recorded === undefined ? { id, executeMs, detail } : { id, executeMs, error: recorded, detail });
  }

  private startCooldown(pending: PendingPlan): void {
    startCooldown(this.deps.knowledge, this.attachment.id, this.deps.scheduler.now(), this.attachment.cooldownMs, pending.plan.cooldown);
  }

  private record(pending: PendingPlan, outcome: DecisionOutcome, extra: RecordExtra = {}): void {
    // a decision that is never coalesced ends any run of the coalescer, which has none when it was never made
    recordDecision(this.attachment, this.deps, COALESCED_OUTCOMES.has(outcome) ? this.coalescer : this.coalescerOfRuns, pending, outcome, extra);
  }
}
