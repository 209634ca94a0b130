import { z } from 'zod';
import { defineSensor } from '../sensors/define-sensor.js';

/** The standard lifecycle states of every entity (Brooklyn's Lifecycle). */
export const SERVICE_STATES = ['created', 'starting', 'running', 'stopping', 'stopped', 'on-fire'] as const;

/** One lifecycle state. */
export type ServiceState = (typeof SERVICE_STATES)[number];

/** `service.up`: whether the entity is serving. Every entity has it. */
export const SERVICE_UP = defineSensor({ name: 'service.up', schema: z.boolean(), description: 'whether the entity is serving' });

/** `service.state`: the lifecycle state. Every entity has it. */
export const SERVICE_STATE = defineSensor({
  name: 'service.state',
  schema: z.enum(SERVICE_STATES),
  description: 'lifecycle state: created, starting, running, stopping, stopped or on-fire',
});

/** States in which no policy may act on the entity (it is going away or gone). */
export function isWindingDown(state: ServiceState | undefined): boolean {
  return state === 'stopping' || state === 'stopped';
}
