import type { InvocationRecord } from '../effectors/invocation.js';
import { auditEntryWithin, type AuditEntry, type AuditQuery } from './audit-entry.js';
import { BoundedLog } from './bounded-log.js';
import { IdPositions } from './id-positions.js';
import { copyWriteOp } from './copy-known-record.js';
import { copyRecord } from './copy-record.js';
import { isPrivate } from './private-records.js';
import type { Decision, PolicyFault } from './decision.js';
import type { DecisionQuery, InvocationQuery, Json, KnowledgeStore, SensorSnapshot, SnapshotQuery, WriteOp } from './store.js';

/** Retention bounds of the in-memory store. */
export interface MemoryStoreOptions {
  /** Decisions kept (newest). Default 10 000. */
  readonly maxDecisions?: number;
  /** Invocation records kept. Default 10 000. */
  readonly maxInvocations?: number;
  /** Policy faults kept. Default 1 000. */
  readonly maxFaults?: number;
  /** Audit entries kept. Default 10 000. */
  readonly maxAuditEntries?: number;
}

const DEFAULT_LIMIT = 100;

/**
 * The embedded default store: everything in process memory with bounded retention. Values are copied on
 * write so that callers cannot change what was recorded, as with any out-of-process store (but for records
 * the knowledge front made and shares with nobody who can change them, see `privateInvocationWrite` and `privateDecisionWrite`). A decision
 * written again with the same id (a coalesced record, see `Decision.count`) replaces the stored one in place
 * while queries still see it (after that it is recorded again, as new).
 */
export class MemoryStore implements KnowledgeStore {
  private readonly decisions: BoundedLog<Decision>;
  /** Where each decision the log shows is in it: a coalesced update replaces the value and keeps the place. */
  private readonly decisionPositions: IdPositions<Decision>;
  private readonly invocations: BoundedLog<InvocationRecord>;
  private readonly faults: BoundedLog<PolicyFault>;
  private readonly audit: BoundedLog<AuditEntry>;
  private readonly states = new Map<string, Map<string, Json>>();
  private readonly snapshots = new Map<string, SensorSnapshot>();

  constructor(options: MemoryStoreOptions = {}) {
    this.decisions = new BoundedLog(options.maxDecisions ?? 10_000);
    this.decisionPositions = new IdPositions(this.decisions, (decision) => decision.id);
    this.invocations = new BoundedLog(options.maxInvocations ?? 10_000);
    this.faults = new BoundedLog(options.maxFaults ?? 1_000);
    this.audit = new BoundedLog(options.maxAuditEntries ?? 10_000);
  }

  /**
   * Copies every op first, then applies them: an op that cannot be copied rejects the batch with nothing applied.
   * Keeps no leases: a write's `fence` is not checked (instances share leases through Redis only).
   */
  async write(ops: readonly WriteOp[]): Promise<void> {
    const copies = new Array<WriteOp>(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as WriteOp;
      // a record the knowledge front made and shares with nobody needs no copy of its own (see `privateInvocationWrite`, `privateDecisionWrite`)
      copies[i] = isPrivate(op) ? op : copyWriteOp(op);
    }
    for (let i = 0; i < copies.length; i++) this.apply(copies[i] as WriteOp);
  }

  async queryDecisions(query: DecisionQuery): Promise<Decision[]> {
    return this.decisions
      .newestFirst(
        (d) =>
          (query.entity === undefined || d.entity === query.entity) &&
          (query.policy === undefined || d.policy === query.policy) &&
          (query.outcome === undefined || d.outcome === query.outcome) &&
          (query.from === undefined || (d.lastAt ?? d.at) >= query.from) &&
          (query.to === undefined || d.at <= query.to),
        query.limit ?? DEFAULT_LIMIT,
      )
      .map((decision) => copyDecisionOut(decision));
  }

  async getDecision(id: string): Promise<Decision | undefined> {
    const position = this.decisionPositions.find(id);
    const decision = position === undefined ? undefined : this.decisions.at(position);
    return decision && copyDecisionOut(decision);
  }

  async queryInvocations(query: InvocationQuery): Promise<InvocationRecord[]> {
    return this.invocations
      .newestFirst(
      (r) =>
        (query.entity === undefined || r.entity === query.entity) &&
        (query.effector === undefined || r.effector === query.effector) &&
        (query.from === undefined || r.at >= query.from) &&
        (query.to === undefined || r.at <= query.to),
        query.limit ?? DEFAULT_LIMIT,
      )
      .map((record) => copyInvocationOut(record));
  }

  async queryFaults(query: { policy?: string; limit?: number }): Promise<PolicyFault[]> {
    return this.faults.newestFirst((f) => query.policy === undefined || f.policy === query.policy, query.limit ?? DEFAULT_LIMIT).map((f) => copyRecord(f));
  }

  async queryAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.audit.newestFirst((e) => auditEntryWithin(e, query.within), query.limit ?? DEFAULT_LIMIT).map((e) => copyRecord(e));
  }

  async loadPolicyStates(): Promise<Map<string, Map<string, Json>>> {
    return structuredClone(this.states);
  }

  async loadSnapshots(query?: SnapshotQuery): Promise<SensorSnapshot[]> {
    const found = query === undefined ? [...this.snapshots.values()] : query.sensors.flatMap((sensor) => this.snapshots.get(`${query.entity}\u0000${sensor}`) ?? []);
    return found.map((s) => structuredClone(s));
  }

  async close(): Promise<void> {}

  private apply(op: WriteOp): void {
    switch (op.kind) {
      case 'decision': {
        const decision = op.value; // bounded and copied by Knowledge before it gets here
        // a decision with a known id is a coalesced record's update: replaced where it stands
        this.decisionPositions.write(decision);
        return;
      }
      case 'invocation':
        this.invocations.append(op.value);
        return;
      case 'fault':
        this.faults.append(op.value);
        return;
      case 'audit':
        this.audit.append(op.value);
        return;
      case 'state': {
        const policyState = this.states.get(op.policy) ?? new Map<string, Json>();
        if (op.value === undefined) policyState.delete(op.key);
        else policyState.set(op.key, op.value);
        this.states.set(op.policy, policyState);
        return;
      }
      case 'snapshot':
        this.snapshots.set(`${op.value.entity}\u0000${op.value.sensor}`, op.value);
        return;
    }
  }
}

/**
 * A reader's own copy of a stored decision: what a query returns can be changed by its reader without
 * changing what was recorded, as with any out-of-process store (the same copy the store makes on write).
 */
function copyDecisionOut(decision: Decision): Decision {
  const op = copyWriteOp({ kind: 'decision', value: decision });
  return op.kind === 'decision' ? op.value : decision;
}

/** A reader's own copy of a stored invocation record (see `copyDecisionOut`). */
function copyInvocationOut(record: InvocationRecord): InvocationRecord {
  const op = copyWriteOp({ kind: 'invocation', value: record });
  return op.kind === 'invocation' ? op.value : record;
}
