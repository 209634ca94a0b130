import type { EntityTree } from '../core/entity-tree.js';
import type { Principal } from './auth.js';

/**
 * The principal as the routes see it: a caller with a tenant gets, as its scopes, the subtrees that belong to
 * that tenant (entities declaring `tenant:`), narrowed to its own scopes when the token has some. A tenant
 * that owns nothing gives an empty list: the caller sees nothing, never the whole tree. Computed per request,
 * so subtrees added at run time count.
 */
export function boundToTenant(principal: Principal, tree: EntityTree): Principal {
  if (principal.tenant === undefined) return principal;
  const roots = tree.tenantEntities(principal.tenant);
  if (principal.scopes === undefined) return { ...principal, scopes: roots.map((r) => r.id) };
  const narrowed = principal.scopes.filter((id) => {
    const entity = tree.find(id);
    return entity !== undefined && roots.some((r) => r.contains(entity));
  });
  return { ...principal, scopes: narrowed };
}
