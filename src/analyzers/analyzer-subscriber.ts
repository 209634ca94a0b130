import { Observable, Subscriber, type OperatorFunction, type TeardownLogic } from 'rxjs';
import { SENSOR_TIE, type SensorTie, type TiedSensor } from '../sensors/sensor-tie.js';

/**
 * Base of homeostat's operators, shaped like RxJS's own: a Subscriber that keeps its state in fields and
 * handles each value in `onValue`. One object per subscription (no wrapper, observer and closure per hop)
 * keeps the hot path short, and an exception in `onValue` goes down the error channel, where the engine
 * isolates the policy, instead of escaping as an unhandled error.
 *
 * (Subclassing Subscriber is supported in RxJS 7, which this project pins.)
 */
export abstract class AnalyzerSubscriber<I, O> extends Subscriber<I> implements SensorTie {
  protected readonly out: Subscriber<O>;
  /** The sensor this subscriber was subscribed to directly, detached from when the subscription ends. */
  private tiedSensor: TiedSensor | undefined = undefined;

  constructor(destination: Subscriber<O>) {
    super(destination);
    this.out = destination;
  }

  /** @internal a sensor this subscriber subscribed to: kept here, rather than as a tap among the finalizers */
  [SENSOR_TIE](sensor: TiedSensor): boolean {
    if (this.closed || this.tiedSensor !== undefined) return false;
    this.tiedSensor = sensor;
    return true;
  }

  /**
   * Leaves the sensor it was tied to (once), then ends the subscription: the order the sensor's tap had as
   * the first finalizer, so nothing a later finalizer does reaches this subscriber through the sensor.
   */
  override unsubscribe(): void {
    const sensor = this.tiedSensor;
    if (sensor !== undefined) {
      this.tiedSensor = undefined;
      sensor._detach(this);
    }
    super.unsubscribe();
  }

  /** The sensor this subscriber is tied to (the first it subscribed to directly), while subscribed. */
  protected get sensorTiedTo(): TiedSensor | undefined {
    return this.tiedSensor;
  }

  /** Handles one value; call `this.out.next(...)` to emit. */
  protected abstract onValue(value: I): void;

  protected override _next(value: I): void {
    try {
      this.onValue(value);
    } catch (error) {
      this.out.error(error);
    }
  }
}

/** Makes an operator from a subscriber factory: `source.pipe(analyzerOperator((out) => new MySubscriber(out)))`. */
export function analyzerOperator<I, O>(create: (destination: Subscriber<O>) => Subscriber<I>): OperatorFunction<I, O> {
  return (source) => new AnalyzedStream(source, create);
}

/**
 * The stream an analyzer operator makes: its source and factory in two fields, with one subscribe function
 * shared by every such stream (RxJS calls it with the stream as `this`), rather than a closure and its
 * context per stream: a tree of a million entities builds two million of them on start.
 */
class AnalyzedStream<I, O> extends Observable<O> {
  constructor(
    readonly upstream: Observable<I>,
    readonly create: (destination: Subscriber<O>) => Subscriber<I>,
  ) {
    super(subscribeAnalyzed);
  }
}

function subscribeAnalyzed<I, O>(this: Observable<O>, destination: Subscriber<O>): TeardownLogic {
  const stream = this as AnalyzedStream<I, O>;
  return stream.upstream.subscribe(stream.create(destination));
}
