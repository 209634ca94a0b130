import type { Entity } from '../core/entity.js';
import { TerminalEffectorError } from '../core/errors.js';
import { describeQuorum, hasQuorum } from '../core/quorum.js';
import { quorumRuleOf } from '../core/quorum-rules.js';
import { sourcesOf } from '../sensors/enrichers/sources.js';

/**
 * What taking `takenDown` down now would cost a group whose health follows a quorum rule over its members
 * (`web its quorum (1 of 3 up (need at least 2))`); undefined when the group keeps its quorum, or has no
 * recorded rule over its members. Members already down count as down.
 */
export function quorumCost(group: Entity, takenDown: readonly Entity[]): string | undefined {
  const quorum = quorumRuleOf(group);
  if (quorum?.from !== 'members') return undefined;
  const ups = sourcesOf(group, 'members').map((m) => (takenDown.includes(m) ? false : m.sensor<boolean>('service.up').value));
  return hasQuorum(quorum.rule, ups) ? undefined : `${group.id} its quorum (${describeQuorum(quorum.rule, ups)})`;
}

/**
 * Why no member of the group can be taken down even with every member up (a rule that needs all of them, or
 * `atLeast n` of n): undefined when one can.
 */
export function quorumLeavesNoSpare(group: Entity): string | undefined {
  const quorum = quorumRuleOf(group);
  if (quorum?.from !== 'members') return undefined;
  const size = sourcesOf(group, 'members').length;
  const ups = Array.from({ length: size }, (_, i) => i > 0);
  return size > 0 && !hasQuorum(quorum.rule, ups) ? `${group.id} its quorum even with every member up (${describeQuorum(quorum.rule, ups)})` : undefined;
}

/**
 * Refuses an operation that takes members down in turn when the group's quorum spares none of them even with
 * every member up (`rule: all`, `atLeast n` of n), before any member is touched: the error says why and how to
 * allow it. Does nothing when the caller allows the loss.
 * @throws TerminalEffectorError E_QUORUM_NO_SPARE
 */
export function refuseWithoutSpare(group: Entity, operation: string, allowQuorumLoss: boolean, what: string): void {
  if (allowQuorumLoss) return;
  const never = quorumLeavesNoSpare(group);
  if (never !== undefined) throw new TerminalEffectorError(`${operation} of ${group.id} refused: taking any member of ${group.id} down would cost ${never}; pass allowQuorumLoss: true to ${what} anyway`, { code: 'E_QUORUM_NO_SPARE' });
}
