import { redact } from '../redact.js';
import type { Action, Decision, DecisionOutcome } from '../../knowledge/decision.js';
import type { PolicyAttachment } from './attachment.js';
import type { PendingPlan } from './pending-plan.js';
import { ownActions, ownInputs, ownSymptom } from '../../knowledge/private-decision.js';
import { boundError, text } from '../../knowledge/bounded-record.js';

/** What a recorded decision adds to its plan: a given id, the execution time, a detail, an error. */
export type RecordExtra = { id?: string; executeMs?: number; detail?: string; error?: Decision['error'] };

/**
 * The Decision a plan ends in, before coalescing. Built field by field in the record's key order (which shows
 * in the API's JSON), rather than with spreads of optional parts, which cost an object each in this V8. The
 * common record (no detail, error or trace id) is one literal with every key: keys added after a literal go
 * to a backing store of their own (one more object per record, and per copy of it: bounding clones it).
 */
export function decisionRecord(attachment: PolicyAttachment, pending: PendingPlan, outcome: DecisionOutcome, extra: RecordExtra, id: string, at: number): Decision {
  const symptom = pending.symptom.detail === undefined ? { kind: pending.symptom.kind } : { kind: pending.symptom.kind, detail: pending.symptom.detail };
  // params as recorded: secret-looking values redacted (the effector itself got the real ones)
  const actions = pending.plan.actions.map(redactedAction);
  const durations = { analyzeMs: pending.analyzeMs, planMs: pending.planMs, executeMs: extra.executeMs ?? 0 };
  const entity = attachment.entity.id;
  const policy = attachment.id;
  const policyName = attachment.definition.name;
  const { reason } = pending.plan;
  const { inputs } = pending.symptom;
  if (extra.detail === undefined && extra.error === undefined && pending.traceId === undefined) {
    return { id, at, entity, policy, policyName, symptom, actions, reason, inputs, outcome, durations };
  }
  const built: Omit<{ -readonly [K in keyof Decision]: Decision[K] }, 'durations'> & { durations?: Decision['durations'] } = { id, at, entity, policy, policyName, symptom, actions, reason, inputs, outcome };
  if (extra.detail !== undefined) built.detail = extra.detail;
  if (extra.error !== undefined) built.error = extra.error;
  built.durations = durations;
  if (pending.traceId !== undefined) built.traceId = pending.traceId;
  return built as Decision;
}

/**
 * The Decision a plan ends in, before coalescing, bounded and frozen throughout as knowledge keeps it without a
 * copy: what knowledge's `boundPrivateDecision` makes of the record `decisionRecord` builds, built at once (the
 * record was otherwise built, then copied whole again, at every decision). The policy's objects (symptom
 * detail, actions, inputs) are copied; the engine's own values are taken as they are. Undefined when an action
 * or input is of another shape (an action with steps or checks): `decisionRecord` then builds it, and knowledge
 * bounds it. (An action's params are redacted once here, where the record's redacted params were redacted
 * again, which cut a value past a bound twice.)
 */
export function ownDecisionRecord(attachment: PolicyAttachment, pending: PendingPlan, outcome: DecisionOutcome, extra: RecordExtra, id: string, at: number): Decision | undefined {
  const actions = ownActions(pending.plan.actions);
  const inputs = actions && ownInputs(pending.symptom.inputs);
  if (!inputs) return undefined;
  const symptom = ownSymptom(pending.symptom.kind, pending.symptom.detail);
  const durations = Object.freeze({ analyzeMs: pending.analyzeMs, planMs: pending.planMs, executeMs: extra.executeMs ?? 0 });
  const entity = attachment.entity.id;
  const policy = attachment.id;
  const policyName = attachment.definition.name;
  const reason = text(pending.plan.reason);
  const { detail, error } = extra;
  const { traceId } = pending;
  if (detail === undefined && error === undefined && traceId === undefined) {
    return Object.freeze({ id, at, entity, policy, policyName, symptom, actions, reason, inputs, outcome, durations });
  }
  const built: Omit<{ -readonly [K in keyof Decision]: Decision[K] }, 'durations'> & { durations?: Decision['durations'] } = { id, at, entity, policy, policyName, symptom, actions, reason, inputs, outcome };
  if (detail !== undefined) built.detail = text(detail);
  if (error !== undefined) built.error = Object.freeze(boundError(error));
  built.durations = durations;
  if (traceId !== undefined) built.traceId = traceId;
  return Object.freeze(built) as Decision;
}

/** The error of a plan the engine's stop ended: E_ENGINE_STOPPED with why. */
export function stopped(message: string): NonNullable<Decision['error']> {
  return { code: 'E_ENGINE_STOPPED', message };
}

/** An action as a decision records it: params with secret-looking values redacted (a bare spread, then the field set). */
function redactedAction(action: Action): Action {
  if (action.params === undefined) return action;
  const recorded: { -readonly [K in keyof Action]: Action[K] } = { ...action };
  recorded.params = redact(action.params);
  return recorded;
}
