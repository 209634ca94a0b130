import type { SchedulerLike } from 'rxjs';

/**
 * Time helpers over the injected scheduler. All loop timing goes through these so that virtual-time tests
 * and trace replay behave exactly as production does.
 */

/** Milliseconds since the scheduler's epoch. */
export type Millis = number;

/**
 * Resolves after `ms` on the given scheduler; rejects with the signal's reason when aborted first.
 * @param ms delay in milliseconds (negative is treated as 0)
 */
export function sleep(scheduler: SchedulerLike, ms: Millis, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      subscription.unsubscribe();
      reject(signal?.reason);
    };
    const subscription = scheduler.schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Measures wall-clock durations of work (phase timings); never used to decide anything. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => performance.now() - start;
}
