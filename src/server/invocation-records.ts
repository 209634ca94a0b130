import { HomeostatError } from '../core/errors.js';
import type { ApiInvocation } from './context.js';

/** Thrown when every kept invocation is still running and the record is full: the caller should retry. */
export class InvocationRecordsFullError extends HomeostatError {
  constructor(readonly capacity: number) {
    super('E_BUSY', `${capacity} effector invocations started through the API are still running; retry when some finish`, { retryable: true });
  }
}

/**
 * The API's record of effector invocations, kept for polling and bounded: past its capacity the oldest
 * finished invocations are forgotten, and when every kept invocation is still running a new one is refused
 * (rather than growing for ever with invocations that never end).
 */
export class InvocationRecords {
  private readonly entries = new Map<string, ApiInvocation>();

  constructor(readonly capacity = 10_000) {}

  /**
   * Keeps a new invocation, forgetting the oldest finished ones past the capacity.
   * @throws InvocationRecordsFullError when all kept invocations are running
   */
  add(id: string, entry: ApiInvocation): void {
    if (this.entries.size >= this.capacity) {
      for (const [key, value] of this.entries) {
        if (this.entries.size < this.capacity) break;
        if (value.status !== 'running') this.entries.delete(key);
      }
      if (this.entries.size >= this.capacity) throw new InvocationRecordsFullError(this.capacity);
    }
    this.entries.set(id, entry);
  }

  get(id: string): ApiInvocation | undefined {
    return this.entries.get(id);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  /** Number of invocations kept. */
  get size(): number {
    return this.entries.size;
  }
}
