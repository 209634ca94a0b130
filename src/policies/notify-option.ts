import { z } from 'zod';
import type { NonActionOutcome } from '../knowledge/decision.js';
import type { Plan } from './define-policy.js';

/**
 * `notify:` in a policy's config: page a person instead of only recording a decision not to act. The
 * named entity's effector (a `notify` webhook, by default) gets a summary; the decision is then the page.
 */
export const notifyOptionSchema = z.strictObject({
  /** Entity that carries the notify effector (e.g. a `pager` entity with a webhook). */
  entity: z.string().min(1),
  effector: z.string().min(1).default('notify'),
  /** Which decisions not to act page a person. Default refused, blocked and quota_exceeded. */
  on: z.array(z.enum(['refused', 'blocked', 'quota_exceeded', 'no_action'])).min(1).default(['refused', 'blocked', 'quota_exceeded']),
  /** Severity passed to the payload template. Default `critical`. */
  severity: z.enum(['critical', 'warning', 'info']).default('critical'),
});

/** The parsed `notify:` option. */
export type NotifyOption = z.output<typeof notifyOptionSchema>;

/**
 * Turns a plan not to act into a plan that pages a person, when the option asks for that kind. Other plans
 * are returned as they are. The page says what the loop wanted and why it did not act.
 */
export function notifyInstead(plan: Plan, option: NotifyOption | undefined, about: { entity: string; policy: string }): Plan {
  const kind: NonActionOutcome = plan.nonAction ?? 'no_action';
  if (!option || plan.actions.length > 0 || !option.on.includes(kind)) return plan;
  return {
    ...plan,
    actions: [{ entity: option.entity, effector: option.effector, params: { summary: `${about.policy}: ${kind}`, description: plan.reason, severity: option.severity, source: about.entity, labels: { policy: about.policy, outcome: kind } } }],
    reason: `${kind}, paging via ${option.entity}: ${plan.reason}`,
  };
}

/** The effector a notify option invokes, for blueprint validation (none without the option). */
export function notifyEffector(option: { readonly entity: string; readonly effector: string } | undefined): Array<{ entity: string; effector: string; configPath: string[] }> {
  return option ? [{ entity: option.entity, effector: option.effector, configPath: ['notify', 'effector'] }] : [];
}
