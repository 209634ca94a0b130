import type { DecisionOutcome } from '../../knowledge/decision.js';
import type { PolicyAttachment } from './attachment.js';
import type { PendingPlan } from './pending-plan.js';
import type { ExecutorDeps } from './plan-executor.js';
import type { InputSensors } from './input-sensors.js';
import { staleInputs } from './stale-inputs.js';
import { actionsOutsideScope } from './actions-outside-scope.js';

/** Why a plan is recorded without running: its outcome and the decision's detail. */
export interface PlanRefusal {
  readonly outcome: DecisionOutcome;
  readonly detail: string;
}

/**
 * Whether a plan may go on to the executor's queue, checked as it arrives: its policy is not suspended, its
 * inputs are fresh, and its actions lie inside the policy's acting scope (when a limited caller configured it).
 * @returns the refusal, or undefined when the plan goes on
 */
export function planRefusal(attachment: PolicyAttachment, deps: ExecutorDeps, pending: PendingPlan, inputSensors: InputSensors): PlanRefusal | undefined {
  if (attachment.suspended) return { outcome: 'suspended', detail: attachment.suspendedReason ?? 'policy is suspended' };
  const stale = staleInputs(deps.tree, pending.symptom.inputs, deps.scheduler.now(), inputSensors);
  if (stale.length > 0) return { outcome: 'rejected_stale', detail: `stale inputs: ${stale.join(', ')}` };
  const scope = deps.actingScopeOf(attachment.id);
  const outside = scope && actionsOutsideScope(deps.tree, scope, pending.plan);
  return outside ? { outcome: 'refused', detail: outside } : undefined;
}
