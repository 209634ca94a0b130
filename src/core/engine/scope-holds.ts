import type { Entity } from '../entity.js';
import { ChurnMap } from '../churn-map.js';

/** What one arbiter holds at one entity: one operation as it is (the common case), several in a set. */
export type HeldAt<T> = T | Set<T>;

/**
 * The holds of one arbiter, by the entity they are held at. An entity is held and released at every plan on
 * it, and the holds were kept in a map by entity: a few lookups in a table as large as the fleet at every
 * decision, and a slot kept per entity ever held. Now the first arbiter to hold an entity keeps its holds in
 * two fields of the entity itself (`_holdOwner`, `_held`), read as the entity is; an arbiter finding the
 * fields another's (two engines on one tree) keeps its holds at that entity in a map of its own, as before.
 */
export class ScopeHolds<T> {
  private readonly elsewhere = new ChurnMap<Entity, HeldAt<T>>((entity) => !entity._closed);
  /** What an entity's `_holdOwner` names this by: an empty object, so that an entity keeps nothing of a stopped engine alive. */
  private readonly mark: object = Object.freeze({});

  /** What this arbiter holds at `entity`, if anything. */
  get(entity: Entity): HeldAt<T> | undefined {
    const owner = entity._holdOwner;
    if (owner === this.mark) return entity._held as HeldAt<T> | undefined;
    // an entity no arbiter ever held has no hold of this one either
    return owner === undefined ? undefined : this.elsewhere.get(entity);
  }

  /** Sets what this arbiter holds at `entity`. */
  set(entity: Entity, held: HeldAt<T>): void {
    const owner = entity._holdOwner;
    if (owner === this.mark || owner === undefined) {
      entity._holdOwner = this.mark;
      entity._held = held;
    } else this.elsewhere.set(entity, held);
  }

  /** Releases everything this arbiter holds at `entity`. */
  delete(entity: Entity): void {
    if (entity._holdOwner === this.mark) entity._held = undefined;
    else this.elsewhere.delete(entity);
  }
}
