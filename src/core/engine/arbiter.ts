import type { SchedulerLike } from 'rxjs';
import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Plan } from '../../policies/define-policy.js';
import type { PolicyAttachment } from './attachment.js';

/** At most `maxActions` actions on an entity's subtree per `windowMs`, so one bad signal cannot take everything down. */
export interface ActionBudget {
  readonly entity: string;
  readonly maxActions: number;
  readonly windowMs: number;
}

/** Why a plan may not run now. */
export interface Verdict {
  readonly outcome: 'preempted' | 'rate_limited';
  readonly detail: string;
}

interface Operation {
  readonly policy: string;
  readonly scope: Entity;
}

/**
 * The engine's arbitration: while a policy's plan runs on a subtree (its scope), plans of other policies
 * inside that subtree, or acting on it, are preempted; and every subtree can have an action budget. Budget
 * stamps are kept in knowledge, so a restart does not reset them.
 */
export class Arbiter {
  private readonly running = new Map<number, Operation>();
  private readonly budgets = new Map<string, ActionBudget>();
  private nextToken = 1;

  constructor(
    private readonly tree: EntityTree,
    private readonly scheduler: SchedulerLike,
    private readonly knowledge: Knowledge,
  ) {}

  setBudget(budget: ActionBudget): void {
    this.budgets.set(budget.entity, budget);
  }

  /** The verdict on a plan about to execute, or undefined when it may run. */
  check(attachment: PolicyAttachment, plan: Plan): Verdict | undefined {
    const targets = this.targets(plan);
    for (const op of this.running.values()) {
      if (op.policy === attachment.id) continue;
      if (op.scope.contains(attachment.entity) || targets.some((t) => op.scope.contains(t))) {
        return { outcome: 'preempted', detail: `held: ${op.policy} is running a plan on the subtree of ${op.scope.id}` };
      }
    }
    const now = this.scheduler.now();
    for (const budget of this.budgets.values()) {
      const root = this.tree.find(budget.entity);
      if (!root) continue;
      const inside = targets.filter((t) => root.contains(t)).length;
      if (inside === 0) continue;
      const used = this.stamps(budget, now).length;
      if (used + inside > budget.maxActions) {
        return { outcome: 'rate_limited', detail: `action budget of ${budget.entity}: ${used} of ${budget.maxActions} actions used in the last ${budget.windowMs / 1000} s; this plan needs ${inside} more` };
      }
    }
    return undefined;
  }

  /** Marks a plan as running on its scope and spends budget; call `end` with the token when it finishes. */
  begin(attachment: PolicyAttachment, plan: Plan): number {
    const token = this.nextToken++;
    this.running.set(token, { policy: attachment.id, scope: (plan.scope && this.tree.find(plan.scope)) || attachment.entity });
    const now = this.scheduler.now();
    const targets = this.targets(plan);
    for (const budget of this.budgets.values()) {
      const root = this.tree.find(budget.entity);
      const inside = root ? targets.filter((t) => root.contains(t)).length : 0;
      if (inside > 0) this.knowledge.policyState(`engine/budget/${budget.entity}`).set('stamps', [...this.stamps(budget, now), ...Array<number>(inside).fill(now)]);
    }
    return token;
  }

  /** Holds a subtree for an operation that is not a policy's plan (a person's, through the API); `end` releases it. */
  hold(scope: Entity, by: string): number {
    const token = this.nextToken++;
    this.running.set(token, { policy: by, scope });
    return token;
  }

  end(token: number): void {
    this.running.delete(token);
  }

  private stamps(budget: ActionBudget, now: number): number[] {
    const stamps = this.knowledge.policyState(`engine/budget/${budget.entity}`).get('stamps');
    return Array.isArray(stamps) ? stamps.filter((s): s is number => typeof s === 'number' && s > now - budget.windowMs) : [];
  }

  private targets(plan: Plan): Entity[] {
    return plan.actions.flatMap((a) => this.tree.find(a.entity) ?? []);
  }
}
