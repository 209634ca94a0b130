import { Observable, Subscription } from 'rxjs';
import type { Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';
import { followSources, type SourceSet } from './enrichers/sources.js';
import type { Observation } from './reading.js';

/**
 * Readings of one sensor on every child or member of `group`, current ones first, following the set as it
 * changes: how a group-level policy watches its members.
 */
export function memberObservations<T>(tree: EntityTree, group: Entity, sensor: string, from: SourceSet = 'members'): Observable<Observation<T>> {
  return new Observable<Observation<T>>((subscriber) =>
    followSources(
      tree,
      group,
      from,
      (member) => (member.hasSensor(sensor) ? member.sensor<T>(sensor).changes$.subscribe((o) => subscriber.next(o)) : new Subscription()),
      () => undefined,
    ),
  );
}
