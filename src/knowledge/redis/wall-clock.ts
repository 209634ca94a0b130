/**
 * Calls `fn` after `ms` of wall-clock time; returns the cancel. Connecting is about real sockets, timed by
 * ioredis on the wall clock too, not loop time: the injected scheduler has no say here.
 */
export function afterMs(ms: number, fn: () => void): () => void {
  // eslint-disable-next-line no-restricted-globals -- real sockets, real time (see above)
  const timer = setTimeout(fn, Math.max(0, ms));
  return () => clearTimeout(timer);
}

/** Resolves after `ms` of wall-clock time, or as soon as `signal` is aborted. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      cancelTimer();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancelTimer = afterMs(ms, done);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
  });
}
