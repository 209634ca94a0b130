import { Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { HomeostatError, describeError } from '../core/errors.js';
import type { KnowledgeStore, WriteOp, WriteResult } from './store.js';
import { DeadFences } from './dead-fences.js';
import { describeFenced, describeOp, fenceId } from './write-descriptions.js';

/** Bounds and timing of the write queue. */
export interface WriteQueueOptions {
  /** First retry delay after a failed write (ms, doubling up to 30 s). Default 500. */
  readonly retryDelayMs?: number;
  /**
   * Failures of one write on its own before it is checked for being the culprit: the write after it is
   * tried alone, and when that one succeeds the failing write is dropped (counted and reported). Default 3.
   */
  readonly isolatedAttempts?: number;
  /** Pending writes above which the queue reports itself unhealthy (readiness). Default 10 000. */
  readonly readyBound?: number;
  /** Pending writes kept at most; past it the oldest records (never policy state) are dropped. Default 100 000. */
  readonly maxPending?: number;
  /**
   * Writes sent to the store in one batch at most. Default 500. A backlog goes as several batches, in order: one
   * batch of everything waiting could outlast the store's command timeout (Redis: 1 s), fail, and be retried
   * whole for ever while the backlog grows.
   */
  readonly maxBatch?: number;
}

/** The queue's health, for readiness. */
export interface WriteQueueHealth {
  readonly ok: boolean;
  /** Why it is not ok, one sentence. */
  readonly reason?: string;
  readonly pending: number;
  /**
   * Writes dropped since start: rejected on their own by a store that took others, past `maxPending`, or refused
   * as made under a lease their writer no longer holds (`fenced`).
   */
  readonly dropped: number;
  /** Of `dropped`, the writes the store refused because the lease they were made under was no longer their writer's. */
  readonly fenced: number;
  /** True from a failed write until the next write succeeds. */
  readonly failing: boolean;
}

interface Entry {
  readonly op: WriteOp;
  failures: number;
}

/**
 * The ordered, buffered path from records to the store. A write that fails is retried with backoff on the
 * scheduler; while the store fails, writes are kept (bounded). One write that the store rejects while it
 * accepts the others (a poisoned record) is dropped after a few tries, so it never blocks the queue behind it.
 */
export class WriteQueue {
  private entries: Entry[] = [];
  private readonly errorsSubject = new Subject<Error>();
  private flushing: Promise<void> | undefined;
  private retryTimer: Subscription | undefined;
  private isolating = false;
  private closed = false;
  /** A microtask to start writing is queued: writes pushed meanwhile need no other (one per burst, not per write). */
  private startQueued = false;
  private droppedCount = 0;
  private fencedCount = 0;
  /**
   * Leases (name, owner and token) the store refused a write under: that lease is no longer its writer's, and
   * a token never comes back, so every write made under it is refused too and dropped without being sent.
   */
  private readonly deadFences = new DeadFences();
  private lastError: string | undefined;
  private retryDelayMs: number;
  private readonly firstRetryDelayMs: number;
  private readonly isolatedAttempts: number;
  private readonly readyBound: number;
  private readonly maxPending: number;
  private readonly maxBatch: number;

  /** Told of the writes the store applied (not those refused as fenced), batch by batch; unset, nothing is made for it. */
  onApplied: ((ops: readonly WriteOp[]) => void) | undefined;

  constructor(private readonly store: KnowledgeStore, private readonly scheduler: SchedulerLike, options: WriteQueueOptions = {}) {
    this.firstRetryDelayMs = options.retryDelayMs ?? 500;
    this.retryDelayMs = this.firstRetryDelayMs;
    this.isolatedAttempts = Math.max(1, options.isolatedAttempts ?? 3);
    this.readyBound = options.readyBound ?? 10_000;
    this.maxPending = Math.max(1, options.maxPending ?? 100_000);
    this.maxBatch = Math.max(1, options.maxBatch ?? 500);
  }

  /** Store failures and dropped writes. */
  get errors$(): Observable<Error> {
    return this.errorsSubject.asObservable();
  }

  /** Writes waiting for the store (including one in flight). */
  get pending(): number {
    return this.entries.length;
  }

  /** Whether writes reach the store, for readiness: not ok while it fails or while too many writes wait. */
  health(): WriteQueueHealth {
    const failing = this.lastError !== undefined;
    const base = { pending: this.entries.length, dropped: this.droppedCount, fenced: this.fencedCount, failing };
    if (failing) return { ...base, ok: false, reason: `the knowledge store is failing: ${this.lastError}` };
    if (this.entries.length > this.readyBound) return { ...base, ok: false, reason: `${this.entries.length} writes wait for the knowledge store (bound ${this.readyBound})` };
    return { ...base, ok: true };
  }

  /** Queues a write; it reaches the store in order, in the background. Never blocks, never throws. */
  push(op: WriteOp): void {
    if (op.fence && this.deadFences.has(op.fence)) {
      // reported with the first refusal under this lease and token; counted here
      this.droppedCount++;
      this.fencedCount++;
      return;
    }
    this.entries.push({ op, failures: 0 });
    if (this.entries.length > this.maxPending) this.shed();
    if (!this.flushing && !this.retryTimer && !this.closed) this.queueStart();
  }

  /** Starts writing in a microtask, once for every write pushed before it runs. */
  private queueStart(): void {
    if (this.startQueued) return;
    this.startQueued = true;
    queueMicrotask(this.queuedStart);
  }

  private readonly queuedStart = (): void => {
    this.startQueued = false;
    this.start();
  };

  /**
   * Resolves once every write queued before the call has reached the store (or was dropped).
   * @throws KnowledgeUnavailableError while the store fails (the writes are kept and retried)
   */
  async flush(): Promise<void> {
    // only the writes queued before the call: waiting for an empty queue never ends while writes keep coming
    // (an instance taking a shard flushes while its loops write decisions many times a second)
    const before = new Set(this.entries);
    while (this.entries.some((e) => before.has(e))) {
      // while a retry waits, say so at once: forcing a write per caller would defeat the backoff
      if (this.retryTimer || (this.closed && this.lastError !== undefined && !this.flushing)) throw new KnowledgeUnavailableError(this.lastError ?? 'failing');
      if (!this.flushing) this.start();
      await this.flushing;
    }
  }

  /** Stops retrying: one last flush is tried by the caller; nothing is scheduled after this. */
  close(): void {
    this.closed = true;
    this.retryTimer?.unsubscribe();
    this.retryTimer = undefined;
  }

  private start(): void {
    if (this.flushing || this.retryTimer || this.entries.length === 0) return;
    const batch = this.entries.slice(0, this.isolating ? 1 : this.maxBatch);
    this.flushing = this.written(batch.map((e) => e.op)).then(
      (result) => this.succeeded(batch, result),
      (error: unknown) => this.failed(batch, error),
    );
  }

  /**
   * The store's write as a promise: a store that throws from `write` itself (or returns no promise) fails like
   * one that rejects, where the throw escaped from a microtask and ended the process.
   */
  private written(ops: readonly WriteOp[]): Promise<WriteResult | void> {
    try {
      return Promise.resolve(this.store.write(ops));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private succeeded(batch: Entry[], result: WriteResult | void): void {
    this.remove(batch);
    if (this.onApplied) this.applied(batch.map((e) => e.op), result);
    this.refused(result);
    this.lastError = undefined;
    this.isolating = false;
    this.retryDelayMs = this.firstRetryDelayMs;
    this.flushing = undefined;
    if (this.entries.length > 0) this.start();
  }

  private failed(batch: Entry[], error: unknown): void {
    this.flushing = undefined;
    const failure = error instanceof Error ? error : new Error(describeError(error));
    this.lastError = failure.message;
    this.errorsSubject.next(failure);
    const head = batch[0];
    if (this.isolating && head && batch.length === 1 && ++head.failures >= this.isolatedAttempts && this.entries.length > 1) {
      // is the head the culprit? try the write after it alone: when the store takes that one, it works
      return void (this.flushing = this.probe(head));
    }
    this.isolating = true;
    this.scheduleRetry();
  }

  private async probe(head: Entry): Promise<void> {
    const next = this.entries[1];
    try {
      if (!next) return;
      const result = await this.written([next.op]);
      this.remove([next]);
      if (this.onApplied) this.applied([next.op], result);
      this.drop(head, `a write of ${describeOp(head.op)} failed ${head.failures} times while the store took others; it is dropped (${this.lastError})`);
      this.refused(result);
      this.lastError = undefined;
      this.retryDelayMs = this.firstRetryDelayMs;
    } catch {
      this.scheduleRetry();
    } finally {
      this.flushing = undefined;
      if (!this.retryTimer && this.entries.length > 0 && !this.closed) this.queueStart();
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryTimer = this.scheduler.schedule(() => {
      this.retryTimer = undefined;
      this.start();
    }, this.retryDelayMs);
    this.retryDelayMs = Math.min(30_000, this.retryDelayMs * 2);
  }

  /** Tells `onApplied` of the writes of `ops` the store took: all but those it refused as fenced. */
  private applied(ops: readonly WriteOp[], result: WriteResult | void): void {
    const refused = new Set(result?.refused.flatMap((group) => group.ops));
    this.onApplied?.(refused.size === 0 ? ops : ops.filter((op) => !refused.has(op)));
  }

  /** Drops the oldest record past the bound; policy state is kept, since a policy needs it to resume. */
  private shed(): void {
    const index = this.entries.findIndex((e) => e.op.kind !== 'state');
    const victim = this.entries[index];
    if (victim) this.drop(victim, `more than ${this.maxPending} writes wait for the knowledge store; the oldest (${describeOp(victim.op)}) is dropped`);
  }

  /**
   * Counts and reports the writes a store refused as made under a lease their writer no longer holds: they
   * were taken out of the queue with their batch and are never tried again (applied later, they would land on
   * what the lease's new holder wrote). The writes still waiting under the same lease and token go with them,
   * unsent (the store would refuse them too), and so does every later one: one report per lease and token.
   */
  private refused(result: WriteResult | void): void {
    for (const group of result?.refused ?? []) {
      if (group.ops.length === 0) continue;
      const id = fenceId(group.fence);
      this.deadFences.add(group.fence);
      const waiting = this.entries.filter((e) => e.op.fence !== undefined && fenceId(e.op.fence) === id);
      if (waiting.length > 0) this.remove(waiting);
      const ops = [...group.ops, ...waiting.map((e) => e.op)];
      this.droppedCount += ops.length;
      this.fencedCount += ops.length;
      this.errorsSubject.next(new WriteFencedError(describeFenced({ ...group, ops })));
    }
  }

  private drop(entry: Entry, message: string): void {
    this.remove([entry]);
    this.droppedCount++;
    this.errorsSubject.next(new WriteDroppedError(message));
  }

  private remove(done: readonly Entry[]): void {
    // usually the batch is the head of the queue (not when records were shed while it was written)
    if (done.every((entry, i) => this.entries[i] === entry)) return void this.entries.splice(0, done.length);
    const set = new Set(done);
    this.entries = this.entries.filter((e) => !set.has(e));
  }
}

/** The knowledge store fails; writes are kept and retried. Retryable; the API answers 503. */
export class KnowledgeUnavailableError extends HomeostatError {
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super('E_KNOWLEDGE_UNAVAILABLE', `knowledge store is failing; writes are kept and retried (${detail})`, { retryable: true, ...options });
  }
}

/** A write that was dropped: the store refused it alone, or the queue was past its bound. */
export class WriteDroppedError extends HomeostatError {
  constructor(message: string) {
    super('E_WRITE_DROPPED', message);
  }
}

/**
 * Writes the store refused because the lease they were made under is no longer their writer's (a leader that
 * lost its lease while they waited): dropped, so that they never land on what the lease's new holder wrote.
 */
export class WriteFencedError extends HomeostatError {
  constructor(message: string) {
    super('E_WRITE_FENCED', message);
  }
}
