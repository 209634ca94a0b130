import type { Entity } from '../entity.js';

/** Removals answered by a scan of every policy before the index is built (a build costs several scans). */
const SCANS_BEFORE_INDEX = 8;

/**
 * The ids of the policies attached to each entity, for detaching them when their entity leaves the tree and
 * for the API's view of one entity.
 * The first few removals scan the policies (as one retired member in a large fleet should: building the index
 * costs several scans, and a million entities keep it for good, about 90 B each); from the ninth on, an index
 * built once and kept up to date by attach and detach answers at once. Removing a large subtree stays linear
 * (a scan per removed entity made it quadratic), and a tree that never loses an entity pays nothing.
 */
export class PoliciesByEntity {
  private index: Map<Entity, string | string[]> | undefined;
  private scans = 0;

  constructor(
    /** Calls `visit` with every attached policy's id and entity. */
    private readonly forEachAttached: (visit: (id: string, entity: Entity) => void) => void,
  ) {}

  /** Notes that policy `id` is attached to `entity` (nothing to do before the index is built). */
  added(id: string, entity: Entity): void {
    if (this.index) add(this.index, id, entity);
  }

  /** Notes that policy `id` left `entity`. */
  deleted(id: string, entity: Entity): void {
    const ids = this.index?.get(entity);
    if (ids === undefined) return;
    if (ids === id) this.index?.delete(entity);
    else if (Array.isArray(ids)) {
      const at = ids.indexOf(id);
      if (at >= 0) ids.splice(at, 1);
      if (ids.length === 0) this.index?.delete(entity);
    }
  }

  /** The ids of the policies attached to `entity` now (a copy: detaching them does not change it). */
  of(entity: Entity): readonly string[] {
    if (!this.index && this.scans < SCANS_BEFORE_INDEX) {
      this.scans += 1;
      const found: string[] = [];
      this.forEachAttached((id, attachedTo) => {
        if (attachedTo === entity) found.push(id);
      });
      return found;
    }
    const index = (this.index ??= this.build());
    const ids = index.get(entity);
    return ids === undefined ? [] : typeof ids === 'string' ? [ids] : [...ids];
  }

  private build(): Map<Entity, string | string[]> {
    const index = new Map<Entity, string | string[]>();
    this.forEachAttached((id, entity) => add(index, id, entity));
    return index;
  }
}

/** Adds `id` under `entity`: the id itself for an entity's first policy, a list from its second. */
function add(index: Map<Entity, string | string[]>, id: string, entity: Entity): void {
  const ids = index.get(entity);
  if (ids === undefined) index.set(entity, id);
  else if (typeof ids === 'string') index.set(entity, [ids, id]);
  else ids.push(id);
}
