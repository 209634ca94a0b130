import type { Caller, InvocationRecord } from '../effectors/invocation.js';
import { BoundedLog } from '../knowledge/bounded-log.js';
import { redact } from '../core/redact.js';

/** One audit entry: who did what to what, when, with which params, and what came of it. */
export interface AuditEntry {
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
  readonly params?: unknown;
  /** `denied`: no right (401/403); `rejected`: bad or unknown input (400/404/409/422). */
  readonly result: 'ok' | 'rejected' | 'failed' | 'denied';
  readonly detail?: string;
  /** The HTTP status of a refused request. */
  readonly status?: number;
}

/** What a caller gives to `record`; the log adds `seq`, `at` and bounds the params. */
export type AuditInput = Omit<AuditEntry, 'seq' | 'at' | 'params'> & { readonly params?: unknown };

/**
 * The audit log: every mutating request (refused ones too, with the reason) and every effector invocation,
 * by a person or a policy, with params redacted at any depth and bounded. Bounded; the newest entries are kept.
 */
export class AuditLog {
  private readonly log: BoundedLog<AuditEntry>;
  private seq = 0;

  constructor(
    capacity = 10_000,
    /** Resolves an entity id to its path, to place entries in scopes. */
    private readonly pathOf: (entity: string) => string | undefined = () => undefined,
  ) {
    this.log = new BoundedLog(capacity);
  }

  record(entry: AuditInput): AuditEntry {
    const detail = entry.detail === undefined ? {} : { detail: entry.detail.length > 2_000 ? `${entry.detail.slice(0, 2_000)}…[truncated]` : entry.detail };
    const full: AuditEntry = { ...entry, ...detail, seq: ++this.seq, at: Date.now(), ...(entry.params === undefined ? {} : { params: redact(entry.params) }) };
    this.log.append(full);
    return full;
  }

  /** Records an effector invocation from its record. */
  recordInvocation(r: InvocationRecord): AuditEntry {
    return this.record({
      who: r.caller,
      action: `invoke ${r.effector}`,
      target: r.entity,
      entity: r.entity,
      path: this.pathOf(r.entity) ?? null,
      params: r.params,
      result: r.outcome === 'succeeded' ? 'ok' : r.outcome === 'rejected' ? 'rejected' : 'failed',
      ...(r.error ? { detail: r.error.message } : {}),
    });
  }

  /** Newest first. */
  entries(limit = 100, filter: (e: AuditEntry) => boolean = () => true): AuditEntry[] {
    return this.log.newestFirst(filter, limit);
  }
}
