/**
 * The AbortSignal of one effector attempt (or of an executor's executions), made only when first read: most
 * effectors never read it, and a controller with its signal costs more than a small effector's whole
 * invocation. An abort before that (a timeout, the caller's signal, a stop) is remembered and replayed when
 * the signal is made.
 */
export class AttemptSignal {
  private controller: AbortController | undefined;
  private reason: { readonly error: Error } | undefined;
  private workOver = false;

  /** The signal handed to the effector (made on first read). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason.error);
    }
    return this.controller.signal;
  }

  /** True once aborted (read without making the signal). */
  get aborted(): boolean {
    return this.reason !== undefined;
  }

  /** True once the effector said its work is over (`EffectorContext.settling`): an abort no longer decides the attempt. */
  get settling(): boolean {
    return this.workOver;
  }

  /** Marks the work over: later aborts still reach the signal, but the effector's outcome decides. */
  settle(): void {
    this.workOver = true;
  }

  /** Aborts with `error` (the first abort wins). */
  abort(error: Error): void {
    this.reason ??= { error };
    this.controller?.abort(error);
  }
}
