import type { FastifyReply } from 'fastify';
import type { Entity } from '../core/entity.js';
import { inScope, type ApiContext } from './context.js';
import type { Principal } from './auth.js';

/**
 * The header of `GET /entities` without `?root=` that names, for a caller of several subtrees, the roots it was
 * not answered (ids, comma-separated, in the order of its scopes). A header of its own rather than `Link`: a
 * client that reads `Link` as the one `rel="next"` of a page keeps working.
 */
export const OTHER_ROOTS_HEADER = 'other-roots';

/** The principal's scope roots other than `answered`, in order, once each, those it cannot see now left out. */
export function otherRoots(context: ApiContext, principal: Principal, answered: Entity): string[] {
  const seen = new Set([answered.id]);
  return (principal.scopes ?? []).filter((id) => {
    if (seen.has(id)) return false;
    seen.add(id);
    const entity = context.tree.find(id);
    return entity !== undefined && inScope(context, principal, entity);
  });
}

/** Sets {@link OTHER_ROOTS_HEADER} when the principal has roots other than `answered`; nothing otherwise. */
export function nameOtherRoots(context: ApiContext, reply: FastifyReply, principal: Principal, answered: Entity): void {
  const others = otherRoots(context, principal, answered);
  if (others.length > 0) void reply.header(OTHER_ROOTS_HEADER, others.join(', '));
}

/**
 * The root `GET /entities` answers without `?root=`: the principal's first scope that names an entity it can see
 * now (a scope whose entity left the tree is skipped, as the Other-Roots header skips it), else its first scope
 * (then answered 404, naming it), else the whole tree's root.
 */
export function defaultRootOf(context: ApiContext, principal: Principal): string {
  const scopes = principal.scopes;
  if (scopes === undefined || scopes.length === 0) return context.tree.root.id;
  for (const id of scopes) {
    const entity = context.tree.find(id);
    if (entity !== undefined && inScope(context, principal, entity)) return id;
  }
  return scopes[0] as string;
}
