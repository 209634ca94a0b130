import type { Entity } from './entity.js';

/** The entities that declare each tenant (`tenant:`), in the order they were added: kept by the tree. */
export class TenantIndex {
  private readonly byTenant = new Map<string, Set<Entity>>();

  /** Indexes an entity added to the tree (one without a tenant is not kept). */
  added(entity: Entity): void {
    if (entity.tenant === undefined) return;
    const entities = this.byTenant.get(entity.tenant);
    if (entities) entities.add(entity);
    else this.byTenant.set(entity.tenant, new Set([entity]));
  }

  /** Forgets an entity removed from the tree. */
  removed(entity: Entity): void {
    if (entity.tenant === undefined) return;
    const entities = this.byTenant.get(entity.tenant);
    entities?.delete(entity);
    if (entities?.size === 0) this.byTenant.delete(entity.tenant);
  }

  /** The entities that declare `tenant`, in the order they were added. */
  entitiesOf(tenant: string): Entity[] {
    const entities = this.byTenant.get(tenant);
    return entities ? [...entities] : [];
  }
}
