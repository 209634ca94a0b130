import type { PolicyAttachment } from './attachment.js';
import type { DecisionCoalescer } from './decision-coalescer.js';
import { recordDecision, type RecordingDeps } from './decision-recording.js';
import type { PendingPlan } from './pending-plan.js';
import type { ExecutorDeps } from './executor-deps.js';
import { PlanTargets } from './plan-targets.js';

/** A plan waiting behind its policy's executing one, with what it is about. */
export interface Waiting {
  readonly pending: PendingPlan;
  readonly targets: PlanTargets;
}

/**
 * Puts `pending` at the end of its policy's `waiting` plans, "newest plan wins" per target: the waiting
 * plans whose targets overlap its own are taken out and recorded as `superseded`; the others keep their place.
 */
export function enqueueWaiting(waiting: Waiting[], attachment: PolicyAttachment, deps: RecordingDeps & Pick<ExecutorDeps, 'tree'>, coalescer: DecisionCoalescer, pending: PendingPlan): void {
  const targets = new PlanTargets(deps.tree, attachment.entity, pending.plan);
  for (let i = 0; i < waiting.length; ) {
    const older = waiting[i] as Waiting;
    if (!targets.overlaps(older.targets)) {
      i++;
      continue;
    }
    waiting.splice(i, 1);
    recordDecision(attachment, deps, coalescer, older.pending, 'superseded', { detail: `a newer plan of the same policy about ${targets.toString()} replaced it while it waited` });
  }
  waiting.push({ pending, targets });
}
