import type { Action, DecisionOutcome } from '../../knowledge/decision.js';

/**
 * What an operation (a canary step's analysis, a promotion, a rollback) records in the decision stream:
 * it becomes a Decision of policy `<entity>/<operation>`, so the console, the API and the metrics show it
 * beside the policies' decisions.
 */
export interface OperationRecord {
  /** The entity the operation runs on (the cluster). */
  readonly entity: string;
  /** `canary`, `blueGreen`, ... (the Decision's policyName). */
  readonly operation: string;
  readonly symptom: { readonly kind: string; readonly detail?: unknown };
  /** The effector invocations this step made (updates of members, retirements). */
  readonly actions: readonly Action[];
  readonly reason: string;
  readonly outcome: DecisionOutcome;
  readonly detail?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Writes an operation's record into the decision stream. */
export type RecordOperation = (record: OperationRecord) => void;

/** A recorder that keeps nothing (an operation run outside a deployment). */
export const recordNothing: RecordOperation = () => undefined;
