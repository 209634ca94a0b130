import type { Entity } from '../core/entity.js';
import { TerminalEffectorError } from '../core/errors.js';
import { describeQuorum, hasQuorum } from '../core/quorum.js';
import { quorumRuleOf } from '../core/quorum-rules.js';
import { sourcesOf } from '../sensors/enrichers/sources.js';

/** Whether a member serves now: its `service.up` reads true (no reading, a stale one, or false: it does not). */
const isUp = (member: Entity): boolean => member.sensor<boolean>('service.up').value === true;

/** The group's members that serve or will (not stopping or stopped), oldest first: what a resize counts from. */
export function servingMembers(group: Entity): Entity[] {
  return group.members.filter((m) => m.state !== 'stopping' && m.state !== 'stopped');
}

/**
 * The members a scale-in to `size` retires, in the order they go: members that are down (`service.up` not
 * true, or stale) first, then the healthy ones; the newest first within each. `serving` is the group's
 * members that are not stopping or stopped, oldest first. Empty when `size` is not below their count.
 */
export function membersToRetire(serving: readonly Entity[], size: number): Entity[] {
  const count = Math.max(0, serving.length - size);
  const newestFirst = [...serving].reverse();
  return [...newestFirst.filter((m) => !isUp(m)), ...newestFirst.filter(isUp)].slice(0, count);
}

/**
 * Why retiring `retired` would cost the group its quorum rule over its members (`1 of 1 up (need at least
 * 2)`), counting the members already down as down; undefined when it would not. Retiring only members that
 * are down (or still booting) keeps the members up, and costs the rule nothing unless it leaves fewer members
 * than the rule can ever count up (a resize of a group still booting to 1 under `atLeast 2`); emptying the
 * group never costs it (a resize to 0 is a scale to zero, asked for on purpose), nor does retiring nobody; a
 * group with no rule over its members has none to lose.
 */
export function scaleInQuorumCost(group: Entity, retired: readonly Entity[]): string | undefined {
  const quorum = quorumRuleOf(group);
  // retiring nobody (a scale-out, a resize to the same size) costs nothing, even in a group below its rule
  if (quorum?.from !== 'members' || retired.length === 0) return undefined;
  const left = sourcesOf(group, 'members').filter((m) => !retired.includes(m));
  if (left.length === 0) return undefined;
  if (retired.some(isUp)) {
    const ups = left.map(isUp);
    if (!hasQuorum(quorum.rule, ups)) return describeQuorum(quorum.rule, ups);
  }
  const allUp = left.map(() => true);
  return hasQuorum(quorum.rule, allUp) ? undefined : `${left.length} member${left.length === 1 ? '' : 's'} left, too few even when all are up: ${describeQuorum(quorum.rule, allUp)}`;
}

/**
 * Why retiring `retired` would cost the group its quorum rule, as a clause
 * (`retiring web-3 would leave web below its quorum rule (1 of 1 up (need at least 2))`); undefined when it
 * would not (see `scaleInQuorumCost`).
 */
export function scaleInQuorumLoss(group: Entity, retired: readonly Entity[]): string | undefined {
  const cost = scaleInQuorumCost(group, retired);
  return cost === undefined ? undefined : `retiring ${retired.map((m) => m.id).join(', ')} would leave ${group.id} below its quorum rule (${cost})`;
}

/**
 * Why a `resize` of the group to `size` would be refused for its quorum (see `scaleInQuorumLoss`), read
 * from its members now: for a policy to decide not to ask for it, saying why, instead of failing on it again
 * at each evaluation. Undefined for a scale-out, or a scale-in that keeps the rule.
 */
export function resizeQuorumLoss(group: Entity, size: number): string | undefined {
  return scaleInQuorumLoss(group, membersToRetire(servingMembers(group), size));
}

/**
 * The members a `resize` of the group to `size` retires (see `membersToRetire`), after checking that this
 * keeps the group's quorum rule; a scale-out retires none and is never refused.
 * @param serving the group's members that are not stopping or stopped, oldest first
 * @param allowQuorumLoss retire them even when the group is left below its rule
 * @throws TerminalEffectorError E_QUORUM_RESIZE when the scale-in would leave the group below its quorum
 * rule: it names the group, the members, the rule and how many would be up, and how to resize anyway; nothing
 * has been retired
 */
export function planScaleIn(group: Entity, serving: readonly Entity[], size: number, allowQuorumLoss: boolean): Entity[] {
  const retired = membersToRetire(serving, size);
  if (allowQuorumLoss) return retired;
  const loss = scaleInQuorumLoss(group, retired);
  if (loss !== undefined) throw new TerminalEffectorError(`resize of ${group.id} to ${size} refused: ${loss}; pass allowQuorumLoss: true to resize it anyway`, { code: 'E_QUORUM_RESIZE' });
  return retired;
}
