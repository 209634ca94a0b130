import type { Observation } from '../sensors/reading.js';
import { READING_SINK, observationOf, type QuietRange, type ReadingOrigin, type ReadingSink } from '../sensors/reading-sink.js';
import { AnalyzerSubscriber } from './analyzer-subscriber.js';

/**
 * An analyzer subscriber that works on a reading's value and time, and so can take a sensor's readings
 * without an Observation per reading: subscribed straight to a sensor's stream as its only subscriber, the
 * sensor calls `nextReading`; anywhere else in a pipe (after another operator, beside other subscribers) it
 * gets Observations through `next` as any subscriber does. Both paths end in `onReading`, which builds the
 * Observation with `inputOf` only when it keeps or emits one, so they give the same symptoms.
 */
export abstract class ReadingAnalyzerSubscriber<T, O> extends AnalyzerSubscriber<Observation<T>, O> implements ReadingSink<T> {
  /** The brand a sensor looks for (on the prototype: no field per subscriber). */
  get [READING_SINK](): true {
    return true;
  }

  /**
   * Handles one reading. `observation` is the Observation when one came through `next`; otherwise `origin`
   * is the sensor it came from (exactly one of the two is given): pass both to `inputOf` for the object.
   * @returns optionally, the numbers this subscriber would ignore in the state it is now in (see `QuietRange`):
   *   a sensor it is the sole sink of then keeps them to itself. Return nothing unless a reading inside the
   *   range can change neither the state nor the output.
   */
  protected abstract onReading(value: T, at: number, observation: Observation<T> | undefined, origin: ReadingOrigin | undefined): QuietRange | void;

  /**
   * A reading as an Observation: from a sensor with several subscribers, or from anywhere else (another
   * operator, a Subject, a second sensor this subscriber was handed to). It moves the state behind the answer
   * the tied sensor may hold, which is forgotten before (a reading published from inside must reach this
   * subscriber) and after.
   */
  protected override onValue(observation: Observation<T>): void {
    const tied = this.sensorTiedTo;
    if (tied === undefined) {
      this.onReading(observation.value, observation.at, observation, undefined);
      return;
    }
    tied._forgetAnswer();
    this.onReading(observation.value, observation.at, observation, undefined);
    tied._forgetAnswer();
  }

  /**
   * A reading straight from a sensor; after the subscription stopped it goes the way `next` sends it.
   * @returns what `onReading` says it would now ignore, only to the sensor this subscriber is tied to: a
   *   subscriber handed to several sources (an Observable written by hand may subscribe it to two sensors) has
   *   one state for all of them, and only the tied sensor is told when another source moves it. Nothing once
   *   stopped or after a throw.
   */
  nextReading(value: T, at: number, origin: ReadingOrigin): QuietRange | void {
    if (this.isStopped) {
      this.nextWhenStopped(value, at, origin);
      return;
    }
    // the sensor hands itself as the origin: the tied one is the same object
    if ((origin as object) !== this.sensorTiedTo) {
      this.nextFromElsewhere(value, at, origin);
      return;
    }
    try {
      return this.onReading(value, at, undefined, origin);
    } catch (error) {
      this.out.error(error);
    }
  }

  /** A reading straight from a sensor it is not tied to: handled with the tied sensor's answer forgotten around it, and answered with nothing. */
  private nextFromElsewhere(value: T, at: number, origin: ReadingOrigin): void {
    const tied = this.sensorTiedTo;
    tied?._forgetAnswer();
    try {
      this.onReading(value, at, undefined, origin);
    } catch (error) {
      this.out.error(error);
    }
    tied?._forgetAnswer();
  }

  /** A reading after the subscription stopped: handed to `next`, which treats it as any late value. */
  private nextWhenStopped(value: T, at: number, origin: ReadingOrigin): void {
    this.next(observationOf(value, at, origin));
  }

  /** The reading as an Observation: the one that came through `next`, or a new one from its sensor. */
  protected inputOf(value: T, at: number, observation: Observation<T> | undefined, origin: ReadingOrigin | undefined): Observation<T> {
    if (observation !== undefined) return observation;
    if (origin === undefined) throw new TypeError('a reading with neither its Observation nor its sensor');
    return observationOf(value, at, origin);
  }
}
