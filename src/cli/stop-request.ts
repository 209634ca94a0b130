/** The longest a Node timer can wait (ms): the hold's period, so that it almost never fires. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** What ends a run, and the hold that keeps the process alive until then. */
export interface StopRequest {
  /**
   * Resolves with the name of the first SIGINT or SIGTERM, or with what `until` resolved with, or with what
   * `failure` resolved with when it came first.
   */
  readonly requested: Promise<unknown>;
  /**
   * Resolves with the name of a second SIGINT or SIGTERM, one that came after the first: the person (or
   * supervisor) no longer wants to wait for the graceful stop; after a `failure` asked for the stop, the first
   * signal does. Never resolves when `until` was given, nor before the stop was asked for, nor after `release`.
   */
  readonly forced: Promise<NodeJS.Signals>;
  /**
   * Releases the hold and the signal listeners: call it once the run has stopped (or was forced to end).
   * Until then every signal is taken by the listeners (the first asks for the stop, the second resolves
   * `forced`, later ones are ignored), so none ends the process by Node's default. Calling it again does
   * nothing.
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
 * @param failure resolves when the run must stop because it failed (an uncaught exception): the stop is asked
 *   for as by the first signal
 */
export function awaitStopRequest(until?: Promise<unknown>, failure?: Promise<unknown>): StopRequest {
  const hold = setInterval(() => undefined, LONGEST_TIMER_MS);
  const listeners = new Map<NodeJS.Signals, () => void>();
  let force: (signal: NodeJS.Signals) => void = () => undefined;
  const forced = new Promise<NodeJS.Signals>((resolve) => (force = resolve));
  // the stop has been asked for (by a signal or a failure): a signal after that forces it, once
  let asked = false;
  let forcedOnce = false;
  const requested = new Promise<unknown>((resolve, reject) => {
    const ask = (reason: unknown): void => {
      if (asked) return;
      asked = true;
      resolve(reason);
    };
    void failure?.then(ask);
    if (until) {
      until.then(ask, (error: unknown) => {
        if (!asked) reject(error);
      });
      return;
    }
    for (const signal of STOP_SIGNALS) {
      const listener = (): void => {
        if (!asked) ask(signal);
        else if (!forcedOnce) {
          forcedOnce = true;
          force(signal);
        }
      };
      listeners.set(signal, listener);
      process.on(signal, listener);
    }
  });
  return {
    requested,
    forced,
    release: () => {
      clearInterval(hold);
      for (const [signal, listener] of listeners) process.removeListener(signal, listener);
      listeners.clear();
    },
  };
}
