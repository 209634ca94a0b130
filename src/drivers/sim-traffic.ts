import { interval } from 'rxjs';
import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import { defineEffector } from '../effectors/define-effector.js';
import { defineSensor, numberSensor } from '../sensors/define-sensor.js';
import { loadTotals } from '../sim/routing.js';
import type { SimulatedTraffic } from '../sim/simulation-host.js';
import type { EntityType } from './entity-type.js';
import { UnknownTargetError, nameParam } from './effector-params.js';

const ROUTE = defineSensor({ name: 'route', schema: z.string(), description: 'the site that receives the traffic' });
const DROPPED = numberSensor('requests.dropped', { staleAfterMs: 30_000, unit: 'requests/s', description: 'users\' requests no cluster served' });

const trafficConfig = z.strictObject({ site: z.string().min(1), tick: intervalSchema.default(5_000) });

/**
 * A simulated global traffic manager (DNS or anycast): sends all users' requests (every simulated web
 * cluster's own load) to the clusters of one site; `route` moves them. It reports what was offered, served
 * and dropped, so a simulation shows what a site loss cost and what DR won back.
 */
export const simTrafficType: EntityType<z.infer<typeof trafficConfig>> = {
  name: 'sim.traffic',
  description: 'a simulated traffic manager that routes all traffic to one site',
  config: trafficConfig,
  requiresEntities: (config) => [{ entity: config.site, configPath: ['site'] }],
  sensors: [ROUTE, DROPPED],
  effectors: ['route'],
  start: (entity, config, { tree, scheduler, simulation }) => {
    const record: SimulatedTraffic = { entityId: entity.id, routes: [], requests: { offered: 0, served: 0 } };
    simulation?.registerTraffic(record);
    const route = (site: string): void => {
      entity.sensor('route').publish(site);
      record.routes.push([scheduler.now() / 1000, site]);
    };
    entity.addEffector(
      defineEffector({
        name: 'route',
        description: 'send all traffic to a site',
        params: z.strictObject({ site: nameParam }),
        idempotent: true,
        run: ({ site }) => {
          if (!tree.find(site)) throw new UnknownTargetError(`no site '${site}' to route to`);
          route(site);
        },
      }),
    );
    entity.setState('running');
    entity.setUp(true);
    route(config.site);
    const tick = interval(config.tick, scheduler).subscribe(() => {
      const { demand, served } = loadTotals(tree);
      const seconds = config.tick / 1000;
      record.requests.offered += demand * seconds;
      record.requests.served += Math.min(served, demand) * seconds;
      entity.sensor('requests.dropped').publish(Math.max(0, demand - served));
    });
    return () => tick.unsubscribe();
  },
};
