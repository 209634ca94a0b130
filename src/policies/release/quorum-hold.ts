import type { Entity } from '../../core/entity.js';
import { quorumCost, quorumLeavesNoSpare } from '../../effectors/group-quorum.js';
import { versionOf } from '../../effectors/progressive/member-ops.js';
import type { ReleaseTarget } from './config.js';

/** Why a target's release does not start now for its group's quorum, and whether it waits or never can. */
export interface QuorumHold {
  readonly nonAction: 'blocked' | 'refused';
  readonly why: string;
}

/**
 * Whether moving a `rolling` or `canary` target now would cost its group the quorum: `refused` when even with
 * every member up no member can be taken down (`rule: all`, `atLeast n` of n), `blocked` while members down
 * leave no spare (the release waits for them). Undefined when it may start, when the target allows the loss
 * (`allowQuorumLoss`), and when a member behind is down (moving it first costs nothing).
 */
export function quorumHold(entity: Entity, target: ReleaseTarget, version: string): QuorumHold | undefined {
  if (target.allowQuorumLoss || (target.strategy !== 'rolling' && target.strategy !== 'canary')) return undefined;
  const behind = entity.members.filter((m) => m.state !== 'stopping' && m.state !== 'stopped' && versionOf(m) !== version);
  const [first] = behind;
  if (first === undefined) return undefined;
  const never = quorumLeavesNoSpare(entity);
  if (never !== undefined) return { nonAction: 'refused', why: `taking any member of ${entity.id} down would cost ${never}; set allowQuorumLoss: true on the target to release it anyway` };
  if (behind.some((m) => m.sensor<boolean>('service.up').value !== true)) return undefined;
  const cost = quorumCost(entity, [first]);
  return cost === undefined ? undefined : { nonAction: 'blocked', why: `taking ${first.id} down now would cost ${cost}; it waits for the members down to come back` };
}
