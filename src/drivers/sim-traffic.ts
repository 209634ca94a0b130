import { z } from 'zod';
import { defineEffector } from '../effectors/define-effector.js';
import { defineSensor } from '../sensors/define-sensor.js';
import type { EntityType } from './entity-type.js';

const ROUTE = defineSensor({ name: 'route', schema: z.string(), description: 'the site that receives the traffic' });

/** A simulated global traffic manager (DNS or anycast): sends all traffic to one site; `route` moves it. */
export const simTrafficType: EntityType<{ site: string }> = {
  name: 'sim.traffic',
  description: 'a simulated traffic manager that routes all traffic to one site',
  config: z.strictObject({ site: z.string().min(1) }),
  requiresEntities: (config) => [{ entity: config.site, configPath: ['site'] }],
  sensors: [ROUTE],
  effectors: ['route'],
  start: (entity, config, { tree }) => {
    entity.addEffector(
      defineEffector({
        name: 'route',
        description: 'send all traffic to a site',
        params: z.strictObject({ site: z.string().min(1) }),
        idempotent: true,
        run: ({ site }) => {
          if (!tree.find(site)) throw new Error(`no site '${site}' to route to`);
          entity.sensor('route').publish(site);
        },
      }),
    );
    entity.setState('running');
    entity.setUp(true);
    entity.sensor('route').publish(config.site);
  },
};
