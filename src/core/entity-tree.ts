import { Observable, Subject, type SchedulerLike } from 'rxjs';
import { ChangeListeners } from './change-listeners.js';
import { Entity, type EntitySpec } from './entity.js';
import { hookSensorListeners } from './entity-services.js';
import { depthOf, entityAtPath } from './entity-path.js';
import { DuplicateEntityError, HomeostatError, UnknownEntityError } from './errors.js';
import { MAX_TREE_DEPTH } from './limits.js';
import { TenantIndex } from './tenant-index.js';
import type { RejectedReading } from '../sensors/reading.js';
import type { Sensor } from '../sensors/sensor.js';
import type { TreeChange } from './tree-change.js';

export type { TreeChange } from './tree-change.js';

const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The managed tree: the only way to add and remove entities, children and members, so that ids stay unique
 * and every change is announced (enrichers and the engine follow membership through `changes$`).
 */
export class EntityTree {
  readonly scheduler: SchedulerLike;
  private readonly byId = new Map<string, Entity>();
  private readonly tenants = new TenantIndex();
  private readonly listeners = new ChangeListeners<Entity, TreeChange>();
  private readonly rejectionsSubject = new Subject<RejectedReading>();
  private readonly sensorListeners = new Set<(entity: Entity, sensor: Sensor<unknown>) => void>();
  private rootEntity: Entity | undefined;
  /** Entities being removed: nothing may be added under them, nor join them, until they are gone. */
  private readonly leaving = new Set<Entity>();
  /** Removals under way (nested when a subscriber told of one removal asks for another). */
  private removing = 0;
  /** Ancestors of an entity being removed whose own removal was asked meanwhile: removed when it is done. */
  private readonly deferredRemovals: Entity[] = [];
  /** Bumped by every change to what `find` answers (an entity added or removed, a child list changed). */
  private lookupVersion = 0;

  constructor(scheduler: SchedulerLike) {
    this.scheduler = scheduler;
  }

  /** Every structural change, as it happens. */
  get changes$(): Observable<TreeChange> {
    return new Observable<TreeChange>((subscriber) => this.listeners.add(undefined, (change) => subscriber.next(change)));
  }

  /**
   * The changes of `entity`'s own children and members: `added` and `removed` with `entity` as the parent,
   * `member-added` and `member-removed` with `entity` as the group. Heard in order with the subscribers of
   * `changes$`, at a cost that does not grow with the number of entities others follow (what enrichers and
   * groups use to follow their sources).
   */
  changesOf$(entity: Entity): Observable<TreeChange> {
    return new Observable<TreeChange>((subscriber) => this.listeners.add(entity, (change) => subscriber.next(change)));
  }

  /**
   * @internal how many changes of `entity`'s children or members are being announced right now (more than
   * one when a subscriber told of one makes another): a follower of them that has heard fewer may be behind.
   */
  _announcing(entity: Entity): number {
    return this.listeners.deliveringOf(entity);
  }

  /**
   * @internal calls `listener` with each sensor an entity of the tree creates from now on (sensors are
   * created on first use), until the returned function is called.
   */
  _followSensorCreation(listener: (entity: Entity, sensor: Sensor<unknown>) => void): () => void {
    this.sensorListeners.add(listener);
    this.updateSensorHook();
    return () => {
      this.sensorListeners.delete(listener);
      this.updateSensorHook();
    };
  }

  private updateSensorHook(): void {
    hookSensorListeners(this.scheduler, this.rejectionsSubject, this.sensorListeners);
  }

  /** Every rejected sensor reading in the tree. */
  get rejections$(): Observable<RejectedReading> {
    return this.rejectionsSubject.asObservable();
  }

  /** @throws HomeostatError when the tree is empty */
  get root(): Entity {
    if (!this.rootEntity) throw new HomeostatError('E_EMPTY_TREE', 'the tree has no root entity yet');
    return this.rootEntity;
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * The entities that declare `tenant` (the roots of its subtrees, and any below them that say it again), in
   * the order they were added: found through an index, not a walk of the tree (the API asks on every request
   * of a tenant's caller).
   */
  tenantEntities(tenant: string): Entity[] {
    return this.tenants.entitiesOf(tenant);
  }

  /** All entities, in insertion order. */
  entities(): IterableIterator<Entity> {
    return this.byId.values();
  }

  /**
   * Creates an entity under `parent` (or as the root when the tree is empty).
   * @throws DuplicateEntityError, UnknownEntityError, HomeostatError (E_BAD_ID, E_SECOND_ROOT, E_ENTITY_LEAVING, E_TREE_TOO_DEEP)
   */
  add(spec: EntitySpec, parent?: Entity | string): Entity {
    if (!ENTITY_ID.test(spec.id)) throw new HomeostatError('E_BAD_ID', `entity id '${spec.id}' must be letters, digits, '-', '_' or '.'`);
    if (this.byId.has(spec.id)) throw new DuplicateEntityError(spec.id);
    const parentEntity = parent === undefined ? undefined : this.resolve(parent);
    if (!parentEntity && this.rootEntity) throw new HomeostatError('E_SECOND_ROOT', `entity '${spec.id}' needs a parent: the tree already has root '${this.rootEntity.id}'`);
    if (parentEntity && this.leaving.has(parentEntity)) throw leavingError(parentEntity, `entity '${spec.id}' cannot be added under it`);
    if (parentEntity && depthOf(parentEntity) >= MAX_TREE_DEPTH) throw new HomeostatError('E_TREE_TOO_DEEP', `entity '${spec.id}' cannot be added under '${parentEntity.id}': it would be more than ${MAX_TREE_DEPTH} levels below the root`);
    const entity = new Entity(spec, this.scheduler, this.rejectionsSubject);
    entity._parent = parentEntity;
    this.byId.set(entity.id, entity);
    this.tenants.added(entity);
    if (parentEntity) (parentEntity._children ??= []).push(entity);
    else this.rootEntity = entity;
    this.lookupVersion++;
    entity.setState('created');
    this.listeners.deliver({ kind: 'added', entity, parent: parentEntity }, parentEntity);
    return entity;
  }

  /**
   * Removes an entity and its subtree, leaving every group it was a member of. Each entity of the subtree is
   * announced as `removed` after its own children (the last child first), and is off its parent's list by then.
   * Asked from a subscriber told of a removal below `ref` (an ancestor of an entity being removed), the removal
   * is put off until that one is done: `ref` counts as leaving at once (nothing can be added under it or join
   * it) and goes, with its subtree, right after.
   */
  remove(ref: Entity | string): void {
    const entity = this.resolve(ref);
    if (this.leaving.has(entity)) return; // already being removed (a subscriber told of a child's removal asks again)
    this.leaving.add(entity);
    if (this.removing > 0 && this.isAncestorOfLeaving(entity)) {
      // asked by a subscriber told of a removal below it: removed now, it would be announced before the
      // entities under way below it, with a parent already gone; it leaves once they have (and is leaving now)
      this.deferredRemovals.push(entity);
      return;
    }
    this.removeMarked(entity);
  }

  /**
   * Removes an entity already marked as leaving, with its subtree; then, once no removal is under way, the
   * removals put off meanwhile. The walk down a subtree removes each child through here, not through `remove`:
   * below a child it reaches there can only be removals put off, which it takes as it meets them.
   */
  private removeMarked(entity: Entity): void {
    this.removing++;
    try {
      this.removeLeaving(entity);
    } finally {
      this.leaving.delete(entity);
      this.removing--;
      // even after a throw: a removal put off must not leave its entity marked as leaving for good
      if (this.removing === 0) this.removeDeferred();
    }
  }

  /** Removes the ancestors whose removal was asked while a removal below them was under way, in the order asked. */
  private removeDeferred(): void {
    while (this.deferredRemovals.length > 0) {
      const entity = this.deferredRemovals.shift() as Entity;
      this.leaving.delete(entity);
      // an earlier deferred removal may have taken it already (its ancestor was asked first)
      if (this.byId.get(entity.id) === entity) this.remove(entity);
    }
  }

  /** Takes `entity` out of the put-off removals (it leaves now, still marked): false when it was not among them. */
  private takeDeferred(entity: Entity): boolean {
    const at = this.deferredRemovals.indexOf(entity);
    if (at < 0) return false;
    this.deferredRemovals.splice(at, 1);
    return true;
  }

  /** True when `entity` is above one of the entities being removed. */
  private isAncestorOfLeaving(entity: Entity): boolean {
    for (const leaving of this.leaving) if (leaving !== entity && entity.contains(leaving)) return true;
    return false;
  }

  private removeLeaving(entity: Entity): void {
    // the children leave one by one, the last first: each is taken off the end of the list, so a parent of
    // 100,000 children is removed in linear time (from the front, every removal shifted all the others)
    const children = entity._children;
    if (children) {
      while (children.length > 0) {
        const child = children[children.length - 1] as Entity;
        if (!this.leaving.has(child)) {
          this.leaving.add(child);
          this.removeMarked(child);
        }
        // a child whose removal was put off (asked below it, see remove) leaves now, with this one
        else if (this.takeDeferred(child)) this.removeMarked(child);
        // a child whose own removal is under way further up the stack is only taken off the list (a guard: the
        // removals that would lead here are put off)
        else {
          children.pop();
          this.lookupVersion++;
        }
      }
    }
    for (const group of entity.groups) this.removeMember(group, entity);
    for (const member of entity.members) this.removeMember(entity, member);
    const parent = entity._parent;
    if (parent) {
      const siblings = parent._children;
      const at = siblings ? siblings.lastIndexOf(entity) : -1;
      if (at >= 0) siblings?.splice(at, 1);
    } else this.rootEntity = undefined;
    this.byId.delete(entity.id);
    this.tenants.removed(entity);
    this.lookupVersion++;
    this.listeners.deliver({ kind: 'removed', entity, parent }, parent);
    entity._close();
  }

  /** Makes `member` a member of `group` (no-op when it already is). */
  addMember(groupRef: Entity | string, memberRef: Entity | string): void {
    const group = this.resolve(groupRef);
    const member = this.resolve(memberRef);
    if (group === member) throw new HomeostatError('E_SELF_MEMBER', `entity '${group.id}' cannot be a member of itself`);
    if (this.leaving.has(group) || this.leaving.has(member)) throw leavingError(this.leaving.has(group) ? group : member, `'${member.id}' cannot join '${group.id}'`);
    if (group._members?.has(member)) return;
    (group._members ??= new Set()).add(member);
    (member._groups ??= new Set()).add(group);
    this.listeners.deliver({ kind: 'member-added', entity: member, group }, group);
  }

  /** Removes `member` from `group` (no-op when it is not a member). */
  removeMember(groupRef: Entity | string, memberRef: Entity | string): void {
    const group = this.resolve(groupRef);
    const member = this.resolve(memberRef);
    if (!group._members?.delete(member)) return;
    member._groups?.delete(group);
    this.listeners.deliver({ kind: 'member-removed', entity: member, group }, group);
  }

  /**
   * @internal changes whenever `find` may answer differently for some reference (before anyone is told of
   * the change): a memo of lookups is good while it stays the same.
   */
  get _lookupVersion(): number {
    return this.lookupVersion;
  }

  /** Looks up by id, or by path when the reference starts with `/`. */
  find(ref: string): Entity | undefined {
    return ref.startsWith('/') ? entityAtPath(this.rootEntity, ref) : this.byId.get(ref);
  }

  /** @throws UnknownEntityError when the id or path is not in the tree */
  get(ref: string): Entity {
    const entity = this.find(ref);
    if (!entity) throw new UnknownEntityError(ref);
    return entity;
  }

  private resolve(ref: Entity | string): Entity {
    if (typeof ref !== 'string') {
      if (this.byId.get(ref.id) !== ref) throw new UnknownEntityError(ref.id);
      return ref;
    }
    return this.get(ref);
  }
}

/** The error of an add or a join that involves an entity being removed (asked by a subscriber told of the removal). */
function leavingError(entity: Entity, what: string): HomeostatError {
  return new HomeostatError('E_ENTITY_LEAVING', `'${entity.id}' is being removed: ${what}`);
}
