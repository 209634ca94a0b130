import { ChurnMap } from '../core/churn-map.js';
import type { Entity } from '../core/entity.js';
import { KeyedClaim } from './keyed-claim.js';

/**
 * Serializes work per entity: at most one task runs per entity, the rest wait in arrival order.
 * A failed task does not block the ones after it.
 */
export class EntityQueue {
  // an entity's id is claimed and released at every invocation: a map that keeps released slots while the
  // entity is in its tree (see `ChurnMap`)
  private readonly tails = new ChurnMap<string, Promise<unknown> | KeyedClaim>((id) => this.mayComeBack(id));
  /**
   * The entity each id's slot in `tails` was made for. An entity added under the id of a removed one reuses
   * the slot while it is kept, and gets its own when the next sweep lets the slot go (the slot's entity left).
   */
  private readonly entities = new Map<string, Entity>();

  /** Runs `task` after every task queued (or claim taken) before it on `entity`. */
  run<T>(entity: Entity, task: () => Promise<T>): Promise<T> {
    const key = entity.id;
    const held = this.tails.get(key);
    const previous = held === undefined ? Promise.resolve() : held instanceof KeyedClaim ? held.done : held;
    const next = previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    if (this.tails.set(key, tail)) this.entities.set(key, entity);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /**
   * Takes a free entity for work run outside the queue (no promise made): tasks queued meanwhile wait for
   * `release`. Undefined when the entity is busy (the work must queue instead).
   */
  claim(entity: Entity): KeyedClaim | undefined {
    const key = entity.id;
    if (this.tails.has(key)) return undefined;
    const claim = new KeyedClaim();
    if (this.tails.set(key, claim)) this.entities.set(key, entity);
    return claim;
  }

  /** Ends a claim taken with `claim`. */
  release(entity: Entity, claim: KeyedClaim): void {
    if (this.tails.get(entity.id) === claim) this.tails.delete(entity.id);
    claim.release();
  }

  /** True when a task is running or waiting on the entity of this id. */
  busy(entityId: string): boolean {
    return this.tails.has(entityId);
  }

  /** @internal the ids with a slot, busy or free, and the entities kept for them (for tests of what is let go) */
  get _slots(): { readonly ids: number; readonly entities: number } {
    return { ids: this.tails.slots, entities: this.entities.size };
  }

  /** Whether the entity `id`'s slot was made for is still in its tree; forgotten when it is not. */
  private mayComeBack(id: string): boolean {
    if (this.entities.get(id)?._closed === false) return true;
    this.entities.delete(id);
    return false;
  }
}
