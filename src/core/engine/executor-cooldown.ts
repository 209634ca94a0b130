import type { SchedulerLike } from 'rxjs';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Plan } from '../../policies/define-policy.js';
import type { PolicyAttachment } from './attachment.js';
import type { ExecutorDeps } from './plan-executor.js';

/** Where a policy's cooldown stamps live in its state (the policy-wide one, and one per named cooldown). */
const COOLDOWN_KEY = 'engine.cooldownUntil';

/** What an executor is doing: executing a plan, in a cooldown after one, or idle. */
export type ExecutorPhase = 'idle' | 'executing' | 'cooldown';

/*
 * The stamps are read and written in the policy's state through knowledge directly, by policy id: a state
 * view object per policy, kept by its executor, was 40 bytes more for every policy that ever planned.
 */

/** The phase of a policy whose executor executes nothing: `cooldown` until the stamp kept in its state passes. */
export function restingPhase(attachment: PolicyAttachment, deps: Pick<ExecutorDeps, 'knowledge' | 'scheduler'>): ExecutorPhase {
  return cooldownIn(deps.knowledge, attachment.id) > deps.scheduler.now() ? 'cooldown' : 'idle';
}

/** When the policy-wide cooldown of `policy` (or its one named `key`) ends; -Infinity when none was stamped. */
export function cooldownIn(knowledge: Knowledge, policy: string, key?: string): number {
  const stamp = knowledge._stateGet(policy, key === undefined ? COOLDOWN_KEY : `${COOLDOWN_KEY}.${key}`);
  return typeof stamp === 'number' ? stamp : -Infinity;
}

/** Stamps the cooldowns an executed plan of `policy` starts at `now`: the attachment's, and the plan's own named one. */
export function startCooldown(knowledge: Knowledge, policy: string, now: number, attachmentCooldownMs: number, own: Plan['cooldown']): void {
  if (attachmentCooldownMs > 0) knowledge._stateSet(policy, COOLDOWN_KEY, now + attachmentCooldownMs);
  if (own && own.ms > 0) knowledge._stateSet(policy, `${COOLDOWN_KEY}.${own.key}`, now + own.ms);
}

/**
 * Why a plan with `cooldown` (its own, if any) must wait: which cooldown, until when and how long is left;
 * undefined when neither the policy-wide cooldown nor its own runs at the scheduler's now.
 */
export function cooldownRefusal(knowledge: Knowledge, policy: string, cooldown: Plan['cooldown'], scheduler: SchedulerLike): string | undefined {
  // a plan without a cooldown of its own has one stamp to read (the policy-wide one), not the same one twice
  const own = cooldown?.key;
  const policyWide = cooldownIn(knowledge, policy);
  const until = own === undefined ? policyWide : Math.max(policyWide, cooldownIn(knowledge, policy, own));
  if (until <= scheduler.now()) return undefined;
  const which = cooldown && cooldownIn(knowledge, policy, cooldown.key) === until ? `'${cooldown.key}' cooldown` : 'cooldown';
  return `${which} until ${until} (${until - scheduler.now()} ms left)`;
}
