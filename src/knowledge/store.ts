import type { InvocationRecord } from '../effectors/invocation.js';
import type { AuditEntry, AuditQuery } from './audit-entry.js';
import type { Decision, DecisionOutcome, PolicyFault } from './decision.js';

/** A JSON-serializable value: what policy state may hold (it must survive a restart through any store). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The latest reading of one sensor, kept so a restarted service knows what it last saw. */
export interface SensorSnapshot {
  readonly entity: string;
  readonly sensor: string;
  readonly value: unknown;
  readonly at: number;
}

/** One buffered write. The store applies a batch in order. */
export type WriteOp =
  | { readonly kind: 'decision'; readonly value: Decision }
  | { readonly kind: 'invocation'; readonly value: InvocationRecord }
  | { readonly kind: 'fault'; readonly value: PolicyFault }
  | { readonly kind: 'state'; readonly policy: string; readonly key: string; readonly value: Json | undefined }
  | { readonly kind: 'snapshot'; readonly value: SensorSnapshot }
  | { readonly kind: 'audit'; readonly value: AuditEntry };

/** Filters for the decision log; all optional, results newest first. */
export interface DecisionQuery {
  readonly entity?: string;
  readonly policy?: string;
  readonly outcome?: DecisionOutcome;
  /** Inclusive lower bound on `at` (ms). */
  readonly from?: number;
  /** Inclusive upper bound on `at` (ms). */
  readonly to?: number;
  /** At most this many (default 100). */
  readonly limit?: number;
}

/** Filters for the invocation log; results newest first. */
export interface InvocationQuery {
  readonly entity?: string;
  readonly effector?: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
}

/**
 * Where knowledge lives. Asynchronous throughout so that the memory and Redis implementations are
 * interchangeable; the loop never awaits it to decide (see `Knowledge`, which buffers in front of it).
 */
export interface KnowledgeStore {
  /**
   * Applies writes in the given order. Rejects without applying a partial batch where the store allows. A
   * decision whose id is already stored replaces it, keeping its place in the log (coalesced records are
   * written again as their count grows; see `Decision.count`).
   */
  write(ops: readonly WriteOp[]): Promise<void>;
  queryDecisions(query: DecisionQuery): Promise<Decision[]>;
  getDecision(id: string): Promise<Decision | undefined>;
  queryInvocations(query: InvocationQuery): Promise<InvocationRecord[]>;
  queryFaults(query: { policy?: string; limit?: number }): Promise<PolicyFault[]>;
  /** The audit log, newest first (in write order), bounded by the store's retention. */
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Every policy's state: policy id -> key -> value. */
  loadPolicyStates(): Promise<Map<string, Map<string, Json>>>;
  loadSnapshots(): Promise<SensorSnapshot[]>;
  close(): Promise<void>;
}
