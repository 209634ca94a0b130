import { Observable, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * Emits once, then completes, when the scheduler's clock reads `at` or later. A timer armed for the time left
 * can fire while the clock still reads a little before it (Node measures a timer from the start of the
 * event-loop turn that armed it, and the wall clock was read later in that turn): a check of `now() >= at` made
 * when it fires would then fail, with nothing to look again. Here the timer is armed again for the rest, so
 * whoever hears the emission reads the clock at or past `at`.
 * @param at the instant on the scheduler's clock (ms)
 */
export function reached(at: number, scheduler: SchedulerLike): Observable<void> {
  return new Observable<void>((subscriber) => {
    let pending: Subscription | undefined;
    const check = (): void => {
      const left = at - scheduler.now();
      if (left > 0) {
        pending = scheduler.schedule(check, left);
        return;
      }
      subscriber.next();
      subscriber.complete();
    };
    check();
    return () => pending?.unsubscribe();
  });
}
