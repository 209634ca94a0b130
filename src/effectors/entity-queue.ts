import { ChurnMap } from '../core/churn-map.js';
import { KeyedClaim } from './keyed-claim.js';

/**
 * Serializes work per key: at most one task runs per entity, the rest wait in arrival order.
 * A failed task does not block the ones after it.
 */
export class KeyedQueue {
  // an entity's key is claimed and released at every invocation: a map that keeps released slots (see `ChurnMap`)
  private readonly tails = new ChurnMap<string, Promise<unknown> | KeyedClaim>();

  /** Runs `task` after every task queued (or claim taken) before it under `key`. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const held = this.tails.get(key);
    const previous = held === undefined ? Promise.resolve() : held instanceof KeyedClaim ? held.done : held;
    const next = previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /**
   * Takes a free key for work run outside the queue (no promise made): tasks queued meanwhile wait for
   * `release`. Undefined when the key is busy (the work must queue instead).
   */
  claim(key: string): KeyedClaim | undefined {
    if (this.tails.has(key)) return undefined;
    const claim = new KeyedClaim();
    this.tails.set(key, claim);
    return claim;
  }

  /** Ends a claim taken with `claim`. */
  release(key: string, claim: KeyedClaim): void {
    if (this.tails.get(key) === claim) this.tails.delete(key);
    claim.release();
  }

  /** True when a task is running or waiting under `key`. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
