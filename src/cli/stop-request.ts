/** The longest a Node timer can wait (ms): the hold's period, so that it almost never fires. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** What ends a run, and the hold that keeps the process alive until then. */
export interface StopRequest {
  /** Resolves with the name of the first SIGINT or SIGTERM, or with what `until` resolved with. */
  readonly requested: Promise<unknown>;
  /**
   * Releases the hold and the signal listeners: call it once the run has stopped. Until then a second signal
   * is taken by the listeners (the stop, bounded by its grace, goes on: processes the run started are
   * stopped, not orphaned). Calling it again does nothing.
   */
  release(): void;
}

/**
 * Listens for the request to stop a run (`until` when given, else SIGINT or SIGTERM) and holds the process
 * alive meanwhile. A signal listener is no handle of the event loop: a blueprint whose loops have nothing
 * scheduled (entities with no feed, no timer and no socket) would leave the loop empty, and Node would end
 * the process at once (exit code 13, an unsettled top-level await) instead of running until it is told to
 * stop. The hold is a referenced timer that does nothing; `release` clears it.
 * @param until resolves when the run should stop (tests, embedding); signals are not listened to then
 */
export function awaitStopRequest(until?: Promise<unknown>): StopRequest {
  const hold = setInterval(() => undefined, LONGEST_TIMER_MS);
  const listeners = new Map<NodeJS.Signals, () => void>();
  const requested =
    until ??
    new Promise<NodeJS.Signals>((resolve) => {
      for (const signal of STOP_SIGNALS) {
        const listener = (): void => resolve(signal);
        listeners.set(signal, listener);
        process.on(signal, listener);
      }
    });
  return {
    requested,
    release: () => {
      clearInterval(hold);
      for (const [signal, listener] of listeners) process.removeListener(signal, listener);
      listeners.clear();
    },
  };
}
