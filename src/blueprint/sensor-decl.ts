import { z } from 'zod';
import { defineSensor, type SensorDefinition } from '../sensors/define-sensor.js';
import { jsonValueSchema } from '../sensors/json-value.js';
import type { EnricherDecl, SensorDecl } from './schema.js';

const SCHEMAS = { number: z.number(), boolean: z.boolean(), string: z.string(), json: jsonValueSchema } as const;

/** Turns a blueprint sensor declaration into a sensor definition. */
export function sensorFromDecl(decl: SensorDecl): SensorDefinition<unknown> {
  return defineSensor<unknown>({
    name: decl.name,
    schema: SCHEMAS[decl.type],
    ...(decl.staleAfter === undefined ? {} : { staleAfterMs: decl.staleAfter }),
    ...(decl.unit === undefined ? {} : { unit: decl.unit }),
    ...(decl.description === undefined ? {} : { description: decl.description }),
    ...(decl.pushable ? { pushable: true } : {}),
    ...(decl.history === undefined ? {} : { history: decl.history }),
  });
}

/** The sensors an enricher declaration publishes on its entity. */
export function publishedBy(decl: EnricherDecl): string[] {
  switch (decl.kind) {
    case 'rollingMean':
      return [decl.publish, `${decl.publish}.coverage`];
    case 'percentiles':
      return decl.percentiles.map((p) => `${decl.publish}.p${String(p).replace('.', '_')}`);
    default:
      return [decl.publish];
  }
}
