import type { SchedulerLike } from 'rxjs';
import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Plan } from '../../policies/define-policy.js';
import type { Quota } from '../quota.js';
import type { ActionTarget } from './action-target.js';
import type { PolicyAttachment } from './attachment.js';
import { QuotaCheck, type QuotaVerdict } from './quota-check.js';
import type { SharedArbitration } from './shared-arbitration.js';
import { ScopeHolds } from './scope-holds.js';
import { sharedBudgets, spendBudgets, spentBudgetVerdict, type ActionBudget } from './arbiter-budgets.js';

export type { ActionBudget } from './arbiter-budgets.js';

/** Why a plan may not run now. */
export interface Verdict {
  readonly outcome: 'preempted' | 'rate_limited' | 'quota_exceeded';
  readonly detail: string;
}

/**
 * An operation running on a subtree: what `begin` and `hold` return and `end` takes back. The object is the
 * token itself (no index from token to operation to keep up at every plan).
 */
export interface ArbiterHold {
  /** Its order among the operations begun: the oldest holder is named when several hold. */
  readonly order: number;
  readonly policy: string;
  readonly scope: Entity;
}

/** A hold with what `end` needs to release it. */
interface Operation extends ArbiterHold {
  /** The shared arbitration's id of it, when it was acquired there too. */
  sharedId: string | undefined;
  /** Set by the first `end`: a second one releases nothing. */
  ended: boolean;
  /** The operations in flight, a list through the operations themselves (counted by quotas): the one begun before, and after. */
  before: Operation | undefined;
  after: Operation | undefined;
}

/**
 * The engine's arbitration: while a policy's plan runs on a subtree (its scope), plans of other policies
 * inside that subtree, or acting on it, are preempted; and every subtree can have an action budget. Budget
 * stamps are kept in knowledge, so a restart does not reset them.
 *
 * Running operations are indexed by their scope entity and budgets by their entity id, so a check walks the
 * ancestors of the policy's entity and of each target once: O(depth x targets), whatever the number of
 * operations in flight or budgets set. When several operations hold, the oldest is named; when several
 * budgets are spent, the first set.
 */
export class Arbiter {
  // one operation at a scope is held as it is (the common case: a plan on its own entity), several in a set
  private readonly byScope = new ScopeHolds<Operation>();
  /** The newest operation in flight (the others through its `before`). */
  private newest: Operation | undefined;
  private readonly budgets = new Map<string, { readonly budget: ActionBudget; readonly order: number }>();
  private nextOperationOrder = 1;
  /** Operations begun and not ended. */
  private running = 0;
  private nextOrder = 0;
  private readonly quotas: QuotaCheck;
  private examined = 0;
  private shared: SharedArbitration | undefined;

  constructor(
    private readonly tree: EntityTree,
    private readonly scheduler: SchedulerLike,
    private readonly knowledge: Knowledge,
  ) {
    this.quotas = new QuotaCheck(tree, (roots) => this.operationsInside(roots));
  }

  /** Sets (or replaces) a quota of subtrees; plans that would exceed it are `quota_exceeded`. */
  setQuota(quota: Quota): void {
    this.quotas.set(quota);
  }

  /** The quota verdict on a plan about to start (operations running, members, resources), or undefined when none is exceeded. */
  quotaVerdict(plan: Plan): QuotaVerdict | undefined {
    return this.quotas.check(plan);
  }

  /** Operations in flight whose scope lies inside one of `roots`. */
  operationsInside(roots: readonly Entity[]): number {
    let count = 0;
    for (let operation = this.newest; operation; operation = operation.before) if (roots.some((r) => r.contains(operation.scope))) count++;
    return count;
  }

  /** Sets (or replaces) the budget of an entity's subtree. */
  setBudget(budget: ActionBudget): void {
    const order = this.budgets.get(budget.entity)?.order ?? this.nextOrder++;
    this.budgets.set(budget.entity, { budget, order });
  }

  /** Shares holds and budgets with other instances acting for other parts of the tree (shards); undefined: alone. */
  setShared(shared: SharedArbitration | undefined): void {
    this.shared = shared;
  }

  /** Whether arbitration is shared with other instances (then plans begin through `beginShared`). */
  get isShared(): boolean {
    return this.shared !== undefined;
  }

  /** Whether this instance decides for `entity` now: always alone; with shards, when it holds the entity's shard. */
  actsFor(entity: Entity): boolean {
    return this.shared?.actsFor(entity.id) ?? true;
  }

  /**
   * `begin`, first asking the shared arbitration (when set) whether another instance's operation holds the
   * plan's subtree or a budget is spent across instances; then checks this instance's own again (it may have
   * changed while the store answered). Returns the token to `end`, or the verdict.
   */
  async beginShared(attachment: PolicyAttachment, plan: Plan): Promise<{ readonly token: ArbiterHold } | { readonly verdict: Verdict }> {
    const shared = this.shared;
    if (!shared) return { token: this.begin(attachment, plan) };
    const targets = this.targets(plan);
    const covered = new Set<string>();
    for (const start of [attachment.entity, ...targets]) for (let e: Entity | undefined = start; e && !covered.has(e.id); e = e.parent) covered.add(e.id);
    const budgets = sharedBudgets(this.budgets, targets);
    const scope = (plan.scope && this.tree.find(plan.scope)) || attachment.entity;
    let acquired: Awaited<ReturnType<SharedArbitration['acquire']>>;
    try {
      acquired = await shared.acquire({ policy: attachment.id, scope: scope.id, covered: [...covered], budgets });
    } catch (error) {
      return { verdict: { outcome: 'preempted', detail: `not acting: the holds and budgets shared with the other instances could not be read (${error instanceof Error ? error.message : String(error)})` } };
    }
    if ('verdict' in acquired) return acquired;
    const local = this.check(attachment, plan);
    if (local) {
      void shared.release(acquired.id);
      return { verdict: local };
    }
    const token = this.begin(attachment, plan);
    (token as Operation).sharedId = acquired.id;
    return { token };
  }

  /**
   * The verdict on a plan about to execute, or undefined when it may run. `target`: the policy's memo of its
   * action's entity (the same answers as this arbiter's tree), when it keeps one.
   */
  check(attachment: PolicyAttachment, plan: Plan, target?: ActionTarget): Verdict | undefined {
    this.examined = 0;
    // nothing held, no quota, no budget (a quiet engine): nothing to check
    if (this.running === 0 && this.budgets.size === 0 && !this.quotas.any) return undefined;
    const holder = this.holderOf(attachment, plan, target);
    if (holder) return { outcome: 'preempted', detail: `held: ${holder.policy} is running a plan on the subtree of ${holder.scope.id}` };
    const quota = this.quotas.check(plan);
    if (quota) return quota;
    // no budget: none can be spent (and the plan's targets are not needed)
    if (this.budgets.size === 0) return undefined;
    const targets = this.targets(plan);
    return spentBudgetVerdict(this.budgets, this.knowledge, targets, this.scheduler.now());
  }

  /** Marks a plan as running on its scope and spends budget; call `end` with the token when it finishes. */
  begin(attachment: PolicyAttachment, plan: Plan): ArbiterHold {
    const operation = this.started(attachment.id, (plan.scope && this.tree.find(plan.scope)) || attachment.entity);
    if (this.budgets.size === 0) return operation;
    const now = this.scheduler.now();
    spendBudgets(this.budgets, this.knowledge, this.targets(plan), now);
    return operation;
  }

  /** Holds a subtree for an operation that is not a policy's plan (a person's, through the API); `end` releases it. */
  hold(scope: Entity, by: string): ArbiterHold {
    return this.started(by, scope);
  }

  /** A new operation of `policy` on `scope`, held there. */
  private started(policy: string, scope: Entity): Operation {
    const operation: Operation = { order: this.nextOperationOrder++, policy, scope, sharedId: undefined, ended: false, before: this.newest, after: undefined };
    if (this.newest) this.newest.after = operation;
    this.newest = operation;
    this.running++;
    this.addAtScope(operation);
    return operation;
  }

  /** Releases a hold (once: a second end of the same hold releases nothing). */
  end(hold: ArbiterHold): void {
    const operation = hold as Operation;
    if (operation.ended) return;
    operation.ended = true;
    this.running--;
    this.unlink(operation);
    if (operation.sharedId !== undefined) void this.shared?.release(operation.sharedId);
    const atScope = this.byScope.get(operation.scope);
    if (atScope === operation) this.byScope.delete(operation.scope);
    else if (atScope instanceof Set) {
      atScope.delete(operation);
      if (atScope.size === 1) this.byScope.set(operation.scope, atScope.values().next().value as Operation);
    }
  }

  /** Takes an ended operation out of the list of those in flight. */
  private unlink(operation: Operation): void {
    const { before, after } = operation;
    if (before) before.after = after;
    if (after) after.before = before;
    else this.newest = before;
    operation.before = undefined;
    operation.after = undefined;
  }

  private addAtScope(operation: Operation): void {
    const atScope = this.byScope.get(operation.scope);
    if (atScope === undefined) this.byScope.set(operation.scope, operation);
    else if (atScope instanceof Set) atScope.add(operation);
    else this.byScope.set(operation.scope, new Set([atScope, operation]));
  }

  /**
   * How many entities and operations the last `check` looked at to find a holder: its cost, which grows with
   * the depth of the tree and the operations held at the ancestors of the plan's entities, never with the
   * operations in flight elsewhere (for tests and profiling).
   */
  get lastCheckCost(): number {
    return this.examined;
  }

  /** Operations in flight (for status and tests). */
  get inFlight(): number {
    return this.running;
  }

  /** The oldest operation of another policy holding the plan's entity or one of its targets (or an ancestor of one). */
  private holderOf(attachment: PolicyAttachment, plan: Plan, memo: ActionTarget | undefined): Operation | undefined {
    if (this.running === 0) return undefined;
    const { actions } = plan;
    if (actions.length === 1) {
      // a plan of one action on its own entity (the common one), or on none in the tree, walks the line of
      // the policy's entity alone: no list of targets made
      const ref = (actions[0] as Plan['actions'][number]).entity;
      const target = memo ? memo.entityOf(ref) : this.tree.find(ref);
      if (target === undefined || target === attachment.entity) return this.holderOnLine(attachment.id, attachment.entity, undefined, undefined);
    }
    const targets = this.targets(plan);
    // a plan on its own entity starts the walk there once
    return this.holder(attachment.id, targets.length === 1 && targets[0] === attachment.entity ? targets : [attachment.entity, ...targets]);
  }

  /** The oldest operation of another policy whose scope holds one of `entities` (or an ancestor of one). */
  private holder(policy: string, entities: readonly Entity[]): Operation | undefined {
    if (this.running === 0) return undefined;
    let oldest: Operation | undefined;
    // one start (a plan on its own entity) walks one line of ancestors: nothing to remember
    const seen = entities.length > 1 ? new Set<Entity>() : undefined;
    for (const start of entities) oldest = this.holderOnLine(policy, start, seen, oldest);
    return oldest;
  }

  /** `oldest`, or an older operation of another policy held at `start` or an ancestor not yet `seen`. */
  private holderOnLine(policy: string, start: Entity, seen: Set<Entity> | undefined, oldest: Operation | undefined): Operation | undefined {
    for (let e: Entity | undefined = start; e && !seen?.has(e); e = e.parent) {
      seen?.add(e);
      this.examined++;
      const atScope = this.byScope.get(e);
      if (atScope === undefined) continue;
      if (!(atScope instanceof Set)) {
        this.examined++;
        if (atScope.policy !== policy && (!oldest || atScope.order < oldest.order)) oldest = atScope;
        continue;
      }
      for (const op of atScope) {
        this.examined++;
        if (op.policy !== policy && (!oldest || op.order < oldest.order)) oldest = op;
      }
    }
    return oldest;
  }

  private targets(plan: Plan): Entity[] {
    const targets: Entity[] = [];
    for (const action of plan.actions) {
      const entity = this.tree.find(action.entity);
      if (entity) targets.push(entity);
    }
    return targets;
  }
}
