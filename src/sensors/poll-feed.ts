import { Subject, exhaustMap, timer, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { describeError } from '../core/errors.js';
import type { Sensor } from './sensor.js';

/** A poll that failed: reported, counted, and the sensor simply gets no reading (it goes stale). */
export interface FeedError {
  readonly entity: string;
  readonly sensor: string;
  readonly at: number;
  readonly message: string;
}

/** Options of `pollFeed`. */
export interface PollFeedOptions<T> {
  readonly sensor: Sensor<T>;
  /** Time between polls (ms). */
  readonly periodMs: number;
  /** Reads the value; may be async. A poll still running when the next is due makes that one skip. */
  readonly poll: () => T | Promise<T>;
}

/** A running feed: stop it by unsubscribing; its errors come on `errors$`. */
export interface Feed {
  readonly subscription: Subscription;
  readonly errors$: Observable<FeedError>;
}

/**
 * Polls a function on the scheduler and publishes what it returns. Values are validated by the sensor (NaN
 * or a string for a number is rejected and counted); errors are reported, never published as values.
 */
export function pollFeed<T>(options: PollFeedOptions<T>, scheduler: SchedulerLike): Feed {
  const errors = new Subject<FeedError>();
  const { sensor } = options;
  const subscription = timer(0, options.periodMs, scheduler)
    .pipe(
      exhaustMap(async () => {
        try {
          sensor.publish(await options.poll());
        } catch (error) {
          errors.next({ entity: sensor.entityId, sensor: sensor.name, at: scheduler.now(), message: describeError(error) });
        }
      }),
    )
    .subscribe();
  return { subscription, errors$: errors.asObservable() };
}
