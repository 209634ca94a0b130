import type { DecisionOutcome } from '../../knowledge/decision.js';
import type { PolicyAttachment } from './attachment.js';
import type { DecisionCoalescer } from './decision-coalescer.js';
import { decisionRecord, ownDecisionRecord, stopped, type RecordExtra } from './decision-record.js';
import type { PendingPlan } from './pending-plan.js';
import type { ExecutorDeps } from './executor-deps.js';

/** What recording a decision needs from the engine. */
export type RecordingDeps = Pick<ExecutorDeps, 'knowledge' | 'scheduler' | 'nextDecisionId' | 'onDecision'>;

/**
 * Records the Decision a plan of `attachment` ended in: coalesced with a run of identical ones by the
 * policy's `coalescer` (none yet: the policy has no run to coalesce with or end), stored in knowledge, its
 * loop span ended, and told to the policy's `observe` hook.
 */
export function recordDecision(attachment: PolicyAttachment, deps: RecordingDeps, coalescer: DecisionCoalescer | undefined, pending: PendingPlan, outcome: DecisionOutcome, extra: RecordExtra): void {
  const id = extra.id ?? deps.nextDecisionId();
  const at = deps.scheduler.now();
  // built bounded and frozen at once, which knowledge keeps as it is; a plan of another shape the general way
  const own = ownDecisionRecord(attachment, pending, outcome, extra, id, at);
  const built = own ?? decisionRecord(attachment, pending, outcome, extra, id, at);
  const decision = coalescer ? coalescer.coalesce(built) : built;
  if (own) deps.knowledge._recordOwnDecision(decision);
  else deps.knowledge.recordDecision(decision);
  if (pending.trace) {
    pending.trace.span.setAttribute('homeostat.outcome', outcome);
    pending.trace.span.setAttribute('homeostat.decision', decision.id);
    pending.trace.span.end();
  }
  // only a policy with an observe hook has anything to be told (a lookup per decision saved for the rest)
  if (attachment.definition.observe) deps.onDecision(decision);
}

/**
 * Records a plan the engine's stop kept from starting: a decision not to act had nothing to start and is
 * recorded as what it is (`no_action` or its own outcome); any other plan as failed (E_ENGINE_STOPPED, `why`).
 */
export function recordNotStarted(attachment: PolicyAttachment, deps: RecordingDeps, coalescer: DecisionCoalescer, pending: PendingPlan, why: string): void {
  if (pending.plan.actions.length === 0) recordDecision(attachment, deps, coalescer, pending, pending.plan.nonAction ?? 'no_action', {});
  else recordDecision(attachment, deps, coalescer, pending, 'failed', { error: stopped(why), detail: why });
}
