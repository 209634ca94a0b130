import { interval } from 'rxjs';
import { z } from 'zod';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { groupSizeSchema } from '../core/limits.js';
import { defineEffector } from '../effectors/define-effector.js';
import { numberSensor } from '../sensors/define-sensor.js';
import { poissonArrivals, traceArrivals } from '../sim/swim/arrivals.js';
import type { PeriodStats } from '../sim/swim/period-stats.js';
import { NotAdaptingYetError, swimAdaptationStart } from '../sim/swim/adaptation-start.js';
import { SWIM_DEFAULTS, WebClusterModel } from '../sim/swim/web-cluster-model.js';
import type { EntityType } from './entity-type.js';
import { countParam } from './effector-params.js';

/** Arrivals per second a simulated cluster may be asked to generate (each is an event in the simulation). */
const MAX_SIM_RATE = 100_000;

const swimConfig = z.strictObject({
  maxServers: groupSizeSchema(1).default(SWIM_DEFAULTS.maxServers),
  initialServers: groupSizeSchema().default(SWIM_DEFAULTS.initialServers),
  bootDelay: durationSchema.default(SWIM_DEFAULTS.bootDelay * 1000),
  /** Monitoring period: sensors are published once per period, as SWIM's monitor does. Default 60 s. */
  period: intervalSchema.default(60_000),
  /** SWIM's `numberOfBrownoutLevels`: managers step the dimmer by one level; `setDimmer` takes any share. */
  dimmerLevels: z.number().int().min(2).max(1_000).default(SWIM_DEFAULTS.dimmerLevels),
  /** The dimmer a run starts with. Default 0.9, as SWIM's runs (`brownoutFactor = 0.1`). */
  initialDimmer: z.number().min(0).max(1).default(SWIM_DEFAULTS.initialDimmer),
  /**
   * When a request's content is drawn against the dimmer: `service` (when its service starts, as SWIM) or
   * `arrival`. Default `service`.
   */
  dimmerAppliedAt: z.enum(['service', 'arrival'], { error: "expected 'service' (when a request's service starts, as SWIM) or 'arrival'" }).default('service'),
  /**
   * Adaptations (`resize`, `addServer`, `removeServer`, `setDimmer`) are refused before this time since the
   * start, with E_NOT_ADAPTING_YET. Default SWIM's rule: half the run's warm-up (900 s unless the simulation
   * says otherwise, as SWIM's) rounded up to whole periods, plus one period (540 s with 60 s periods). `0`
   * adapts from the start.
   */
  adaptFrom: durationSchema.optional(),
  responseTimeThreshold: z.number().positive().default(SWIM_DEFAULTS.responseTimeThreshold),
  /** A re-added server starts with a cold cache (SWIM's `cacheClearsWhenReboot`). Default false, as in SWIM. */
  cacheClearsOnReboot: z.boolean().default(false),
  /** Arrivals per second of a Poisson process, used when no trace is replayed (e.g. `homeostat run`). */
  rate: z.number().min(0).max(MAX_SIM_RATE, { message: `a simulated arrival rate is at most ${MAX_SIM_RATE} requests/s` }).default(20),
}).refine((c) => c.initialServers <= c.maxServers, { message: 'initialServers must not exceed maxServers', path: ['initialServers'] });

/** Sensors of a simulated SWIM cluster; readings are per monitoring period and go stale after 2.5 periods. */
function swimSensors(periodMs: number) {
  const staleAfterMs = periodMs * 2.5;
  return [
    numberSensor('arrival.rate', { staleAfterMs, unit: 'requests/s' }),
    numberSensor('response.time', { staleAfterMs, unit: 'seconds', description: 'mean response time in the last period' }),
    numberSensor('late.fraction', { staleAfterMs, unit: 'ratio', description: 'share of responses over the threshold' }),
    numberSensor('utilization', { staleAfterMs, unit: 'ratio', description: 'mean busy fraction of the active servers' }),
    numberSensor('utilization.total', { staleAfterMs, unit: 'servers', description: 'busy server-seconds per second (SWIM)' }),
    numberSensor('servers.active', { staleAfterMs, unit: 'servers' }),
    numberSensor('servers.booting', { staleAfterMs, unit: 'servers' }),
    numberSensor('group.size', { unit: 'servers', description: 'servers, booting ones included' }),
    numberSensor('dimmer', { unit: 'ratio', description: 'share of responses with optional content' }),
  ];
}

/**
 * A simulated SWIM web cluster (see WebClusterModel): replays the simulation's trace, or a Poisson process
 * at `rate` when there is none. Effectors: `resize`, `addServer`, `removeServer` and `setDimmer`.
 */
export const simSwimType: EntityType<z.infer<typeof swimConfig>> = {
  name: 'sim.swim',
  description: "a simulated web cluster compatible with SWIM: load balancer, servers with boot delay, dimmer",
  config: swimConfig,
  sensors: swimSensors(60_000),
  effectors: ['resize', 'addServer', 'removeServer', 'setDimmer'],
  start: (entity, config, { scheduler, random, simulation }) => {
    for (const sensor of swimSensors(config.period)) entity.addSensor(sensor);
    const seconds = (): number => scheduler.now() / 1000;
    const settings = { ...SWIM_DEFAULTS, ...config, bootDelay: config.bootDelay / 1000 };
    const startedAt = seconds();
    const adaptFrom = config.adaptFrom === undefined ? swimAdaptationStart(config.period / 1000, simulation?.warmupSeconds) : config.adaptFrom / 1000;
    /** Adaptations wait for the adaptation start, as SWIM's managers do. */
    const adapting = (effector: string): void => {
      if (seconds() - startedAt < adaptFrom) throw new NotAdaptingYetError(effector, adaptFrom, seconds() - startedAt);
    };
    const source = simulation?.trace ? traceArrivals(simulation.trace.arrivals, seconds()) : poissonArrivals(config.rate, random, seconds());
    const model = new WebClusterModel(settings, source, random, seconds());
    const periods: PeriodStats[] = [];
    simulation?.register({ entityId: entity.id, settings, periodSeconds: config.period / 1000, periods, activeSteps: model.activeSteps });

    /** Publishes the servers and the dimmer, stamped `at` (one period's snapshot) or now. */
    const publishShape = (at = scheduler.now()): void => {
      entity.sensor('group.size').publishAt(model.servers, at);
      entity.sensor('servers.active').publishAt(model.active, at);
      entity.sensor('servers.booting').publishAt(model.booting, at);
      entity.sensor('dimmer').publishAt(model.dimmer, at);
      entity.setUp(model.active > 0);
    };
    const resize = (effector: string, size: number): { servers: number } => {
      adapting(effector);
      model.resize(size, seconds());
      publishShape();
      return { servers: model.servers };
    };
    entity.addEffector(defineEffector({
      name: 'resize', description: 'set the number of servers (new ones boot first)', idempotent: true,
      params: z.strictObject({ size: countParam(0) }), run: ({ size }) => resize('resize', size),
    }));
    entity.addEffector(defineEffector({
      name: 'addServer', description: 'add one server (it boots first)', params: z.strictObject({}), run: () => resize('addServer', model.servers + 1),
    }));
    entity.addEffector(defineEffector({
      name: 'removeServer', description: 'remove the newest server', params: z.strictObject({}), run: () => resize('removeServer', Math.max(0, model.servers - 1)),
    }));
    entity.addEffector(defineEffector({
      name: 'setDimmer', description: 'set the share of responses with optional content', idempotent: true,
      params: z.strictObject({ value: z.number().min(0).max(1) }),
      run: ({ value }) => {
        adapting('setDimmer');
        model.setDimmer(value, seconds());
        publishShape();
        return { dimmer: model.dimmer };
      },
    }));

    entity.setState('running');
    publishShape();
    const tick = interval(config.period, scheduler).subscribe(() => {
      const stats = model.takePeriod(seconds());
      periods.push(stats);
      const length = stats.to - stats.from;
      // One consistent snapshot per period (SWIM's monitor): the shape first (boots that finished at the
      // boundary count as active, as SWIM processes them before its manager runs), then the period's
      // readings, the response time and the total utilization last: a policy evaluating on either reads
      // this period's values of all the others, never the previous period's. Every reading of the snapshot
      // has the same time: on a real clock, readings each stamped as published would put the response time
      // before the utilization that triggers the evaluation, and a policy checking that it reads this
      // period's response time (SWIM's Reactive rules) would skip every period.
      const at = scheduler.now();
      publishShape(at);
      entity.sensor('arrival.rate').publishAt(stats.arrivals / length, at);
      if (stats.activeServers > 0) entity.sensor('utilization').publishAt(Math.min(1, stats.utilizationTotal / stats.activeServers), at);
      if (stats.meanResponseTime !== undefined) {
        entity.sensor('late.fraction').publishAt(stats.late / stats.completed, at);
        entity.sensor('response.time').publishAt(stats.meanResponseTime, at);
      }
      entity.sensor('utilization.total').publishAt(stats.utilizationTotal, at);
    });
    return () => tick.unsubscribe();
  },
};
