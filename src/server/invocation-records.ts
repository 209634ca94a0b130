import { HomeostatError } from '../core/errors.js';
import { MinHeap } from '../core/min-heap.js';
import type { ApiInvocation } from './context.js';

/** Thrown when every kept invocation is still running and the record is full: the caller should retry. */
export class InvocationRecordsFullError extends HomeostatError {
  constructor(readonly capacity: number) {
    super('E_BUSY', `${capacity} effector invocations started through the API are still running; retry when some finish`, { retryable: true });
  }
}

/** How an invocation ended: what `settle` writes into its entry. */
export type InvocationOutcome =
  | { readonly status: 'succeeded'; readonly result: unknown }
  | { readonly status: 'failed'; readonly error: string; readonly code: string };

/** One kept invocation and its place in the order of arrival. */
interface Kept {
  readonly id: string;
  readonly entry: ApiInvocation;
  readonly order: number;
}

/**
 * The API's record of effector invocations, kept for polling and bounded: past its capacity the oldest
 * finished invocation (oldest by when it was added) is forgotten, and when every kept invocation is still
 * running a new one is refused (rather than growing for ever with invocations that never end).
 *
 * Finished invocations wait in a heap by order of arrival, so making room costs O(log n) however many
 * invocations are still running (a walk in order of arrival passed every running one, on every add at
 * capacity). The heap learns of an ending through `settle`; an entry removed by `delete` leaves its heap
 * node behind, skipped when it comes up and swept once such nodes outnumber the kept invocations.
 */
export class InvocationRecords {
  private readonly entries = new Map<string, Kept>();
  private finished = new MinHeap<Kept>((kept) => kept.order);
  private arrivals = 0;

  constructor(readonly capacity = 10_000) {}

  /**
   * Keeps a new invocation under a new id, forgetting the oldest finished one when at capacity.
   * @throws InvocationRecordsFullError when all kept invocations are running
   */
  add(id: string, entry: ApiInvocation): void {
    if (this.entries.size >= this.capacity) {
      this.forgetOldestFinished();
      if (this.entries.size >= this.capacity) throw new InvocationRecordsFullError(this.capacity);
    }
    const kept: Kept = { id, entry, order: this.arrivals++ };
    this.entries.set(id, kept);
    if (entry.status !== 'running') this.finished.push(kept);
  }

  /**
   * Writes how the invocation `id` ended into `entry` (its kept entry) and lets it be forgotten from then on.
   * @returns the entry, with the outcome
   */
  settle(id: string, entry: ApiInvocation, outcome: InvocationOutcome): ApiInvocation {
    const wasRunning = entry.status === 'running';
    Object.assign(entry, outcome);
    const kept = this.entries.get(id);
    if (wasRunning && kept?.entry === entry) this.finished.push(kept);
    return entry;
  }

  get(id: string): ApiInvocation | undefined {
    return this.entries.get(id)?.entry;
  }

  delete(id: string): void {
    this.entries.delete(id);
    if (this.finished.size > 2 * this.entries.size + 8) this.sweep();
  }

  /** Number of invocations kept. */
  get size(): number {
    return this.entries.size;
  }

  private forgetOldestFinished(): void {
    for (let kept = this.finished.pop(); kept; kept = this.finished.pop()) {
      if (this.entries.get(kept.id) !== kept) continue; // deleted meanwhile
      this.entries.delete(kept.id);
      return;
    }
  }

  /** Drops the heap nodes of deleted invocations. */
  private sweep(): void {
    const live = new MinHeap<Kept>((kept) => kept.order);
    for (let kept = this.finished.pop(); kept; kept = this.finished.pop()) if (this.entries.get(kept.id) === kept) live.push(kept);
    this.finished = live;
  }
}
