import type { Caller } from '../effectors/invocation.js';

/** One audit entry: who did what to what, when, with which params, and what came of it. */
export interface AuditEntry {
  /** Increases with every entry of one service; a restarted service continues from the store's newest. */
  readonly seq: number;
  /** Wall-clock time (ms since the epoch). */
  readonly at: number;
  readonly who: Caller;
  /** e.g. `invoke restart`, `suspend`, `config`, `POST /entities/:id/effectors/:effector`. */
  readonly action: string;
  /** What the request named: an entity id, a policy id, or the URL of a refused request. */
  readonly target: string;
  /** The entity the entry concerns (a policy's entity for a policy); null when it names none in the tree. */
  readonly entity: string | null;
  /** That entity's path when recorded (`/app/web`), so the entry stays placeable after the entity left. */
  readonly path: string | null;
  /** Redacted (secrets never reach a store) and bounded. */
  readonly params?: unknown;
  /** `denied`: no right (401/403); `rejected`: bad or unknown input (400/404/409/422). */
  readonly result: 'ok' | 'rejected' | 'failed' | 'denied';
  readonly detail?: string;
  /** The HTTP status of a refused request. */
  readonly status?: number;
}

/** Filters for the audit log (those of `GET /audit`); results newest first. */
export interface AuditQuery {
  /**
   * Subtree roots (entity paths such as `/app/web`): only entries whose `path` is one of them or below one.
   * An entry without a path matches none. Undefined: every entry (a principal of the whole tree).
   */
  readonly within?: readonly string[];
  /** At most this many (default 100). */
  readonly limit?: number;
}

/** Whether an entry's path lies in one of the subtrees of `query.within` (true when it names none). */
export function auditEntryWithin(entry: AuditEntry, within: readonly string[] | undefined): boolean {
  if (within === undefined) return true;
  const path = entry.path;
  if (!path) return false;
  return within.some((root) => path === root || path.startsWith(`${root}/`));
}
