import type { InvocationRecord } from '../effectors/invocation.js';
import type { AuditEntry, AuditQuery } from '../knowledge/audit-entry.js';
import type { Knowledge } from '../knowledge/knowledge.js';
import { redact } from '../core/redact.js';

export type { AuditEntry } from '../knowledge/audit-entry.js';

/** What a caller gives to `record`; the log adds `seq`, `at` and bounds the params. */
export type AuditInput = Omit<AuditEntry, 'seq' | 'at' | 'params'> & { readonly params?: unknown };

const MAX_DETAIL = 2_000;

/**
 * The audit log: every mutating request (refused ones too, with the reason) and every effector invocation,
 * by a person or a policy, with params redacted at any depth and bounded. Entries are written through the
 * knowledge store's buffered path (never waiting on it), so with Redis they survive a restart; the store's
 * retention bounds them. `seq` continues from the store's newest entry (see `open`).
 */
export class AuditLog {
  private seq = 0;

  constructor(
    private readonly knowledge: Knowledge,
    /** Resolves an entity id to its path, to place entries in scopes. */
    private readonly pathOf: (entity: string) => string | undefined = () => undefined,
  ) {}

  /**
   * Continues `seq` after the newest entry the store holds (a restarted service keeps it increasing).
   * @throws KnowledgeUnavailableError when the store cannot be read
   */
  async open(): Promise<void> {
    const [newest] = await this.knowledge.queryAudit({ limit: 1 });
    if (newest && newest.seq > this.seq) this.seq = newest.seq;
  }

  record(entry: AuditInput): AuditEntry {
    const detail = entry.detail === undefined ? {} : { detail: entry.detail.length > MAX_DETAIL ? `${entry.detail.slice(0, MAX_DETAIL)}…[truncated]` : entry.detail };
    const full: AuditEntry = { ...entry, ...detail, seq: ++this.seq, at: Date.now(), ...(entry.params === undefined ? {} : { params: redact(entry.params) }) };
    this.knowledge.recordAudit(full);
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

  /**
   * Newest first, from the store (after every entry recorded before the call reached it).
   * @throws KnowledgeUnavailableError when the store cannot be read
   */
  async entries(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.knowledge.queryAudit(query);
  }
}
