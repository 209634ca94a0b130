import type { Plan, Symptom } from '../../policies/define-policy.js';
import type { LoopTrace } from '../../telemetry/tracing.js';

/** A plan on its way through execute, with what the Decision record needs from the earlier phases. */
export interface PendingPlan {
  readonly symptom: Symptom;
  readonly plan: Plan;
  readonly analyzeMs: number;
  readonly planMs: number;
  readonly traceId?: string;
  /** The loop iteration's span; ended when the decision is recorded. */
  readonly trace?: LoopTrace;
}
