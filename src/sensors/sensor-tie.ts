import type { Subscriber } from 'rxjs';

/**
 * The brand of a subscriber that ends its own tie to the sensor it subscribed to (see `SensorTie`). Such a
 * subscriber needs no tap object and no list of finalizers from the sensor: two objects fewer per subscribed
 * policy, which a tree of a million entities starts by the million.
 */
export const SENSOR_TIE: unique symbol = Symbol('homeostat.sensorTie');

/** What a sensor tied to a subscriber is to that subscriber: what to call once, when its subscription ends. */
export interface TiedSensor {
  /** @internal removes `subscriber` from the sensor's subscribers */
  _detach(subscriber: Subscriber<never>): void;
  /**
   * @internal drops the quiet range the subscriber answered the sensor's last reading with: the subscriber's
   * state moved by a reading from another source, so the answer may no longer hold
   */
  _forgetAnswer(): void;
}

/**
 * A subscriber that can keep the sensor it subscribed to, and call its `_detach` itself when its subscription
 * ends, before its other finalizers (where the tap a sensor otherwise adds, its first finalizer, would run).
 */
export interface SensorTie {
  /** Keeps `sensor` to detach from when unsubscribed; false when it cannot (already closed, or tied). */
  [SENSOR_TIE](sensor: TiedSensor): boolean;
}

/** True when `subscriber` ties itself to a sensor. */
export function isSensorTie(subscriber: object): subscriber is SensorTie {
  return typeof (subscriber as Partial<SensorTie>)[SENSOR_TIE] === 'function';
}
