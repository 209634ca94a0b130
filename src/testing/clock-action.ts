import { Subscription, VirtualAction, type VirtualTimeScheduler } from 'rxjs';

/**
 * An action of the `VirtualClock`: RxJS's `VirtualAction` except that it is reused when it schedules itself
 * again, as real-time `AsyncAction`s are, instead of making a new action and keeping it as a child.
 *
 * RxJS's way keeps every past run of a recurring action reachable from the first (a timer ticking every 5 s
 * for 20,000 simulated seconds holds a chain of 4,000 actions), and unsubscribing the first then recurses
 * down the whole chain: a simulation a few hours long ended in "Maximum call stack size exceeded" when its
 * loops stopped, and its memory grew with every tick. A rescheduled action here takes a fresh place among the
 * actions due at the same time (a new index, as a new action would get), so the order in which actions run is
 * the same as with RxJS's. The one difference: an action scheduled twice before it runs runs once, at the
 * last time asked (RxJS's would run at both), which is how actions behave in real time.
 *
 * Actions wait in the scheduler's queue in order of time, then index; one is put in its place by a binary
 * search, where RxJS's sorts the whole queue on each schedule.
 */
export class ClockAction<T> extends VirtualAction<T> {
  /** Whether this action waits in the scheduler's queue (the clock takes it out just before it runs). */
  private queued = false;

  override schedule(state?: T, delay = 0): Subscription {
    if (!Number.isFinite(delay)) return Subscription.EMPTY; // never due: never queued (as RxJS)
    if (this.closed) return Subscription.EMPTY;
    if (this.id !== undefined) {
      // scheduled before (waiting, or running now and asking for its next run): moved, not copied
      if (this.queued) this.leaveQueue();
      this.id = undefined;
      this.index = this.scheduler.index += 1;
    }
    return super.schedule(state, delay);
  }

  override execute(state: T, delay: number): unknown {
    this.queued = false;
    return super.execute(state, delay);
  }

  protected override requestAsyncId(scheduler: VirtualTimeScheduler, _id?: unknown, delay = 0): 1 {
    this.delay = scheduler.frame + delay;
    const actions = scheduler.actions as ClockAction<unknown>[];
    actions.splice(this.placeIn(actions), 0, this as ClockAction<unknown>);
    this.queued = true;
    return 1;
  }

  /** Where this action goes in `actions` (ordered by time, then index): after every action due before it. */
  private placeIn(actions: readonly ClockAction<unknown>[]): number {
    let low = 0;
    let high = actions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = actions[middle] as ClockAction<unknown>;
      if (other.delay < this.delay || (other.delay === this.delay && other.index < this.index)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Takes this action out of the scheduler's queue. */
  private leaveQueue(): void {
    const actions = this.scheduler.actions as ClockAction<unknown>[];
    // it waits at the place its time and index give it, found again by the same search
    const placed = this.placeIn(actions);
    const at = actions[placed] === this ? placed : actions.indexOf(this as ClockAction<unknown>);
    if (at !== -1) actions.splice(at, 1);
    this.queued = false;
  }
}
