import { Arbiter, type ActionBudget } from '../../src/core/engine/arbiter.js';
import type { PolicyAttachment } from '../../src/core/engine/attachment.js';
import { PlanExecutor } from '../../src/core/engine/plan-executor.js';
import type { Entity } from '../../src/core/entity.js';
import { EffectorInvoker } from '../../src/effectors/invoker.js';
import type { Plan } from '../../src/policies/define-policy.js';

/** What the engine did during one run, seen from inside (the parts decisions and records do not show). */
export interface Observed {
  /** Plans handed to each policy's executor, by policy id. */
  readonly plans: Map<string, number>;
  /** Each policy's name, config and cooldown, by policy id (members' policies are gone by the end). */
  readonly policies: Map<string, { readonly name: string; readonly entity: string; readonly config: Record<string, unknown>; readonly cooldownMs: number }>;
  /** Every effector attempt: time, entity, its lifecycle state then, effector. */
  readonly attempts: Array<{ readonly at: number; readonly entity: string; readonly state: string | undefined; readonly effector: string }>;
  /** Every plan that began executing: time, policy, and how many of its targets fall in each budget. */
  readonly begins: Array<{ readonly at: number; readonly policy: string; readonly spent: ReadonlyArray<{ readonly budget: string; readonly n: number }> }>;
  readonly budgets: ActionBudget[];
}

let current: Observed | undefined;

/** Starts observing a new run; what the engine does from now on is recorded in the returned object. */
export function observeRun(): Observed {
  install();
  current = { plans: new Map(), policies: new Map(), attempts: [], begins: [], budgets: [] };
  return current;
}

let installed = false;

/**
 * Wraps a few engine methods once per process so that a property can see plans, effector attempts and
 * budget spending as they happen. The wrappers only record; they change nothing the engine does.
 */
function install(): void {
  if (installed) return;
  installed = true;
  type Submit = (this: PlanExecutor, pending: unknown) => void;
  const executor = PlanExecutor.prototype as unknown as { submit: Submit };
  const submit = executor.submit;
  executor.submit = function (this: PlanExecutor, pending: unknown) {
    const a = (this as unknown as { attachment: PolicyAttachment }).attachment;
    if (current) {
      current.plans.set(a.id, (current.plans.get(a.id) ?? 0) + 1);
      current.policies.set(a.id, { name: a.definition.name, entity: a.entity.id, config: a.config as Record<string, unknown>, cooldownMs: a.cooldownMs });
    }
    submit.call(this, pending);
  };
  type Attempt = (this: EffectorInvoker, entity: Entity, effector: { name: string }, ...rest: unknown[]) => Promise<unknown>;
  const invoker = EffectorInvoker.prototype as unknown as { attempt: Attempt; scheduler: { now(): number } };
  const attempt = invoker.attempt;
  invoker.attempt = function (this: EffectorInvoker, entity: Entity, effector: { name: string }, ...rest: unknown[]) {
    const now = (this as unknown as { scheduler: { now(): number } }).scheduler.now();
    current?.attempts.push({ at: now, entity: entity.id, state: entity.state, effector: effector.name });
    return attempt.call(this, entity, effector, ...rest);
  };
  type Begin = (this: Arbiter, attachment: PolicyAttachment, plan: Plan) => number;
  const arbiter = Arbiter.prototype as unknown as { begin: Begin; setBudget: (this: Arbiter, b: ActionBudget) => void };
  const begin = arbiter.begin;
  arbiter.begin = function (this: Arbiter, attachment: PolicyAttachment, plan: Plan) {
    // the arbiter keeps each budget with its order of setting
    const self = this as unknown as { tree: { find(id: string): Entity | undefined; scheduler: { now(): number } }; budgets: Map<string, { budget: ActionBudget }> };
    const targets = plan.actions.flatMap((a) => self.tree.find(a.entity) ?? []);
    const spent = [...self.budgets.values()].map(({ budget: b }) => {
      const root = self.tree.find(b.entity);
      return { budget: b.entity, n: root ? targets.filter((t) => root.contains(t)).length : 0 };
    });
    current?.begins.push({ at: self.tree.scheduler.now(), policy: attachment.id, spent: spent.filter((s) => s.n > 0) });
    return begin.call(this, attachment, plan);
  };
  const setBudget = arbiter.setBudget;
  arbiter.setBudget = function (this: Arbiter, budget: ActionBudget) {
    current?.budgets.push(budget);
    setBudget.call(this, budget);
  };
}
