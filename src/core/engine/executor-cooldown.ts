import type { SchedulerLike } from 'rxjs';
import type { PolicyState } from '../../knowledge/policy-state.js';
import type { Plan } from '../../policies/define-policy.js';
import type { PolicyAttachment } from './attachment.js';
import type { ExecutorDeps } from './plan-executor.js';

/** Where a policy's cooldown stamps live in its state (the policy-wide one, and one per named cooldown). */
const COOLDOWN_KEY = 'engine.cooldownUntil';

/** What an executor is doing: executing a plan, in a cooldown after one, or idle. */
export type ExecutorPhase = 'idle' | 'executing' | 'cooldown';

/** The phase of a policy whose executor executes nothing: `cooldown` until the stamp kept in its state passes. */
export function restingPhase(attachment: PolicyAttachment, deps: Pick<ExecutorDeps, 'knowledge' | 'scheduler'>): ExecutorPhase {
  return cooldownIn(deps.knowledge.policyState(attachment.id)) > deps.scheduler.now() ? 'cooldown' : 'idle';
}

/** When the policy-wide cooldown (or the one named `key`) ends; -Infinity when none was stamped. */
export function cooldownIn(state: PolicyState, key?: string): number {
  return state.get<number>(key === undefined ? COOLDOWN_KEY : `${COOLDOWN_KEY}.${key}`) ?? -Infinity;
}

/** Stamps the cooldowns an executed plan starts at `now`: the attachment's, and the plan's own named one. */
export function startCooldown(state: PolicyState, now: number, attachmentCooldownMs: number, own: Plan['cooldown']): void {
  if (attachmentCooldownMs > 0) state.set(COOLDOWN_KEY, now + attachmentCooldownMs);
  if (own && own.ms > 0) state.set(`${COOLDOWN_KEY}.${own.key}`, now + own.ms);
}

/**
 * Why a plan with `cooldown` (its own, if any) must wait: which cooldown, until when and how long is left;
 * undefined when neither the policy-wide cooldown nor its own runs at the scheduler's now.
 */
export function cooldownRefusal(state: PolicyState, cooldown: Plan['cooldown'], scheduler: SchedulerLike): string | undefined {
  // a plan without a cooldown of its own has one stamp to read (the policy-wide one), not the same one twice
  const own = cooldown?.key;
  const policyWide = cooldownIn(state);
  const until = own === undefined ? policyWide : Math.max(policyWide, cooldownIn(state, own));
  if (until <= scheduler.now()) return undefined;
  const which = cooldown && cooldownIn(state, cooldown.key) === until ? `'${cooldown.key}' cooldown` : 'cooldown';
  return `${which} until ${until} (${until - scheduler.now()} ms left)`;
}
