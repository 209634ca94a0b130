import type { Entity } from '../entity.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Verdict } from './arbiter.js';
import type { SharedOperation } from './shared-arbitration.js';

/** At most `maxActions` actions on an entity's subtree per `windowMs`, so one bad signal cannot take everything down. */
export interface ActionBudget {
  readonly entity: string;
  readonly maxActions: number;
  readonly windowMs: number;
}

/** The arbiter's budgets by entity id, each with its order of setting (when several budgets are spent, the first set is named). */
export type ActionBudgets = ReadonlyMap<string, { readonly budget: ActionBudget; readonly order: number }>;

/** What a plan touches when no budget is set (one shared empty map). */
const NO_BUDGETS: ReadonlyMap<string, number> = new Map();

/**
 * The `rate_limited` verdict on a plan acting on `targets` at `now` when it would spend a budget past its
 * `maxActions` (the first set when several would), or undefined when none would be. Stamps are kept in
 * knowledge, so a restart does not reset them.
 */
export function spentBudgetVerdict(budgets: ActionBudgets, knowledge: Knowledge, targets: readonly Entity[], now: number): Verdict | undefined {
  let spent: { budget: ActionBudget; order: number; used: number; inside: number } | undefined;
  for (const [entity, inside] of budgetsTouched(budgets, targets)) {
    const entry = budgets.get(entity);
    if (!entry || (spent && spent.order < entry.order)) continue;
    const used = stamps(knowledge, entry.budget, now).length;
    if (used + inside > entry.budget.maxActions) spent = { ...entry, used, inside };
  }
  if (!spent) return undefined;
  const { budget, used, inside } = spent;
  return { outcome: 'rate_limited', detail: `action budget of ${budget.entity}: ${used} of ${budget.maxActions} actions used in the last ${budget.windowMs / 1000} s; this plan needs ${inside} more` };
}

/** Spends the budgets around `targets` at `now`: one stamp in knowledge per target inside each. */
export function spendBudgets(budgets: ActionBudgets, knowledge: Knowledge, targets: readonly Entity[], now: number): void {
  for (const [entity, inside] of budgetsTouched(budgets, targets)) {
    const entry = budgets.get(entity);
    if (entry) knowledge.policyState(`engine/budget/${entity}`).set('stamps', [...stamps(knowledge, entry.budget, now), ...Array<number>(inside).fill(now)]);
  }
}

/** The budgets around `targets` as the shared arbitration takes them: each with how many of the targets lie inside. */
export function sharedBudgets(budgets: ActionBudgets, targets: readonly Entity[]): SharedOperation['budgets'] {
  return [...budgetsTouched(budgets, targets)].flatMap(([entity, inside]) => {
    const entry = budgets.get(entity);
    return entry ? [{ entity, maxActions: entry.budget.maxActions, windowMs: entry.budget.windowMs, inside }] : [];
  });
}

/** Budget entity id -> how many of the targets lie inside its subtree (a target named twice counts twice). */
function budgetsTouched(budgets: ActionBudgets, targets: readonly Entity[]): ReadonlyMap<string, number> {
  if (budgets.size === 0) return NO_BUDGETS;
  const touched = new Map<string, number>();
  for (const target of targets) {
    for (let e: Entity | undefined = target; e; e = e.parent) if (budgets.has(e.id)) touched.set(e.id, (touched.get(e.id) ?? 0) + 1);
  }
  return touched;
}

function stamps(knowledge: Knowledge, budget: ActionBudget, now: number): number[] {
  const stamps = knowledge.policyState(`engine/budget/${budget.entity}`).get('stamps');
  return Array.isArray(stamps) ? stamps.filter((s): s is number => typeof s === 'number' && s > now - budget.windowMs) : [];
}
