import type { Entity } from '../core/entity.js';
import { resizeQuorumLoss } from '../effectors/scale-in.js';
import type { Plan } from './define-policy.js';

/**
 * The decision of a scaler not to ask for a scale-in of `group` from `current` to `desired` that its quorum
 * rule refuses (it would fail again at each evaluation): `refused`, its reason followed by why; undefined for a
 * scale-out, or a scale-in the rule allows.
 */
export function scaleInRefusal(group: Entity, current: number, desired: number, reason: string): Plan | undefined {
  const loss = desired < current ? resizeQuorumLoss(group, desired) : undefined;
  return loss === undefined ? undefined : { actions: [], nonAction: 'refused', reason: `${reason}; not resized: ${loss}` };
}
