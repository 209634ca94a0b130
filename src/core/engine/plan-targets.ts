import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { Plan } from '../../policies/define-policy.js';

/**
 * What a plan is about, for "newest plan wins": its declared `targets`, else the entities its actions act
 * on, else (a plan with no actions) the policy's own entity. Ids that are not in the tree (a member already
 * retired) are kept as ids, compared by equality.
 */
export class PlanTargets {
  readonly entities: ReadonlyArray<Entity | string>;

  constructor(tree: EntityTree, policyEntity: Entity, plan: Plan) {
    const ids = plan.targets ?? plan.actions.map((a) => a.entity);
    this.entities = ids.length === 0 ? [policyEntity] : [...new Set(ids)].map((id) => tree.find(id) ?? id);
  }

  /** True when the two plans are about the same entity, or one's target lies inside the other's. */
  overlaps(other: PlanTargets): boolean {
    return this.entities.some((a) => other.entities.some((b) => sameOrNested(a, b)));
  }

  /** `web-1, web-2`, for records. */
  toString(): string {
    return this.entities.map((e) => (typeof e === 'string' ? e : e.id)).join(', ');
  }
}

function sameOrNested(a: Entity | string, b: Entity | string): boolean {
  if (typeof a === 'string' || typeof b === 'string') return (typeof a === 'string' ? a : a.id) === (typeof b === 'string' ? b : b.id);
  return a.contains(b) || b.contains(a);
}
