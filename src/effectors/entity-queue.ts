import { ChurnMap } from '../core/churn-map.js';
import type { Entity } from '../core/entity.js';
import { KeyedClaim } from './keyed-claim.js';

/** What an entity waits behind: the last task's settling, or a claim. */
type Tail = Promise<unknown> | KeyedClaim;

/** Entities owned at least, and taken since the last sweep, before a sweep lets go of the removed ones. */
const MIN_SWEEP_EVERY = 4_096;

/**
 * Serializes work per entity: at most one task runs per entity, the rest wait in arrival order.
 * A failed task does not block the ones after it.
 *
 * An entity is claimed and released at every invocation. The first queue to take an entity keeps its tail in
 * two fields of the entity itself (`_queueOwner`, `_queueTail`), read as the entity is: a map by id cost
 * several lookups in a table as large as the fleet at every invocation, and a slot per entity ever taken. A
 * queue finding the fields another's (two invokers on one tree) keeps that entity's tail in a map by id, as
 * before. The entities this queue owns are remembered by id only to answer `busy(id)`, once per entity, and
 * let go of once they left their tree.
 */
export class EntityQueue {
  // the tails of entities whose fields another queue owns: a map that keeps released slots while the entity is
  // in its tree (see `ChurnMap`)
  private readonly tails = new ChurnMap<string, Tail>((id) => this.mayComeBack(id));
  /**
   * The entity each id's slot in `tails` was made for. An entity added under the id of a removed one reuses
   * the slot while it is kept, and gets its own when the next sweep lets the slot go (the slot's entity left).
   */
  private readonly entities = new Map<string, Entity>();
  /** The entities whose fields this queue owns, by id (the latest under each id), for `busy(id)`. */
  private readonly owned = new Map<string, Entity>();
  private ownedSinceSweep = 0;
  private ownedAfterSweep = 0;
  /** What an entity's `_queueOwner` names this queue by: an empty object, so that an entity keeps nothing of the queue alive. */
  private readonly mark: object = Object.freeze({});

  /** Runs `task` after every task queued (or claim taken) before it on `entity`. */
  run<T>(entity: Entity, task: () => Promise<T>): Promise<T> {
    const held = this.tailOf(entity);
    const previous = held === undefined ? Promise.resolve() : held instanceof KeyedClaim ? held.done : held;
    const next = previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.setTail(entity, tail);
    void tail.then(() => {
      if (this.tailOf(entity) === tail) this.clearTail(entity);
    });
    return next;
  }

  /**
   * Takes a free entity for work run outside the queue (no promise made): tasks queued meanwhile wait for
   * `release`. Undefined when the entity is busy (the work must queue instead).
   */
  claim(entity: Entity): KeyedClaim | undefined {
    if (this.tailOf(entity) !== undefined) return undefined;
    const claim = new KeyedClaim();
    this.setTail(entity, claim);
    return claim;
  }

  /** Ends a claim taken with `claim`. */
  release(entity: Entity, claim: KeyedClaim): void {
    if (this.tailOf(entity) === claim) this.clearTail(entity);
    claim.release();
  }

  /** True when a task is running or waiting on `entity` (or on the entity of this id). */
  busy(entity: Entity | string): boolean {
    if (typeof entity !== 'string') return this.tailOf(entity) !== undefined;
    // an entity in `owned` has this queue's mark for good: its tail is in its field
    return this.owned.get(entity)?._queueTail !== undefined || this.tails.has(entity);
  }

  /** @internal the ids with a slot in the map, busy or free, the entities kept for them, and the entities owned (for tests of what is let go) */
  get _slots(): { readonly ids: number; readonly entities: number; readonly owned: number } {
    return { ids: this.tails.slots, entities: this.entities.size, owned: this.owned.size };
  }

  private tailOf(entity: Entity): Tail | undefined {
    const owner = entity._queueOwner;
    if (owner === this.mark) return entity._queueTail as Tail | undefined;
    // an entity no queue ever took has no tail in this one either
    return owner === undefined ? undefined : this.tails.get(entity.id);
  }

  private setTail(entity: Entity, tail: Tail): void {
    const owner = entity._queueOwner;
    if (owner === this.mark) entity._queueTail = tail;
    else if (owner === undefined) this.own(entity, tail);
    else if (this.tails.set(entity.id, tail)) this.entities.set(entity.id, entity);
  }

  private clearTail(entity: Entity): void {
    if (entity._queueOwner === this.mark) entity._queueTail = undefined;
    else this.tails.delete(entity.id);
  }

  /** Takes `entity`'s fields, remembering it by id; now and then lets go of the owned entities that left their tree. */
  private own(entity: Entity, tail: Tail): void {
    entity._queueOwner = this.mark;
    entity._queueTail = tail;
    this.owned.set(entity.id, entity);
    // a sweep walks them all once per as many entities taken as it kept (and at least MIN_SWEEP_EVERY): constant work per entity
    if (++this.ownedSinceSweep > MIN_SWEEP_EVERY && this.ownedSinceSweep > this.ownedAfterSweep) {
      this.owned.forEach((known, id, owned) => {
        if (known._closed) owned.delete(id);
      });
      this.ownedSinceSweep = 0;
      this.ownedAfterSweep = this.owned.size;
    }
  }

  /** Whether the entity `id`'s slot was made for is still in its tree; forgotten when it is not. */
  private mayComeBack(id: string): boolean {
    if (this.entities.get(id)?._closed === false) return true;
    this.entities.delete(id);
    return false;
  }
}
