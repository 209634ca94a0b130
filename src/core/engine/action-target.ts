import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { EffectorDefinition } from '../../effectors/define-effector.js';

/**
 * The entity and effector of a policy's one-action plans, remembered between plans: a policy plans the same
 * action on the same entity plan after plan, and finding the entity by id and the effector by name at every
 * plan cost a good part of a small decision. What is remembered is exactly what `tree.find(ref)` and
 * `entity.effector(name)` answer: the entity until the tree changes what `find` answers, the effector until
 * the entity's effectors change. Nothing not found is remembered (the lookup is asked again, and throws again).
 */
export class ActionTarget {
  private treeVersion = -1;
  private entityRef: string | undefined;
  private entity: Entity | undefined;
  private effectorOwner: Entity | undefined;
  private effectorName: string | undefined;
  private effectorVersion = -1;
  private effector: EffectorDefinition<unknown, unknown> | undefined;

  constructor(private readonly tree: EntityTree) {}

  /** `tree.find(ref)`. */
  entityOf(ref: string): Entity | undefined {
    const version = this.tree._lookupVersion;
    if (version === this.treeVersion && ref === this.entityRef) return this.entity;
    const found = this.tree.find(ref);
    if (found === undefined) return undefined;
    this.treeVersion = version;
    this.entityRef = ref;
    this.entity = found;
    return found;
  }

  /** `entity.effector(name)`. @throws UnknownEffectorError when the entity has no such effector */
  effectorOf(entity: Entity, name: string): EffectorDefinition<unknown, unknown> {
    const version = entity._effectorVersion;
    if (entity === this.effectorOwner && name === this.effectorName && version === this.effectorVersion) return this.effector as EffectorDefinition<unknown, unknown>;
    const found = entity.effector(name);
    this.effectorOwner = entity;
    this.effectorName = name;
    this.effectorVersion = version;
    this.effector = found;
    return found;
  }
}
