import { api, ApiFailure } from './api.js';
import type { EntitySummary } from './types.js';

/** Roles in order of rights, as the API names them. */
export type Role = 'viewer' | 'operator' | 'admin';

/** Who the token belongs to, as far as the console can tell from the API's answers. */
export interface Session {
  readonly role: Role;
  /** The root of what this token may see (its scope, or the tree's root). */
  readonly root: string;
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
 * Finds the token's role and scope with requests the API documents and that change nothing: the tree
 * (401 means a bad token; its root is the scope), the audit log (403 for a viewer), and a config change of a
 * policy that does not exist (403 for an operator, 404 for an admin). The console then shows only the
 * controls the API would accept.
 */
export async function probeSession(hasToken: boolean): Promise<Session> {
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
  return { role, root: tree.id, open: !hasToken };
}
