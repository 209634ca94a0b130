import { z } from 'zod';
import { durationSchema } from '../core/duration.js';
import { sleep } from '../core/time.js';
import { defineEffector } from '../effectors/define-effector.js';
import { defineSensor, numberSensor } from '../sensors/define-sensor.js';
import type { Entity } from '../core/entity.js';
import type { DriverContext, EntityType } from './entity-type.js';
import { nameParam } from './effector-params.js';

const serverConfig = z.strictObject({
  /** Time from start or restart to serving. Default 20 s. */
  bootTime: durationSchema.default(20_000),
  /** Requests per second one server handles at 100 % utilization. Default 25. */
  capacity: z.number().positive().default(25),
  /** Software version at start. Default '1'. */
  version: z.string().default('1'),
  /** A version that never comes up (to exercise rollbacks). */
  badVersion: z.string().optional(),
});

/** Parsed config of a simulated server. */
export type SimServerConfig = z.infer<typeof serverConfig>;

/** Sensors of a simulated server. */
export const SIM_SERVER_SENSORS = [
  numberSensor('cpu', { staleAfterMs: 30_000, unit: 'ratio', description: 'utilization, 0..1' }),
  numberSensor('requests.rate', { staleAfterMs: 30_000, unit: 'requests/s' }),
  numberSensor('latency', { staleAfterMs: 30_000, unit: 'seconds', description: 'mean response time' }),
  defineSensor({ name: 'version', schema: z.string(), description: 'software version' }),
];

/** Boots a simulated server: starting, then running and up after its boot time (unless a fault is injected). */
async function boot(entity: Entity, bootTime: number, context: DriverContext, signal?: AbortSignal): Promise<void> {
  entity.setUp(false);
  entity.setState('starting');
  await sleep(context.scheduler, bootTime, signal);
  if (entity.state === 'stopping' || entity.state === 'stopped') return;
  entity.setState('running');
  // a server with an injected fault, or running a bad version, starts and dies at once
  const badVersion = entity.config['badVersion'];
  entity.setUp(!context.simulation?.isFailed(entity) && (badVersion === undefined || entity.sensor<string>('version').current?.value !== badVersion));
}

/**
 * A simulated web server: boots, serves the share of load its cluster hands it (the cluster publishes its
 * sensors), can crash (the cluster's chaos) and be restarted.
 */
export const simServerType: EntityType<SimServerConfig> = {
  name: 'sim.server',
  description: 'a simulated web server with a boot time; restart and stop effectors',
  config: serverConfig,
  sensors: SIM_SERVER_SENSORS,
  effectors: ['restart', 'stop', 'update'],
  start: (entity, config, context) => {
    entity.addEffector(
      defineEffector({
        name: 'restart',
        description: 'stop the server process and boot it again',
        params: z.strictObject({}),
        idempotent: true,
        timeoutMs: config.bootTime + 30_000,
        run: (_params, { signal }) => boot(entity, config.bootTime, context, signal),
      }),
    );
    entity.addEffector(
      defineEffector({
        name: 'stop',
        description: 'stop the server',
        params: z.strictObject({}),
        idempotent: true,
        run: () => {
          entity.setState('stopping');
          entity.setUp(false);
          entity.setState('stopped');
        },
      }),
    );
    entity.addEffector(
      defineEffector({
        name: 'update',
        description: 'install a version and boot it',
        params: z.strictObject({ version: nameParam }),
        idempotent: true,
        timeoutMs: config.bootTime + 30_000,
        run: async ({ version }, { signal }) => {
          entity.sensor('version').publish(version);
          await boot(entity, config.bootTime, context, signal);
        },
      }),
    );
    entity.sensor('version').publish(config.version);
    void boot(entity, config.bootTime, context);
  },
};

/** The capacity of a simulated server entity, from its config. */
export function serverCapacity(entity: Entity): number {
  const capacity = entity.config['capacity'];
  return typeof capacity === 'number' && capacity > 0 ? capacity : 25;
}
