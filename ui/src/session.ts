import { api, ApiFailure } from './api.js';
import { scopeRoots } from './scope-roots.js';
import type { EntitySummary, Me } from './types.js';

/** Roles in order of rights, as the API names them. */
export type Role = 'viewer' | 'operator' | 'admin';

/** Who the token belongs to, as the API tells it (`GET /me`) or, from an older server, as its answers show. */
export interface Session {
  readonly role: Role;
  /**
   * The roots of what this token may see: its scopes (none inside another), or the tree's root. Empty when it
   * sees nothing (a tenant that owns no entity, scopes that name none).
   */
  readonly roots: readonly string[];
  /** Scopes of the token that name no entity it sees now (not in the tree). */
  readonly missing: readonly string[];
  /** The tenant the token belongs to, when the API says so. */
  readonly tenant?: string;
  /** True when the server has no access control (every caller is an admin). */
  readonly open: boolean;
}

/** True when `role` has the rights of `needed`. */
export function can(session: Session, needed: Role): boolean {
  const order: Role[] = ['viewer', 'operator', 'admin'];
  return order.indexOf(session.role) >= order.indexOf(needed);
}

// a policy id no blueprint can declare: asking to change its config is refused (403) before the lookup
// (404) when the role is not admin, so the answer tells the role and nothing changes either way
const PROBE_POLICY = '~console-role-probe';

/**
 * Finds the token's role, tenant and scopes with `GET /me`; from a server without it (404), with requests that
 * change nothing (see {@link probeByRefusals}). The console then shows only the controls the API would accept.
 */
export async function probeSession(hasToken: boolean): Promise<Session> {
  let me: Me;
  try {
    me = await api<Me>('GET', '/me');
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return probeByRefusals(hasToken);
    throw error;
  }
  return { role: me.role, ...scopeRoots(me.roots), ...(me.tenant === undefined ? {} : { tenant: me.tenant }), open: !hasToken };
}

/**
 * The role and scope as an older server's answers show them: the tree (401 means a bad token; its root is the
 * first scope, the only one this finds), the audit log (403 for a viewer), and a config change of a policy that
 * does not exist (403 for an operator, 404 for an admin).
 */
async function probeByRefusals(hasToken: boolean): Promise<Session> {
  const tree = await api<EntitySummary>('GET', '/entities?depth=0');
  let role: Role = 'admin';
  try {
    await api('GET', '/audit?limit=1');
  } catch (error) {
    if (!(error instanceof ApiFailure) || error.status !== 403) throw error;
    role = 'viewer';
  }
  if (role !== 'viewer') {
    try {
      await api('PUT', `/policies/${encodeURIComponent(PROBE_POLICY)}/config`, { config: {} });
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      role = error.status === 403 ? 'operator' : 'admin';
    }
  }
  return { role, roots: [tree.id], missing: [], open: !hasToken };
}
