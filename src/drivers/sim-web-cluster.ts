import { interval } from 'rxjs';
import { z } from 'zod';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { groupSizeSchema } from '../core/limits.js';
import { numberSensor } from '../sensors/define-sensor.js';
import { CLUSTER_EFFECTORS, GROUP_SIZE, startCluster } from './basic-types.js';
import type { EntityType } from './entity-type.js';
import { serverCapacity } from './sim-server.js';
import { forgetCluster, offeredLoad, recordServed } from '../sim/routing.js';

const loadSchema = z.strictObject({
  /** Mean offered load (requests/s). */
  base: z.number().min(0).default(40),
  /** Swing of the daily-like wave around the mean (requests/s). */
  amplitude: z.number().min(0).default(30),
  /** Period of the wave. Default 5 min. */
  period: intervalSchema.default(300_000),
  /** Random noise as a fraction of the load. Default 0.05. */
  noise: z.number().min(0).max(1).default(0.05),
});

const webClusterConfig = z.strictObject({
  initialSize: groupSizeSchema().default(2),
  /** How often the simulation updates the sensors. Default 5 s. */
  tick: intervalSchema.default(5_000),
  load: loadSchema.default(loadSchema.parse({})),
  /** Crash one running member this often (0: never). Default 0. */
  crashEvery: durationSchema.default(0),
  /** Mean service time of one request at low utilization (seconds). Default 0.05. */
  serviceTime: z.number().positive().default(0.05),
});

/**
 * A simulated web cluster under synthetic load: offered load follows a wave with noise, is spread over the
 * running members, and each member reports utilization, throughput and latency (an M/M/1 approximation).
 * Optional chaos crashes a member now and then, for restarters to act on.
 */
export const simWebClusterType: EntityType<z.infer<typeof webClusterConfig>> = {
  name: 'sim.web-cluster',
  description: 'a cluster of sim.server members under synthetic load, with optional crashes',
  config: webClusterConfig,
  sensors: [
    GROUP_SIZE,
    numberSensor('load.offered', { staleAfterMs: 30_000, unit: 'requests/s' }),
    numberSensor('servers.running', { staleAfterMs: 30_000, unit: 'members' }),
  ],
  effectors: CLUSTER_EFFECTORS,
  defaultQuorum: { from: 'members', rule: 'atLeastOne' },
  needsMemberSpec: true,
  start: (entity, config, context) => {
    const stopCluster = startCluster(entity, config.initialSize, context);
    const { scheduler, random } = context;
    let sinceCrash = 0;
    const tick = interval(config.tick, scheduler).subscribe(() => {
      const t = scheduler.now();
      const wave = config.load.base + config.load.amplitude * Math.sin((2 * Math.PI * t) / config.load.period);
      // this cluster's own users; a traffic manager in the tree may send them (and others') elsewhere
      const offered = offeredLoad(context.tree, entity, Math.max(0, wave * (1 + config.load.noise * (2 * random() - 1))));
      const running = entity.members.filter((m) => m.state === 'running' && m.sensor<boolean>('service.up').value === true);
      recordServed(context.tree, entity, running.reduce((sum, m) => sum + Math.min(offered / running.length, serverCapacity(m)), 0));
      entity.sensor('load.offered').publish(offered);
      entity.sensor('servers.running').publish(running.length);
      for (const member of running) {
        const rate = offered / running.length;
        const utilization = rate / serverCapacity(member);
        const served = Math.min(rate, serverCapacity(member));
        member.sensor('cpu').publish(Math.min(1, utilization));
        member.sensor('requests.rate').publish(served);
        member.sensor('latency').publish(config.serviceTime / (1 - Math.min(utilization, 0.98)));
      }
      sinceCrash += config.tick;
      if (config.crashEvery > 0 && sinceCrash >= config.crashEvery && running.length > 0) {
        sinceCrash = 0;
        const victim = running[Math.floor(random() * running.length)];
        victim?.setUp(false);
      }
    });
    return () => {
      tick.unsubscribe();
      forgetCluster(context.tree, entity);
      stopCluster();
    };
  },
};
