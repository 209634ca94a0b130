import type { Subscriber } from 'rxjs';
import { NOT_QUIET, type QuietRange, type ReadingOrigin, type ReadingSink } from './reading-sink.js';

// How a sensor hands a reading to its subscribers: each delivery isolated, so that one subscriber's throw
// fails only its own stream.

/**
 * Hands a reading to one subscriber. A subscriber that throws fails its own stream (the engine isolates
 * that policy); the publisher and the other subscribers carry on.
 */
export function deliver<T>(subscriber: Subscriber<T>, value: T): void {
  try {
    subscriber.next(value);
  } catch (error) {
    subscriber.error(error);
  }
}

/**
 * Hands a reading to a sole `ReadingSink` as value and time; a throw fails the sink's stream, as in `deliver`.
 * @returns the numbers the sink says it would now ignore (none when it answered nothing or threw)
 */
export function deliverReading<T>(sink: ReadingSink<T>, value: T, at: number, origin: ReadingOrigin): QuietRange {
  try {
    return sink.nextReading(value, at, origin) ?? NOT_QUIET;
  } catch (error) {
    sink.error(error);
    return NOT_QUIET;
  }
}
