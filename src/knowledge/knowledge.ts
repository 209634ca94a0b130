import { Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { InvocationRecord } from '../effectors/invocation.js';
import { describeError } from '../core/errors.js';
import type { Decision, PolicyFault } from './decision.js';
import type { PolicyState } from './policy-state.js';
import type { DecisionQuery, InvocationQuery, Json, KnowledgeStore, SensorSnapshot, WriteOp } from './store.js';

/** Options of the knowledge front. */
export interface KnowledgeOptions {
  /** First retry delay after a failed flush (ms, doubling up to 30 s). Default 500. */
  readonly retryDelayMs?: number;
  /**
   * Writes kept for the store while it fails (Redis down or slow), in order. Above it, new writes are dropped,
   * counted (`dropped`) and reported once per outage on `errors$`. Default 100 000.
   */
  readonly maxPendingWrites?: number;
}

/**
 * The loop's view of knowledge: records and state changes are buffered and written to the store in order,
 * in the background, so the loop never waits on the store to decide. Policy state is read from a cache
 * loaded at `open()`. A failed write is kept and retried (nothing is lost); failures are reported on `errors$`.
 */
export class Knowledge {
  private readonly buffer: WriteOp[] = [];
  private readonly stateCache = new Map<string, Map<string, Json>>();
  private readonly errorsSubject = new Subject<Error>();
  private readonly decisionsSubject = new Subject<Decision>();
  private flushing: Promise<void> | undefined;
  private retryTimer: Subscription | undefined;
  private retryDelayMs: number;
  private writable = true;
  private writeFilter: ((op: WriteOp) => boolean) | undefined;
  private readonly firstRetryDelayMs: number;
  private readonly maxPending: number;
  private droppedCount = 0;
  private droppingNow = false;

  constructor(
    readonly store: KnowledgeStore,
    private readonly scheduler: SchedulerLike,
    options: KnowledgeOptions = {},
  ) {
    this.firstRetryDelayMs = options.retryDelayMs ?? 500;
    this.retryDelayMs = this.firstRetryDelayMs;
    this.maxPending = options.maxPendingWrites ?? 100_000;
  }

  /** Loads persisted policy state into the cache; call before policies start. */
  async open(): Promise<void> {
    const states = await this.store.loadPolicyStates();
    for (const [policy, values] of states) this.stateCache.set(policy, values);
  }

  /**
   * A standby instance's knowledge is read-only: its loops keep their state in the cache (warm) but write
   * nothing to the shared store, where the acting instance writes. Pending writes are dropped on the switch.
   */
  setWritable(writable: boolean): void {
    this.writable = writable;
    if (!writable) this.buffer.length = 0;
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
    const states = await this.store.loadPolicyStates();
    for (const policy of [...this.stateCache.keys()]) if (!only || only(policy)) this.stateCache.delete(policy);
    for (const [policy, values] of states) if (!only || only(policy)) this.stateCache.set(policy, values);
  }

  /**
   * Keeps only the writes `accept` passes (with shards: those of the subtrees this instance holds, so an
   * instance never records a decision another instance makes). Default: every write.
   */
  setWriteFilter(accept: ((op: WriteOp) => boolean) | undefined): void {
    this.writeFilter = accept;
  }

  /** Store failures (each is retried). */
  get errors$(): Observable<Error> {
    return this.errorsSubject.asObservable();
  }

  /**
   * Every decision as it is recorded (before it reaches the store): one emission per plan. A coalesced
   * record is emitted again, with the same id and a higher `count`, for each further plan it stands for.
   */
  get decisions$(): Observable<Decision> {
    return this.decisionsSubject.asObservable();
  }

  /** Writes dropped since the start because the buffer was full (the store failed for too long). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Whether the store is failing: a write is waiting for a retry, or writes were dropped since the last success. */
  get degraded(): boolean {
    return this.retryTimer !== undefined || this.droppingNow;
  }

  /** Writes waiting for the store. */
  get pending(): number {
    return this.buffer.length;
  }

  recordDecision(decision: Decision): void {
    this.enqueue({ kind: 'decision', value: decision });
    this.decisionsSubject.next(decision);
  }

  recordInvocation(record: InvocationRecord): void {
    this.enqueue({ kind: 'invocation', value: record });
  }

  recordFault(fault: PolicyFault): void {
    this.enqueue({ kind: 'fault', value: fault });
  }

  recordSnapshot(snapshot: SensorSnapshot): void {
    this.enqueue({ kind: 'snapshot', value: snapshot });
  }

  /** The persistent state of one policy instance. */
  policyState(policy: string): PolicyState {
    return new CachedPolicyState(this, policy);
  }

  /** @internal read from the state cache */
  _stateGet(policy: string, key: string): Json | undefined {
    return this.stateCache.get(policy)?.get(key);
  }

  /** @internal write through the state cache to the store */
  _stateSet(policy: string, key: string, value: Json | undefined): void {
    let map = this.stateCache.get(policy);
    if (value === undefined) map?.delete(key);
    else {
      if (!map) this.stateCache.set(policy, (map = new Map()));
      map.set(key, value);
    }
    this.enqueue({ kind: 'state', policy, key, value });
  }

  /** @internal keys in the state cache */
  _stateKeys(policy: string): string[] {
    return [...(this.stateCache.get(policy)?.keys() ?? [])];
  }

  /** Resolves once every write buffered before the call has reached the store. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.flushing) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
      if (this.retryTimer) throw new Error('knowledge store is failing; writes are kept and retried');
    }
  }

  /** Reads see every earlier write: pending writes are flushed first. */
  async queryDecisions(query: DecisionQuery = {}): Promise<Decision[]> {
    await this.flush();
    return this.store.queryDecisions(query);
  }

  async getDecision(id: string): Promise<Decision | undefined> {
    await this.flush();
    return this.store.getDecision(id);
  }

  async queryInvocations(query: InvocationQuery = {}): Promise<InvocationRecord[]> {
    await this.flush();
    return this.store.queryInvocations(query);
  }

  async queryFaults(query: { policy?: string; limit?: number } = {}): Promise<PolicyFault[]> {
    await this.flush();
    return this.store.queryFaults(query);
  }

  /** Flushes what it can, then closes the store. */
  async close(): Promise<void> {
    this.retryTimer?.unsubscribe();
    this.retryTimer = undefined;
    try {
      await this.flush();
    } finally {
      await this.store.close();
    }
  }

  private enqueue(op: WriteOp): void {
    if (!this.writable || (this.writeFilter && !this.writeFilter(op))) return;
    if (this.buffer.length >= this.maxPending) {
      this.droppedCount++;
      if (!this.droppingNow) this.errorsSubject.next(new Error(`knowledge store: ${this.maxPending} writes are waiting; dropping new ones until the store answers`));
      this.droppingNow = true;
      return;
    }
    this.buffer.push(op);
    if (!this.flushing && !this.retryTimer) queueMicrotask(() => this.startFlush());
  }

  private startFlush(): void {
    if (this.flushing || this.retryTimer || this.buffer.length === 0) return;
    const batch = this.buffer.slice();
    this.flushing = this.store.write(batch).then(
      () => {
        this.buffer.splice(0, batch.length);
        this.retryDelayMs = this.firstRetryDelayMs;
        this.droppingNow = false;
        this.flushing = undefined;
        if (this.buffer.length > 0) this.startFlush();
      },
      (error: unknown) => {
        this.flushing = undefined;
        this.errorsSubject.next(error instanceof Error ? error : new Error(describeError(error)));
        this.retryTimer = this.scheduler.schedule(() => {
          this.retryTimer = undefined;
          this.startFlush();
        }, this.retryDelayMs);
        this.retryDelayMs = Math.min(30_000, this.retryDelayMs * 2);
      },
    );
  }
}

/** A policy's view of its state: reads from the knowledge cache, writes through the ordered buffer. */
class CachedPolicyState implements PolicyState {
  constructor(
    private readonly knowledge: Knowledge,
    private readonly policy: string,
  ) {}

  get<T extends Json>(key: string): T | undefined {
    return this.knowledge._stateGet(this.policy, key) as T | undefined;
  }

  set(key: string, value: Json | undefined): void {
    this.knowledge._stateSet(this.policy, key, value);
  }

  keys(): string[] {
    return this.knowledge._stateKeys(this.policy);
  }
}
