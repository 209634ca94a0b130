import type { Entity } from './entity.js';
import type { QuorumRule } from './quorum.js';

/** A group's quorum rule and the set it counts. */
export interface GroupQuorum {
  readonly from: 'children' | 'members';
  readonly rule: QuorumRule;
}

const rules = new WeakMap<Entity, GroupQuorum>();

/**
 * Records the quorum rule that decides an entity's health, so that a loop taking members out of service
 * (an update, a remediation) can check it never costs the group its quorum. Set by the quorum enricher.
 */
export function recordQuorumRule(entity: Entity, quorum: GroupQuorum): void {
  rules.set(entity, quorum);
}

/** The quorum rule recorded for an entity, if its health follows one. */
export function quorumRuleOf(entity: Entity): GroupQuorum | undefined {
  return rules.get(entity);
}
