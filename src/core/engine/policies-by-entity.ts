import type { Entity } from '../entity.js';

/**
 * The ids of the policies attached to each entity, for detaching them when their entity leaves the tree and
 * for the API's view of one entity. Built at the first use (one pass over the policies), then kept up to
 * date: a tree that never loses an entity and is never asked about one (a million entities started once)
 * pays nothing for it, and every later removal or question finds the entity's policies at once (a scan of
 * every policy per removed entity made removing a large subtree quadratic).
 */
export class PoliciesByEntity {
  private index: Map<Entity, string | string[]> | undefined;

  constructor(
    /** Every attached policy's id and entity, read once when the index is built. */
    private readonly attached: () => Iterable<readonly [id: string, entity: Entity]>,
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
    const index = (this.index ??= this.build());
    const ids = index.get(entity);
    return ids === undefined ? [] : typeof ids === 'string' ? [ids] : [...ids];
  }

  private build(): Map<Entity, string | string[]> {
    const index = new Map<Entity, string | string[]>();
    for (const [id, entity] of this.attached()) add(index, id, entity);
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
