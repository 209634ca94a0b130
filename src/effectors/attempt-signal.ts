/**
 * The AbortSignal of one effector attempt, made only when the effector first reads it: most effectors never
 * do, and a controller with its signal costs more than a small effector's whole invocation. An abort before
 * that (a timeout, the caller's signal) is remembered and replayed when the signal is made.
 */
export class AttemptSignal {
  private controller: AbortController | undefined;
  private reason: { readonly error: Error } | undefined;

  /** The signal handed to the effector (made on first read). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason.error);
    }
    return this.controller.signal;
  }

  /** Aborts with `error` (the first abort wins). */
  abort(error: Error): void {
    this.reason ??= { error };
    this.controller?.abort(error);
  }
}
