import { Observable, type Subscriber } from 'rxjs';
import type { Observation } from './reading.js';

/** What a sensor's stream and its taps need of the sensor: to add and remove a subscriber. */
export interface StreamSource<T> {
  /** @internal adds a subscriber, first handing it the current reading when `replay` */
  _attach(subscriber: Subscriber<Observation<T>>, replay: boolean): void;
  /** @internal removes a subscriber */
  _detach(subscriber: Subscriber<Observation<T>>): void;
}

/**
 * A sensor's stream: an Observable that holds its sensor, and one subscribe function shared by every stream
 * (RxJS calls it with the Observable as `this`), rather than a closure and its context per sensor.
 */
export class SensorStream<T> extends Observable<Observation<T>> {
  constructor(
    readonly sensor: StreamSource<T>,
    readonly replay: boolean,
  ) {
    super(subscribeToSensor);
  }
}

function subscribeToSensor<T>(this: Observable<Observation<T>>, subscriber: Subscriber<Observation<T>>): void {
  const stream = this as SensorStream<T>;
  stream.sensor._attach(subscriber, stream.replay);
}

/** What ends one subscription to a sensor: a small object rather than a closure and its context. */
export class SensorTap<T> {
  constructor(
    private readonly sensor: StreamSource<T>,
    private readonly subscriber: Subscriber<Observation<T>>,
  ) {}

  unsubscribe(): void {
    this.sensor._detach(this.subscriber);
  }
}

