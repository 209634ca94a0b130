import type { Entity } from './entity.js';

/**
 * The replication group of a database entity (one with a `role` sensor): its `group` config when set
 * (databases of one group may live in different sites), else its parent's id. At most one member of a
 * group may be a writable primary at any instant.
 */
export function replicationGroupOf(entity: Entity): string {
  const group = entity.config['group'];
  return typeof group === 'string' && group.length > 0 ? group : (entity.parent?.id ?? entity.id);
}

/** True when the entity reports itself primary, serves (`service.up` true) and is not going away. */
export function isWritablePrimary(entity: Entity): boolean {
  if (!entity.hasSensor('role') || entity.sensor<string>('role').current?.value !== 'primary') return false;
  if (entity.state === 'stopping' || entity.state === 'stopped') return false;
  return entity.sensor<boolean>('service.up').current?.value === true;
}

/** Databases (entities with a `role` sensor) of the tree below `root` that belong to `group`. */
export function groupMembers(root: Entity, group: string): Entity[] {
  return [...root.subtree()].filter((e) => e.hasSensor('role') && replicationGroupOf(e) === group);
}
