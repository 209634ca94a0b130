import { z } from 'zod';
import type { Entity } from '../../core/entity.js';

/** What templates see of an entity: `id`, `type`, `config.*` and `parent.id`. */
export function entityContext(entity: Entity): Record<string, unknown> {
  return { id: entity.id, type: entity.type, config: entity.config, parent: { id: entity.parent?.id } };
}

/**
 * A number as the target sensor wants it: a boolean sensor takes 1 and 0 as true and false (an `up`
 * metric); anything else stays a number, for the sensor to accept or reject.
 */
export function numberFor(entity: Entity, sensor: string, value: number): unknown {
  if (!entity.hasSensor(sensor)) return value;
  if (entity.sensor(sensor).definition.schema instanceof z.ZodBoolean) return value === 1 ? true : value === 0 ? false : value;
  return value;
}
