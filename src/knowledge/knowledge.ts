import { defer, from, merge, Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { InvocationRecord } from '../effectors/invocation.js';
import type { AuditEntry, AuditQuery } from './audit-entry.js';
import { describeError } from '../core/errors.js';
import type { Decision, PolicyFault } from './decision.js';
import type { PolicyState } from './policy-state.js';
import type { DecisionQuery, InvocationQuery, Json, KnowledgeStore, SensorSnapshot, UnreadableSnapshot, UnreadableState, WriteFence, WriteOp } from './store.js';
import { describeUnreadable, stillUnreadable } from './unreadable-state.js';
import { boundDecision, boundFault, boundInvocation, boundSnapshot } from './bounded-record.js';
import { KnowledgeUnavailableError, WriteQueue, type WriteQueueHealth, type WriteQueueOptions } from './write-queue.js';
import { Broadcast } from '../core/broadcast.js';
import { adoptBoundInvocation } from './private-invocation.js';
import { privateDecisionWrite, privateInvocationWrite } from './private-records.js';
import { boundPrivateDecision } from './private-decision.js';
import { CachedPolicyState } from './cached-policy-state.js';

/** Options of the knowledge front: those of its write queue. */
export type KnowledgeOptions = WriteQueueOptions & {
  /**
   * Writes kept for the store while it fails (Redis down or slow), in order; past it the oldest are dropped
   * (never policy state), counted and logged. Default 100 000. Same as `maxPending`.
   */
  readonly maxPendingWrites?: number;
};

/**
 * The loop's view of knowledge: records and state changes are bounded (see `bounded-record`), buffered and
 * written to the store in order, in the background, so the loop never waits on the store to decide. Policy
 * state is read from a cache loaded at `open()`. A failed write is kept and retried; one record that the store
 * refuses while it takes the others is dropped, so it never blocks the rest. Failures go to `errors$`.
 */
export class Knowledge {
  private readonly queue: WriteQueue;
  private readonly stateCache = new Map<string, Map<string, Json>>();
  private readonly decisionsSubject = new Broadcast<Decision>();
  private writable = true;
  private writeFilter: ((op: WriteOp) => boolean) | undefined;
  private writeFence: ((op: WriteOp) => WriteFence | undefined) | undefined;
  private unreadable: readonly UnreadableState[] = [];
  private readonly loadErrors = new Subject<Error>();
  /** Drops from `unreadable` the parts the store has since applied a write of (see `unreadableState`). */
  private readonly dropRewritten = (ops: readonly WriteOp[]): void => {
    this.unreadable = stillUnreadable(this.unreadable, ops);
    if (this.unreadable.length === 0) this.queue.onApplied = undefined;
  };

  constructor(
    readonly store: KnowledgeStore,
    scheduler: SchedulerLike,
    options: KnowledgeOptions = {},
  ) {
    this.queue = new WriteQueue(store, scheduler, options.maxPendingWrites === undefined ? options : { ...options, maxPending: options.maxPendingWrites });
  }

  /**
   * Loads persisted policy state into the cache; call before policies start. A part of the stored state that
   * cannot be read (see `KnowledgeStore.loadPolicyStates`) is skipped, kept in `unreadableState` and reported
   * on `errors$`; its policy runs without it.
   * @throws when the store cannot read policy state at all
   */
  async open(): Promise<void> {
    const { states } = await this.load();
    for (const [policy, values] of states) this.stateCache.set(policy, values);
  }

  /**
   * A standby instance's knowledge is read-only: its loops keep their state in the cache (warm) but write
   * nothing to the shared store, where the acting instance writes. Writes queued before the switch still go,
   * unless they were made under a lease (`setWriteFence`) that is no longer this instance's when they arrive.
   */
  setWritable(writable: boolean): void {
    this.writable = writable;
  }

  /** Whether writes reach the store (false on a standby). */
  get isWritable(): boolean {
    return this.writable;
  }

  /**
   * Replaces the cached policy state with the store's (a standby taking over reads what the leader left);
   * `only` limits it to some policies (an instance taking one shard keeps the state of those it already runs).
   */
  async reload(only?: (policy: string) => boolean): Promise<void> {
    const { states } = await this.load(only);
    for (const policy of [...this.stateCache.keys()]) if (!only || only(policy)) this.stateCache.delete(policy);
    for (const [policy, values] of states) if (!only || only(policy)) this.stateCache.set(policy, values);
  }

  /**
   * The parts of the stored policy state the last load skipped (at `open()` or a takeover's `reload()`; a
   * reload of some policies replaces what was found of those only). Each stays as it is in the store until a
   * write of its policy replaces it: a field leaves this list once the store applied a write of that field
   * (set or deleted), a policy's whole state once the store applied any write of it (the key is a hash again,
   * or gone); a later load that reads it drops it too. (A write applied while a load is under way is not
   * weighed against what that load finds: an instance writes a policy's state only after loading it.)
   */
  get unreadableState(): readonly UnreadableState[] {
    return this.unreadable;
  }

  private async load(only?: (policy: string) => boolean): Promise<{ states: Map<string, Map<string, Json>> }> {
    const found: UnreadableState[] = [];
    const states = await this.store.loadPolicyStates((part) => found.push(part));
    const mine = found.filter((part) => !only || only(part.policy));
    this.unreadable = [...this.unreadable.filter((part) => only && !only(part.policy)), ...mine];
    // the queue tells of applied writes only while a part is listed: a batch's list of writes is garbage otherwise
    this.queue.onApplied = this.unreadable.length === 0 ? undefined : this.dropRewritten;
    for (const part of mine) this.loadErrors.next(new Error(describeUnreadable(part)));
    return { states };
  }

  /**
   * Keeps only the writes `accept` passes (with shards: those of the subtrees this instance holds, so an
   * instance never records a decision another instance makes). Default: every write.
   */
  setWriteFilter(accept: ((op: WriteOp) => boolean) | undefined): void {
    this.writeFilter = accept;
  }

  /**
   * Makes every write (but audit entries) one under a lease: `fenceOf` names the lease and token this instance
   * holds for it now (with shards, the shard of the entity or policy the write is about), and the store applies
   * it only while that lease is still this instance's, so a leader that lost its lease while writes waited for
   * the store never overwrites what the new holder wrote; refused writes are dropped, counted and reported on
   * `errors$`. A write for which `fenceOf` names none is not written (it is not made under a lease this
   * instance holds). Default: no fence (a single instance).
   */
  setWriteFence(fenceOf: ((op: WriteOp) => WriteFence | undefined) | undefined): void {
    this.writeFence = fenceOf;
  }

  /**
   * Writes dropped since the start: a record the store refused on its own, past the buffer bound, or refused as
   * made under a lease this instance no longer held (see `setWriteFence`).
   */
  get dropped(): number {
    return this.queue.health().dropped;
  }

  /** Whether the store is failing (a write waits for a retry) or too many writes wait. */
  get degraded(): boolean {
    const health = this.queue.health();
    return health.failing || !health.ok;
  }

  /**
   * Store failures (each is retried), dropped writes, and parts of the stored policy state a load skipped. A
   * subscriber first gets the parts skipped by the last load before it subscribed (the one at `open()` runs
   * before the service can subscribe), then everything as it happens.
   */
  get errors$(): Observable<Error> {
    return defer(() => merge(from(this.unreadable.map((part) => new Error(describeUnreadable(part)))), this.queue.errors$, this.loadErrors));
  }

  /**
   * Every decision as it is recorded (before it reaches the store), bounded and redacted: one emission per
   * plan. A coalesced record is emitted again, with the same id and a higher `count`, for each further plan.
   * The records are immutable (frozen where their shape is the engine's), as their type says: every subscriber
   * and the store see the same one.
   */
  get decisions$(): Observable<Decision> {
    return this.decisionsSubject.stream;
  }

  /** Writes waiting for the store. */
  get pending(): number {
    return this.queue.pending;
  }

  /** Whether writes reach the store: not ok while it fails or while too many writes wait (readiness). */
  health(): WriteQueueHealth {
    return this.queue.health();
  }

  recordDecision(decision: Decision): void {
    // a record of the engine's shape is bounded into one frozen throughout, which the memory store keeps as it
    // is (see `privateDecisionWrite`); any other is bounded, and copied by the store
    const frozen = boundPrivateDecision(decision);
    const bounded = frozen ?? boundDecision(decision);
    this.push(frozen ? privateDecisionWrite(frozen) : { kind: 'decision', value: bounded });
    this.decisionsSubject.next(bounded);
  }

  /**
   * @internal records a decision the engine built bounded and frozen throughout, sharing nothing
   * (`ownDecisionRecord`, or a coalesced update of one, frozen too): stored and emitted as it is, with no copy.
   */
  _recordOwnDecision(decision: Decision): void {
    this.push(privateDecisionWrite(decision));
    this.decisionsSubject.next(decision);
  }

  recordInvocation(record: InvocationRecord): void {
    const bounded = boundInvocation(record);
    // a record nobody else holds anything of is kept by the memory store as it is (see `privateInvocationWrite`)
    this.push(adoptBoundInvocation(bounded) ? privateInvocationWrite(bounded) : { kind: 'invocation', value: bounded });
  }

  recordFault(fault: PolicyFault): void {
    this.push({ kind: 'fault', value: boundFault(fault) });
  }

  recordSnapshot(snapshot: SensorSnapshot): void {
    this.push({ kind: 'snapshot', value: boundSnapshot(snapshot) });
  }

  /**
   * Writes an audit entry (redacted and bounded by the caller, see `AuditLog`) through the same buffered
   * path. Unlike the loop's records it is written on a standby too and whatever its write filter says: it
   * records a request this instance's API took, and the audit log must not lose it.
   */
  recordAudit(entry: AuditEntry): void {
    this.queue.push({ kind: 'audit', value: entry });
  }

  /** The persistent state of one policy instance. */
  policyState(policy: string): PolicyState {
    return new CachedPolicyState(this, policy);
  }

  /** The ids of every policy state held (loaded or written since), e.g. to find the marks of invocations in flight. */
  statePolicies(): string[] {
    return [...this.stateCache.keys()];
  }

  /** @internal read from the state cache */
  _stateGet(policy: string, key: string): Json | undefined {
    return this.stateCache.get(policy)?.get(key);
  }

  /** @internal write through the state cache to the store */
  _stateSet(policy: string, key: string, value: Json | undefined): void {
    let map = this.stateCache.get(policy);
    if (value === undefined) {
      // an emptied state is forgotten: marks of invocations in flight come and go on every entity
      map?.delete(key);
      if (map?.size === 0) this.stateCache.delete(policy);
    } else {
      if (!map) this.stateCache.set(policy, (map = new Map()));
      map.set(key, value);
    }
    this.push({ kind: 'state', policy, key, value });
  }

  /** @internal keys in the state cache */
  _stateKeys(policy: string): string[] {
    return [...(this.stateCache.get(policy)?.keys() ?? [])];
  }

  /**
   * Resolves once every write buffered before the call has reached the store (or was dropped).
   * @throws KnowledgeUnavailableError while the store fails (writes are kept and retried)
   */
  async flush(): Promise<void> {
    await this.queue.flush();
  }

  /** Reads see every earlier write when the store takes writes; while it fails, they see what it has. */
  async queryDecisions(query: DecisionQuery = {}): Promise<Decision[]> {
    return this.read(() => this.store.queryDecisions(query));
  }

  async getDecision(id: string): Promise<Decision | undefined> {
    return this.read(() => this.store.getDecision(id));
  }

  async queryInvocations(query: InvocationQuery = {}): Promise<InvocationRecord[]> {
    return this.read(() => this.store.queryInvocations(query));
  }

  async queryFaults(query: { policy?: string; limit?: number } = {}): Promise<PolicyFault[]> {
    return this.read(() => this.store.queryFaults(query));
  }

  async queryAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.read(() => this.store.queryAudit(query));
  }

  /**
   * The stored snapshots of `entity`'s `sensors`: the readings written when a service last stopped (see
   * `Deployment.stop`). One the store cannot read is skipped and told to `onUnreadable`.
   * @throws KnowledgeUnavailableError when the store cannot be read
   */
  async storedSnapshots(entity: string, sensors: readonly string[], onUnreadable?: (part: UnreadableSnapshot) => void): Promise<SensorSnapshot[]> {
    return this.read(() => this.store.loadSnapshots({ entity, sensors }, onUnreadable));
  }

  /** Flushes what it can (one last try, no retry after), then closes the store. */
  async close(): Promise<void> {
    this.queue.close();
    try {
      await this.queue.flush();
    } finally {
      await this.store.close();
    }
  }

  private push(op: WriteOp): void {
    if (!this.writable || (this.writeFilter && !this.writeFilter(op))) return;
    // an audit entry records what this instance's API took: never fenced (see `recordAudit`)
    if (!this.writeFence || op.kind === 'audit') return this.queue.push(op);
    const fence = this.writeFence(op);
    if (fence) this.queue.push({ ...op, fence });
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      await this.queue.flush();
    } catch (error) {
      if (!(error instanceof KnowledgeUnavailableError)) throw error;
    }
    try {
      return await query();
    } catch (error) {
      throw new KnowledgeUnavailableError(`read failed: ${describeError(error)}`, { cause: error });
    }
  }
}
