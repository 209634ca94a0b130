import type { Subscriber } from 'rxjs';
import { compactFinalizers } from '../core/compact-finalizers.js';
import type { Observation } from './reading.js';
import { SENSOR_TIE, isSensorTie, type TiedSensor } from './sensor-tie.js';
import { SensorTap, type StreamSource } from './sensor-stream.js';

/** The empty subscriber list every sensor starts with (one array for all sensors, not one each). */
export const NO_SUBSCRIBERS: readonly Subscriber<never>[] = Object.freeze([]);

/** The subscriber list of a closed sensor: empty, and telling it is closed (a flag would be a field more). */
export const CLOSED: readonly Subscriber<never>[] = Object.freeze([]);

/**
 * Makes the end of `subscriber`'s subscription detach it from `sensor`: by itself when it ties itself to
 * the sensor (a `SensorTie`), else through a tap added to its finalizers (their list then made compact).
 */
export function tieToSensor<T>(sensor: StreamSource<T> & TiedSensor, subscriber: Subscriber<Observation<T>>): void {
  if (isSensorTie(subscriber) && subscriber[SENSOR_TIE](sensor)) return;
  subscriber.add(new SensorTap(sensor, subscriber));
  compactFinalizers(subscriber);
}

/**
 * Whether `subscriber` may join `sensor`: not when the sensor is `closed` (the subscriber is completed at
 * once); else it may, first handed the sensor's current reading when `replay` and there is one.
 */
export function admitSubscriber<T>(sensor: { readonly current: Observation<T> | undefined }, closed: boolean, subscriber: Subscriber<Observation<T>>, replay: boolean): boolean {
  if (closed) {
    subscriber.complete();
    return false;
  }
  const current = replay ? sensor.current : undefined;
  if (current) subscriber.next(current);
  return true;
}
