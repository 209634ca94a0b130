import type { Caller, InvocationRecord } from '../effectors/invocation.js';
import { BoundedLog } from '../knowledge/bounded-log.js';
import { redact } from '../core/redact.js';

/** One audit entry: who did what to what, when, with which params, and what came of it. */
export interface AuditEntry {
  readonly seq: number;
  /** Wall-clock time (ms since the epoch). */
  readonly at: number;
  readonly who: Caller;
  /** e.g. `invoke restart`, `suspend`, `config`. */
  readonly action: string;
  readonly target: string;
  readonly params?: unknown;
  readonly result: 'ok' | 'rejected' | 'failed' | 'denied';
  readonly detail?: string;
}

/**
 * The audit log: every mutating request and every effector invocation, by a person or a policy, with
 * secret-looking params redacted. Bounded; the newest entries are kept.
 */
export class AuditLog {
  private readonly log: BoundedLog<AuditEntry>;
  private seq = 0;

  constructor(capacity = 10_000) {
    this.log = new BoundedLog(capacity);
  }

  record(entry: Omit<AuditEntry, 'seq' | 'at' | 'params'> & { params?: unknown }): AuditEntry {
    const full: AuditEntry = { ...entry, seq: ++this.seq, at: Date.now(), ...(entry.params === undefined ? {} : { params: redact(entry.params) }) };
    this.log.append(full);
    return full;
  }

  /** Records an effector invocation from its record. */
  recordInvocation(r: InvocationRecord): AuditEntry {
    return this.record({
      who: r.caller,
      action: `invoke ${r.effector}`,
      target: r.entity,
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
