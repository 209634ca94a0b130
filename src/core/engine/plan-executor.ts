import type { SchedulerLike } from 'rxjs';
import type { EntityTree } from '../entity-tree.js';
import { HomeostatError, UnknownEntityError, describeError } from '../errors.js';
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
      this.record(pending, 'skipped_cooldown', { detail: `cooldown until ${until} (${until - this.deps.scheduler.now()} ms left)` });
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
      this.record(pending, 'applied', { detail: 'nothing to do' });
      return;
    }
    if (attachment.dryRun || deps.dryRun()) {
      this.startCooldown(pending);
      this.record(pending, 'dry_run', { executeMs: elapsed(), detail: 'dry run: no effector was invoked' });
      return;
    }
    try {
      for (const action of pending.plan.actions) {
        const target = deps.tree.find(action.entity);
        if (!target) throw new UnknownEntityError(action.entity);
        await deps.invoker.invoke(target, action.effector, action.params, { caller: { kind: 'policy', name: attachment.id } });
      }
      this.startCooldown(pending);
      this.record(pending, 'applied', { executeMs: elapsed() });
    } catch (error) {
      this.startCooldown(pending);
      const code = error instanceof HomeostatError ? error.code : 'E_EFFECTOR_FAILED';
      this.record(pending, 'failed', { executeMs: elapsed(), error: { code, message: describeError(error) }, detail: describeError(error) });
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

  private record(pending: PendingPlan, outcome: DecisionOutcome, extra: { executeMs?: number; detail?: string; error?: Decision['error'] } = {}): void {
    const { attachment, deps } = this;
    const decision: Decision = {
      id: deps.nextDecisionId(),
      at: deps.scheduler.now(),
      entity: attachment.entity.id,
      policy: attachment.id,
      policyName: attachment.definition.name,
      symptom: pending.symptom.detail === undefined ? { kind: pending.symptom.kind } : { kind: pending.symptom.kind, detail: pending.symptom.detail },
      actions: pending.plan.actions,
      reason: pending.plan.reason,
      inputs: pending.symptom.inputs,
      outcome,
      ...(extra.detail === undefined ? {} : { detail: extra.detail }),
      ...(extra.error === undefined ? {} : { error: extra.error }),
      durations: { analyzeMs: pending.analyzeMs, planMs: pending.planMs, executeMs: extra.executeMs ?? 0 },
      ...(pending.traceId === undefined ? {} : { traceId: pending.traceId }),
    };
    deps.knowledge.recordDecision(decision);
    deps.onDecision(decision);
  }
}
