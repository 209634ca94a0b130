import type { MeRoot } from './types.js';

/** The roots of a session's view: the entities its subtrees start at, and the scopes that name none it sees. */
export interface ScopeRoots {
  /** Ids of the roots in the tree, in the order of the scopes, none inside another (its subtree is in that one's). */
  readonly roots: readonly string[];
  /** Ids of scopes naming no entity the token sees now (not in the tree, or not in its tenant). */
  readonly missing: readonly string[];
}

/** Places the roots of `GET /me`: each once, one under another left out (its entities are shown under that one). */
export function scopeRoots(listed: readonly MeRoot[]): ScopeRoots {
  const present = listed.filter((r): r is Extract<MeRoot, { path: string }> => !('missing' in r));
  const within = (path: string, above: string): boolean => path === above || path.startsWith(`${above}/`);
  const roots: string[] = [];
  present.forEach((r, at) => {
    // a root under another, or the same as one before it, adds nothing
    const covered = present.some((other, i) => other.path !== r.path ? within(r.path, other.path) : i < at);
    if (!covered) roots.push(r.id);
  });
  return { roots, missing: [...new Set(listed.filter((r) => 'missing' in r).map((r) => r.id))] };
}
