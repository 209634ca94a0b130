import { z } from 'zod';
import type { Guard } from '../knowledge/decision.js';

/**
 * A guard as written in a blueprint: `{ entity: app, sensor: service.up, value: true }` (op `eq` by
 * default). Every guard of a list must hold.
 */
export const guardSchema = z.strictObject({
  entity: z.string().min(1),
  sensor: z.string().min(1),
  op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']).default('eq'),
  value: z.union([z.number(), z.boolean(), z.string()]),
});

/** A `when:` list: the guards that must all hold. */
export const guardsSchema = z.array(guardSchema).min(1);

/** The guards a `when:` list describes. */
export function toGuards(when: ReadonlyArray<z.output<typeof guardSchema>> | undefined): Guard[] | undefined {
  return when?.map((g) => ({ entity: g.entity, sensor: g.sensor, op: g.op, value: g.value }));
}

/** Entity and sensor references of a `when:` list, with config paths, for blueprint validation. */
export function guardRefs(when: ReadonlyArray<z.output<typeof guardSchema>> | undefined, base: ReadonlyArray<string | number>): Array<{ entity: string; sensor: string; configPath: Array<string | number> }> {
  return (when ?? []).map((g, i) => ({ entity: g.entity, sensor: g.sensor, configPath: [...base, i, 'entity'] }));
}
