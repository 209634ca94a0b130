import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Coalesces bursts: however many times the returned trigger is called within one instant, `work` runs once,
 * right after (a zero-delay action on the scheduler). An aggregate over N members then publishes once per
 * round of readings instead of N times, so the loop sees one observation per round.
 */
export function coalesce(scheduler: SchedulerLike, work: () => void): { trigger: () => void; cancel: () => void } {
  let pending: Subscription | undefined;
  return {
    trigger: () => {
      if (pending) return;
      pending = scheduler.schedule(() => {
        pending = undefined;
        work();
      }, 0);
    },
    cancel: () => {
      pending?.unsubscribe();
      pending = undefined;
    },
  };
}
