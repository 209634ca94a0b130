import type { Entity } from '../../core/entity.js';
import { numberSensor } from '../define-sensor.js';
import type { Sensor } from '../sensor.js';

/**
 * Adds (or finds) a numeric sensor derived from `source`: it goes stale when its source does, so a derived
 * value is never fresher than the data it came from.
 */
export function derivedSensor(entity: Entity, name: string, source: Sensor<number>): Sensor<number> {
  const bound = source.definition.staleAfterMs;
  return entity.addSensor(numberSensor(name, bound === undefined ? {} : { staleAfterMs: bound }));
}
