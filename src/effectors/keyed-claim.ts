/**
 * An entity of an `EntityQueue` taken by work that runs outside the queue's promise chain (an invocation run at
 * once): tasks queued behind it wait for `release`. Its promise is made only when a task queues behind it.
 */
export class KeyedClaim {
  private promise: Promise<void> | undefined;
  private resolve: (() => void) | undefined;
  private released = false;

  /** Settles when the claim is released (what a task queued behind it waits for). */
  get done(): Promise<void> {
    if (this.released) return Promise.resolve();
    return (this.promise ??= new Promise<void>((resolve) => (this.resolve = resolve)));
  }

  /** Ends the claim: tasks queued behind it may run. */
  release(): void {
    this.released = true;
    this.resolve?.();
  }
}
