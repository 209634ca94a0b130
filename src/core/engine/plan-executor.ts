import type { Context } from '@opentelemetry/api';
import type { SchedulerLike } from 'rxjs';
import type { EntityTree } from '../entity-tree.js';
import { HomeostatError, describeError } from '../errors.js';
import { InvocationFailedError } from '../../effectors/invoker.js';
import type { Arbiter } from './arbiter.js';
import { RunbookFailedError, runSteps, summary } from './runbook.js';
import { childSpan } from '../../telemetry/tracing.js';
import { redact } from '../redact.js';
import { stopwatch } from '../time.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { Decision, DecisionOutcome } from '../../knowledge/decision.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { PolicyState } from '../../knowledge/policy-state.js';
import type { PolicyAttachment } from './attachment.js';
import type { PendingPlan } from './pending-plan.js';
import { staleInputs } from './stale-inputs.js';

/** What the executor needs from the engine. */
export interface ExecutorDeps {
  readonly scheduler: SchedulerLike;
  readonly tree: EntityTree;
  readonly invoker: EffectorInvoker;
  readonly knowledge: Knowledge;
  /** Engine-wide dry run. */
  readonly dryRun: () => boolean;
  readonly nextDecisionId: () => string;
  /** Told of every decision this executor records. */
  readonly onDecision: (decision: Decision) => void;
  readonly arbiter: Arbiter;
}

const COOLDOWN_KEY = 'engine.cooldownUntil';

/**
 * Execute for one policy: a small state machine (idle -> executing -> cooldown -> idle). A plan that
 * arrives while one executes waits; a newer one replaces it (`superseded`). Each plan ends in exactly one
 * Decision record. The cooldown stamp lives in policy state, so it survives a restart.
 */
export class PlanExecutor {
  private executing = false;
  private waiting: PendingPlan | undefined;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | undefined;
  private readonly state: PolicyState;

  constructor(
    private readonly attachment: PolicyAttachment,
    private readonly deps: ExecutorDeps,
  ) {
    this.state = deps.knowledge.policyState(attachment.id);
  }

  /** `executing`, `cooldown` (until the stamp passes) or `idle`. */
  get phase(): 'idle' | 'executing' | 'cooldown' {
    if (this.executing) return 'executing';
    return this.cooldownUntil() > this.deps.scheduler.now() ? 'cooldown' : 'idle';
  }

  /** Resolves when nothing executes or waits. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** Takes a plan through suspension, staleness, cooldown and the waiting slot, then executes it. */
  submit(pending: PendingPlan): void {
    const { attachment, deps } = this;
    if (attachment.suspended) {
      this.record(pending, 'suspended', { detail: attachment.suspendedReason ?? 'policy is suspended' });
      return;
    }
    const stale = staleInputs(deps.tree, pending.symptom.inputs, deps.scheduler.now());
    if (stale.length > 0) {
      this.record(pending, 'rejected_stale', { detail: `stale inputs: ${stale.join(', ')}` });
      return;
    }
    if (this.executing) {
      if (this.waiting) this.record(this.waiting, 'superseded', { detail: 'a newer plan of the same policy replaced it while it waited' });
      this.waiting = pending;
      return;
    }
    this.start(pending);
  }

  private start(pending: PendingPlan): void {
    const until = Math.max(this.cooldownUntil(), this.cooldownUntil(pending.plan.cooldown?.key));
    if (until > this.deps.scheduler.now()) {
      const which = pending.plan.cooldown && this.cooldownUntil(pending.plan.cooldown.key) === until ? `'${pending.plan.cooldown.key}' cooldown` : 'cooldown';
      this.record(pending, 'skipped_cooldown', { detail: `${which} until ${until} (${until - this.deps.scheduler.now()} ms left)` });
      return;
    }
    const verdict = this.deps.arbiter.check(this.attachment, pending.plan);
    if (verdict) {
      this.record(pending, verdict.outcome, { detail: verdict.detail });
      return;
    }
    this.executing = true;
    // one idle promise per busy period: a waiting plan that starts right after keeps the same promise,
    // so whoever awaits whenIdle() is released only when nothing executes or waits
    if (!this.markIdle) this.idle = new Promise((resolve) => (this.markIdle = resolve));
    void this.execute(pending).finally(() => {
      this.executing = false;
      const next = this.waiting;
      this.waiting = undefined;
      if (next) this.start(next);
      if (!this.executing) {
        this.markIdle?.();
        this.markIdle = undefined;
      }
    });
  }

  private async execute(pending: PendingPlan): Promise<void> {
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
    const token = deps.arbiter.begin(attachment, pending.plan);
    // the decision id is known before the effectors run, so they can send it as an idempotency key
    const id = deps.nextDecisionId();
    try {
      const run = (traceContext?: Context) => runSteps(pending.plan.actions, { tree: deps.tree, scheduler: deps.scheduler, invoker: deps.invoker, caller: attachment.id, decisionId: id, ...(traceContext ? { traceContext } : {}) });
      const steps = await (pending.trace?.recording
        ? childSpan(pending.trace.context, 'homeostat.execute', { 'homeostat.policy': attachment.id, 'homeostat.actions': pending.plan.actions.length }, (_span, traceContext) => run(traceContext))
        : run());
      this.startCooldown(pending);
      this.record(pending, 'applied', { id, executeMs: elapsed(), ...(steps.length > 1 ? { detail: summary(steps) } : {}) });
    } catch (error) {
      this.startCooldown(pending);
      // the code of what failed (e.g. E_INSUFFICIENT_CAPACITY), not of the wrapper, so policies can learn from it
      const cause = error instanceof RunbookFailedError ? error.cause : error;
      const root = cause instanceof InvocationFailedError ? cause.cause : cause;
      const code = root instanceof HomeostatError ? root.code : cause instanceof HomeostatError ? cause.code : 'E_EFFECTOR_FAILED';
      this.record(pending, 'failed', { id, executeMs: elapsed(), error: { code, message: describeError(cause) }, detail: describeError(error) });
    } finally {
      deps.arbiter.end(token);
    }
  }

  private cooldownUntil(key?: string): number {
    if (key === undefined) return this.state.get<number>(COOLDOWN_KEY) ?? -Infinity;
    return this.state.get<number>(`${COOLDOWN_KEY}.${key}`) ?? -Infinity;
  }

  private startCooldown(pending: PendingPlan): void {
    const now = this.deps.scheduler.now();
    if (this.attachment.cooldownMs > 0) this.state.set(COOLDOWN_KEY, now + this.attachment.cooldownMs);
    const own = pending.plan.cooldown;
    if (own && own.ms > 0) this.state.set(`${COOLDOWN_KEY}.${own.key}`, now + own.ms);
  }

  private record(pending: PendingPlan, outcome: DecisionOutcome, extra: { id?: string; executeMs?: number; detail?: string; error?: Decision['error'] } = {}): void {
    const { attachment, deps } = this;
    const decision: Decision = {
      id: extra.id ?? deps.nextDecisionId(),
      at: deps.scheduler.now(),
      entity: attachment.entity.id,
      policy: attachment.id,
      policyName: attachment.definition.name,
      symptom: pending.symptom.detail === undefined ? { kind: pending.symptom.kind } : { kind: pending.symptom.kind, detail: pending.symptom.detail },
      // params as recorded: secret-looking values redacted (the effector itself got the real ones)
      actions: pending.plan.actions.map((a) => (a.params === undefined ? a : { ...a, params: redact(a.params) })),
      reason: pending.plan.reason,
      inputs: pending.symptom.inputs,
      outcome,
      ...(extra.detail === undefined ? {} : { detail: extra.detail }),
      ...(extra.error === undefined ? {} : { error: extra.error }),
      durations: { analyzeMs: pending.analyzeMs, planMs: pending.planMs, executeMs: extra.executeMs ?? 0 },
      ...(pending.traceId === undefined ? {} : { traceId: pending.traceId }),
    };
    deps.knowledge.recordDecision(decision);
    if (pending.trace) {
      pending.trace.span.setAttribute('homeostat.outcome', outcome);
      pending.trace.span.setAttribute('homeostat.decision', decision.id);
      pending.trace.span.end();
    }
    deps.onDecision(decision);
  }
}
