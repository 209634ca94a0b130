/**
 * Calls `fn` after `ms` of wall-clock time; returns the cancel. For what is about real sockets, pipes and
 * processes (connecting to Redis, which ioredis times on the wall clock too; draining a command's output), not
 * loop time: the injected scheduler has no say there.
 */
export function afterMs(ms: number, fn: () => void): () => void {
  // eslint-disable-next-line no-restricted-globals -- real sockets and processes, real time (see above)
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
