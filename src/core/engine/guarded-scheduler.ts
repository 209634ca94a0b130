import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/**
 * The scheduler a policy sees: the engine's, except that work it schedules itself and that throws is
 * reported to `onError` instead of escaping. A throw from scheduled work would otherwise leave through the
 * scheduler's flush (a timer callback in real time) and end the process; RxJS's own operators never throw
 * there, so this only catches a policy's raw `scheduler.schedule(...)` calls.
 */
export function guardedScheduler(inner: SchedulerLike, onError: (error: unknown) => void): SchedulerLike {
  return new GuardedScheduler(inner, onError);
}

// a class, not an object of closures: every policy has one, and a large tree runs millions of policies
class GuardedScheduler implements SchedulerLike {
  constructor(
    private readonly inner: SchedulerLike,
    private readonly onError: (error: unknown) => void,
  ) {}

  now(): number {
    return this.inner.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    const onError = this.onError;
    return this.inner.schedule(
      function guarded(this: SchedulerAction<T>, value?: T) {
        try {
          work.call(this, value);
        } catch (error) {
          onError(error);
        }
      },
      delay,
      state,
    );
  }
}
