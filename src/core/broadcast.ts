import { Observable, type Subscriber } from 'rxjs';

/** The subscriber list of a broadcast nobody listens to (one array for all of them). */
const NO_SUBSCRIBERS: readonly Subscriber<never>[] = Object.freeze([]);

/**
 * A hot stream the library emits on, once per record on the loop's hot path (every decision, every invocation
 * record): each value goes to every current subscriber in the order they subscribed, nothing is replayed, and
 * a subscriber that throws fails only itself (RxJS's subscribers catch what their consumer throws), as with
 * an RxJS `Subject`'s `next`. Unlike `Subject.next`, which in RxJS 7's CommonJS build (the one Node loads)
 * makes a closure and an iterator on every emission, `next` here allocates nothing.
 *
 * The list of subscribers is copied on write: one that leaves or joins during an emission does not disturb
 * the loop in progress (one that left is closed, and its subscriber ignores the value).
 */
export class Broadcast<T> {
  private subscribers: readonly Subscriber<T>[] = NO_SUBSCRIBERS;

  /** The stream to hand out (the same object each time): subscribing joins the broadcast, unsubscribing leaves. */
  readonly stream: Observable<T> = new Observable<T>((subscriber) => {
    this.subscribers = this.subscribers.concat(subscriber);
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
  });

  /** Whether anyone subscribes (a record nobody reads need not be made). */
  get observed(): boolean {
    return this.subscribers.length > 0;
  }

  /** Hands `value` to every current subscriber. */
  next(value: T): void {
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) (subscribers[i] as Subscriber<T>).next(value);
  }
}
