import type { Plan, Symptom } from '../../policies/define-policy.js';

/** A plan on its way through execute, with what the Decision record needs from the earlier phases. */
export interface PendingPlan {
  readonly symptom: Symptom;
  readonly plan: Plan;
  readonly analyzeMs: number;
  readonly planMs: number;
  readonly traceId?: string;
}
