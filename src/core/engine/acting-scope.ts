import type { Entity } from '../entity.js';
import { tenantOf } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';

/**
 * Where a policy may act, when its config was set by a caller limited to part of the tree (a tenant's or a
 * scoped token's change through the API): the tenant's entities, and within them the listed subtrees. A
 * policy configured by the blueprint or by an unlimited caller has no acting scope and may act anywhere.
 */
export interface ActingScope {
  /** Only entities of this tenant (the nearest `tenant:` above or on them). */
  readonly tenant?: string;
  /** Only entities inside these subtrees (ids of their roots); an empty list places nothing. */
  readonly scopes?: readonly string[];
}

/** True when `entity` lies within `scope`: its tenant first, then its subtrees (the API's rule for a caller too). */
export function withinActingScope(tree: EntityTree, scope: ActingScope, entity: Entity): boolean {
  if (scope.tenant !== undefined && tenantOf(entity) !== scope.tenant) return false;
  if (scope.scopes === undefined) return true;
  return scope.scopes.some((id) => {
    const root = tree.find(id);
    return root !== undefined && root.contains(entity);
  });
}

/** The scope as a person reads it: `tenant acme, subtrees acme-web, acme-db`. */
export function describeActingScope(scope: ActingScope): string {
  const parts: string[] = [];
  if (scope.tenant !== undefined) parts.push(`tenant ${scope.tenant}`);
  if (scope.scopes !== undefined) parts.push(scope.scopes.length === 0 ? 'no subtree' : `subtrees ${scope.scopes.join(', ')}`);
  return parts.join(', ');
}
