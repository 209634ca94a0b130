import type { EntityTree } from '../core/entity-tree.js';
import { HomeostatError, UnknownEntityError, UnknownSensorError, ValidationError } from '../core/errors.js';
import type { Observation } from './reading.js';
import { INVALID, readingValidator } from './reading-validator.js';

/** A push to a sensor that is not declared `pushable` (its readings come from a driver, feed or enricher). */
export class NotPushableError extends HomeostatError {
  constructor(entityId: string, sensor: string) {
    super('E_NOT_PUSHABLE', `sensor '${sensor}' of '${entityId}' is not pushable (declare it with pushable: true)`);
  }
}

/**
 * Publishes a reading pushed from outside the loop (a batch job, a webhook, a script) on a sensor declared
 * `pushable: true`. The value is checked by the sensor's schema before anything is published, so a bad push
 * changes nothing; it is stamped with the scheduler's time.
 * @returns the published observation
 * @throws UnknownEntityError, UnknownSensorError, NotPushableError, or ValidationError saying what is wrong
 */
export function pushReading(tree: EntityTree, entityId: string, sensorName: string, value: unknown): Observation {
  const entity = tree.find(entityId);
  if (!entity) throw new UnknownEntityError(entityId);
  if (!entity.hasSensor(sensorName)) throw new UnknownSensorError(entityId, sensorName);
  const sensor = entity.sensor(sensorName);
  if (!sensor.definition.pushable) throw new NotPushableError(entityId, sensorName);
  const validator = readingValidator(sensor.definition.schema);
  if (validator.check(value) === INVALID) throw new ValidationError(`reading of ${entityId}.${sensorName}`, [validator.explain(value)]);
  sensor.publish(value);
  const current = sensor.current;
  if (!current) throw new ValidationError(`reading of ${entityId}.${sensorName}`, ['rejected']);
  return current;
}
