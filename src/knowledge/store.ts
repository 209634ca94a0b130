import type { InvocationRecord } from '../effectors/invocation.js';
import type { AuditEntry, AuditQuery } from './audit-entry.js';
import type { Decision, DecisionOutcome, PolicyFault } from './decision.js';

/** A JSON-serializable value: what policy state may hold (it must survive a restart through any store). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A part of the stored policy state that a load skipped: left as it is in the store, and not in the state loaded. */
export interface UnreadableState {
  /** The policy whose state it is. */
  readonly policy: string;
  /** Where it is in the store (for Redis, the key). */
  readonly key: string;
  /** The field skipped; absent when the policy's whole state was skipped. */
  readonly field?: string;
  /** What is wrong with it, one sentence. */
  readonly problem: string;
}

/** The latest reading of one sensor, kept so a restarted service knows what it last saw. */
export interface SensorSnapshot {
  readonly entity: string;
  readonly sensor: string;
  readonly value: unknown;
  readonly at: number;
}

/** Which stored snapshots to read: those of one entity's sensors named here. */
export interface SnapshotQuery {
  readonly entity: string;
  readonly sensors: readonly string[];
}

/** A stored snapshot a read skipped (left as it is in the store): where it is and what is wrong with it. */
export interface UnreadableSnapshot {
  /** Where it is in the store (for Redis, the key). */
  readonly key: string;
  /** The entity and sensor it is stored under. */
  readonly entity: string;
  readonly sensor: string;
  /** What is wrong with it, one sentence. */
  readonly problem: string;
}

/**
 * The lease a write was made under (see `Knowledge.setWriteFence`): a store that keeps leases (Redis) applies
 * the write only while that lease is still held by `owner` under `token`, checked with the write itself.
 */
export interface WriteFence {
  /** The lease's name: `root` for the whole tree, else a shard. */
  readonly lease: string;
  /** The instance that held it when it wrote. */
  readonly owner: string;
  /** The fencing token it held it under. */
  readonly token: number;
}

/**
 * One buffered write. The store applies a batch in order. `fence`, when set, is the lease the write was made
 * under: a store that keeps leases refuses the write once that lease is no longer the writer's.
 */
export type WriteOp = (
  | { readonly kind: 'decision'; readonly value: Decision }
  | { readonly kind: 'invocation'; readonly value: InvocationRecord }
  | { readonly kind: 'fault'; readonly value: PolicyFault }
  | { readonly kind: 'state'; readonly policy: string; readonly key: string; readonly value: Json | undefined }
  | { readonly kind: 'snapshot'; readonly value: SensorSnapshot }
  | { readonly kind: 'audit'; readonly value: AuditEntry }
) & { readonly fence?: WriteFence };

/** Writes of one batch a store refused, not applied, because the lease they were made under is no longer the writer's. */
export interface FencedWrites {
  /** The lease they were made under. */
  readonly fence: WriteFence;
  /** The writes, in order. */
  readonly ops: readonly WriteOp[];
  /** Who holds that lease now, as the store saw it when it refused them; undefined when nobody does. */
  readonly holder?: { readonly owner: string; readonly token: number };
}

/** What a write did besides applying the batch: the writes it refused (every other write was applied). */
export interface WriteResult {
  readonly refused: readonly FencedWrites[];
}

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
   * written again as their count grows; see `Decision.count`). A store that keeps leases applies a write with
   * a `fence` only while its lease is still the writer's, and resolves with the writes it refused (all those
   * of one lease in the batch, or none of them); a store without leases ignores fences and may resolve with nothing.
   * The ops and their values are the writer's: a store reads or copies them and never changes them (the engine's
   * decisions arrive frozen, shared with every subscriber of `decisions$`).
   */
  write(ops: readonly WriteOp[]): Promise<WriteResult | void>;
  queryDecisions(query: DecisionQuery): Promise<Decision[]>;
  getDecision(id: string): Promise<Decision | undefined>;
  queryInvocations(query: InvocationQuery): Promise<InvocationRecord[]>;
  queryFaults(query: { policy?: string; limit?: number }): Promise<PolicyFault[]>;
  /** The audit log, newest first (in write order), bounded by the store's retention. */
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /**
   * Every policy's state: policy id -> key -> value. A store whose stored state can be damaged from outside
   * (Redis) skips what it cannot read (one field, or one policy's whole state) and tells `onUnreadable` about
   * each part skipped, leaving it as stored; it rejects only when it cannot read state at all.
   */
  loadPolicyStates(onUnreadable?: (part: UnreadableState) => void): Promise<Map<string, Map<string, Json>>>;
  /**
   * The stored snapshots (the readings a service wrote as it last stopped): those of `query`'s sensors, or
   * every one when it is omitted (for tools and tests: a service reads one entity's at a time). A store whose
   * snapshots can be damaged from outside (Redis) skips what it cannot read and tells `onUnreadable`.
   */
  loadSnapshots(query?: SnapshotQuery, onUnreadable?: (part: UnreadableSnapshot) => void): Promise<SensorSnapshot[]>;
  close(): Promise<void>;
}
