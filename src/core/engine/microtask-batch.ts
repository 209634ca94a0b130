/** Work run by a `MicrotaskBatch`. */
export interface Deferred {
  /** Runs the deferred work; must not throw (a throw is reported and the batch goes on). */
  runDeferred(): void;
}

/**
 * Runs deferred work in one microtask for many items, in the order they were added: plans started during
 * one sensor reading (or one batch of readings) execute after the reading's call returns, as effectors
 * always do, without one promise chain per plan. Work added while the batch runs joins the same batch.
 */
export class MicrotaskBatch {
  private items: Deferred[] = [];
  private scheduled = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Runs `item.runDeferred()` in a microtask after the current call stack. */
  add(item: Deferred): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    // items added while draining are run by this loop (index walks a growing array)
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      try {
        (items[i] as Deferred).runDeferred();
      } catch (error) {
        this.onError(error);
      }
    }
    this.items = [];
    this.scheduled = false;
  }
}
