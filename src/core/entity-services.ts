import type { SchedulerLike, Subject } from 'rxjs';
import type { RejectedReading } from '../sensors/reading.js';
import type { Sensor } from '../sensors/sensor.js';
import type { Entity } from './entity.js';

/** What every entity of one tree shares: the scheduler and the sink for rejected readings. */
export interface TreeServices {
  readonly scheduler: SchedulerLike;
  readonly rejections: Subject<RejectedReading>;
  /** Told of each sensor an entity creates, while someone follows creations (the API's live stream). */
  sensorCreated: ((entity: Entity, sensor: Sensor<unknown>) => void) | undefined;
}

/** One `TreeServices` per tree (by its rejection sink), not one per entity. */
const servicesByTree = new WeakMap<Subject<RejectedReading>, TreeServices>();

/** The `TreeServices` of the tree whose entities share `rejections`: the one made before for it, or a new one. */
export function servicesOf(scheduler: SchedulerLike, rejections: Subject<RejectedReading>): TreeServices {
  const known = servicesByTree.get(rejections);
  if (known?.scheduler === scheduler) return known;
  const services: TreeServices = { scheduler, rejections, sensorCreated: known?.sensorCreated };
  servicesByTree.set(rejections, services);
  return services;
}

/**
 * @internal sets what is told of each sensor created in the tree whose entities share `rejections` (undefined:
 * nothing is, the default, so that creating a sensor costs nothing more while nobody follows).
 */
export function _setSensorCreationHook(scheduler: SchedulerLike, rejections: Subject<RejectedReading>, hook: TreeServices['sensorCreated']): void {
  servicesOf(scheduler, rejections).sensorCreated = hook;
}

/**
 * Points the sensor creation hook of the tree whose entities share `rejections` at `listeners` (read as
 * they are at each creation): each is told of each sensor created; with none, no hook is set.
 */
export function hookSensorListeners(scheduler: SchedulerLike, rejections: Subject<RejectedReading>, listeners: ReadonlySet<(entity: Entity, sensor: Sensor<unknown>) => void>): void {
  _setSensorCreationHook(scheduler, rejections, listeners.size === 0 ? undefined : (entity, sensor) => {
    for (const listener of listeners) listener(entity, sensor);
  });
}
