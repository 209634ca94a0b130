import { redact } from '../redact.js';
import type { Action, Decision, DecisionOutcome } from '../../knowledge/decision.js';
import type { PolicyAttachment } from './attachment.js';
import type { PendingPlan } from './pending-plan.js';

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
