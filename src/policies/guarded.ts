import { describeGuard, firstFailingGuard } from '../core/guards.js';
import type { Guard } from '../knowledge/decision.js';
import { definePolicy, type AnyPolicyDefinition, type Plan } from './define-policy.js';

/**
 * A policy that plans only while its `when:` guards hold (conditions on other entities' sensors, e.g. fail
 * over the database only while the app tier is up). While one does not hold, a plan that would act becomes
 * a `blocked` decision that names the guard; monitoring and analysis go on, so the policy acts as soon as
 * the guard holds again and a symptom arrives.
 */
export function guarded(definition: AnyPolicyDefinition, guards: readonly Guard[]): AnyPolicyDefinition {
  if (guards.length === 0) return definition;
  return definePolicy({
    ...definition,
    description: `${definition.description ?? definition.name} (when ${guards.map(describeGuard).join(' and ')})`,
    plan: (symptom, context): Plan | undefined => {
      const plan = definition.plan(symptom, context) as Plan | undefined;
      if (!plan || plan.actions.length === 0) return plan;
      const failing = firstFailingGuard(context.tree, guards);
      if (!failing) return plan;
      return { actions: [], nonAction: 'blocked', reason: `${plan.reason}; blocked: the guard ${failing.description} does not hold` };
    },
  });
}
