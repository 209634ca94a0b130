import { Subscription, filter } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import type { EntityTree } from '../../core/entity-tree.js';

/** Which related entities an enricher or quorum rule reads. */
export type SourceSet = 'children' | 'members';

/** The current children or members of `entity`. */
export function sourcesOf(entity: Entity, from: SourceSet): readonly Entity[] {
  return from === 'children' ? entity.children : entity.members;
}

/** How many children or members `entity` has, without copying them. */
export function sourceCountOf(entity: Entity, from: SourceSet): number {
  return from === 'children' ? entity.children.length : entity.memberCount;
}

/**
 * Follows the children or members of `entity` as they come and go: `watch` is called for each source (its
 * subscription ends when the source leaves) and `changed` after every change of the set.
 */
export function followSources(tree: EntityTree, entity: Entity, from: SourceSet, watch: (source: Entity) => Subscription, changed: () => void): Subscription {
  const watched = new Map<Entity, Subscription>();
  for (const source of sourcesOf(entity, from)) if (!watched.has(source)) watched.set(source, watch(source));
  const isSource = (source: Entity): boolean =>
    from === 'children' ? source._parent === entity && tree.find(source.id) === source : entity._members?.has(source) === true;
  // only this entity's changes: a filter over every change of the tree made each change cost as many calls as
  // there are enrichers and quorum rules in the tree
  const structure = tree
    .changesOf$(entity)
    .pipe(filter((c) => (from === 'children' ? c.kind === 'added' || c.kind === 'removed' : c.kind === 'member-added' || c.kind === 'member-removed')))
    .subscribe((c) => {
      // one source came or left: watched or unwatched alone (a full sync per change made adding or removing
      // n children quadratic), decided by what the entity is now, not by the event's kind (a subscriber that
      // reverses a change while it is announced makes later subscribers hear the two in reverse order)
      if (isSource(c.entity)) {
        if (!watched.has(c.entity)) watched.set(c.entity, watch(c.entity));
      } else {
        watched.get(c.entity)?.unsubscribe();
        watched.delete(c.entity);
      }
      changed();
    });
  return new Subscription(() => {
    structure.unsubscribe();
    for (const subscription of watched.values()) subscription.unsubscribe();
    watched.clear();
  });
}
