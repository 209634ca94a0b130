import type { InvocationRecord } from '../effectors/invocation.js';
import type { AuditEntry, AuditQuery } from '../knowledge/audit-entry.js';
import type { Knowledge } from '../knowledge/knowledge.js';
import { redact, TRUNCATED_PREFIX } from '../core/redact.js';
import { sliceCopy } from '../core/string-copy.js';

export type { AuditEntry } from '../knowledge/audit-entry.js';

/** What a caller gives to `record`; the log adds `seq`, `at` and bounds the params. */
export type AuditInput = Omit<AuditEntry, 'seq' | 'at' | 'params'> & { readonly params?: unknown };

const MAX_DETAIL = 2_000;

/**
 * Most characters of params (as JSON, once redacted) an audit entry keeps: 8 KiB. Past it the entry keeps a
 * preview and the size. Redaction alone lets an entry hold about as much as the body (5,000 values of 4,096
 * characters), and the log keeps 10,000 entries: 1,000 refused 1 MB bodies held 800 MB.
 */
export const MAX_AUDIT_PARAMS_CHARS = 8 * 1024;

/** Characters of the JSON kept as a preview of params past the bound. */
const PARAMS_PREVIEW_CHARS = 2 * 1024;

/** Params redacted and bounded to {@link MAX_AUDIT_PARAMS_CHARS} as JSON (a preview and the size past it). */
export function boundedParams(params: unknown): unknown {
  const redacted = redact(params);
  const json = JSON.stringify(redacted) ?? '';
  if (json.length <= MAX_AUDIT_PARAMS_CHARS) return redacted;
  return { [`${TRUNCATED_PREFIX}]`]: `params of ${json.length} characters as JSON (at most ${MAX_AUDIT_PARAMS_CHARS} kept); the first ${PARAMS_PREVIEW_CHARS} are in preview`, preview: sliceCopy(json, 0, PARAMS_PREVIEW_CHARS) };
}

/**
 * The audit log: every mutating request (refused ones too, with the reason) and every effector invocation,
 * by a person or a policy, with params redacted at any depth and bounded (8 KiB as JSON). Entries are written through the
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
    const detail = entry.detail === undefined ? {} : { detail: entry.detail.length > MAX_DETAIL ? `${sliceCopy(entry.detail, 0, MAX_DETAIL)}…[truncated]` : entry.detail };
    const full: AuditEntry = { ...entry, ...detail, seq: ++this.seq, at: Date.now(), ...(entry.params === undefined ? {} : { params: boundedParams(entry.params) }) };
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
