// SWIM's reactive adaptation managers (Moreno et al., SEAMS 2018), ported as homeostat policies: the
// baselines the built-in policies are measured against. Written the way a user writes policy modules.
import { filter, map } from 'rxjs';
import { z } from 'zod';
import { definePolicy, type Observation, type Symptom } from 'homeostat';

const config = z.object({
  /** Response-time threshold (s). */
  threshold: z.number().positive().default(0.75),
  maxServers: z.number().int().min(1).default(3),
  dimmerStep: z.number().gt(0).max(1).default(0.25),
});

const SENSORS = ['response.time', 'utilization.total', 'servers.active', 'servers.booting', 'group.size', 'dimmer'] as const;

/**
 * Every monitoring period: if the response time is over the threshold, add a server when none is booting and
 * there are fewer than the maximum, else lower the dimmer one step. If it is under the threshold (and, for
 * Reactive, spare utilization - active servers minus summed utilization - exceeds 1), raise the dimmer one
 * step if it is below 1, else remove a server when none is booting and there is more than one.
 */
export function swimReactive(name: string, requireSpareUtilization: boolean) {
  return definePolicy({
    name,
    config,
    requires: () => SENSORS.map((sensor) => ({ on: 'self' as const, sensor })),
    // one evaluation per monitoring period: the period's utilization is always published
    monitor: ({ entity }) => entity.sensor<number>('utilization.total').readings$,
    analyze: (source, { entity }) =>
      source.pipe(
        map((trigger): Symptom | undefined => {
          const readings = SENSORS.map((s) => entity.sensor<number>(s).current);
          // the response time must be this period's (none is published when nothing completed)
          if (readings.some((r) => r === undefined) || (readings[0] as Observation<number>).at < trigger.at) return undefined;
          return { kind: 'period', inputs: readings as Observation<number>[] };
        }),
        filter((s): s is Symptom => s !== undefined),
      ),
    plan: (symptom, { entity, config }) => {
      const [rt, utilization, active, booting, servers, dimmer] = symptom.inputs.map((i) => i.value as number) as [number, number, number, number, number, number];
      const act = (effector: string, params: object, reason: string) => ({ actions: [{ entity: entity.id, effector, params }], reason });
      if (rt > config.threshold) {
        if (booting === 0 && servers < config.maxServers) return act('addServer', {}, `response time ${rt.toFixed(3)} s > ${config.threshold} s: add a server`);
        if (dimmer > 0) return act('setDimmer', { value: Math.max(0, dimmer - config.dimmerStep) }, `response time ${rt.toFixed(3)} s > ${config.threshold} s and no server can be added: lower the dimmer`);
        return undefined;
      }
      if (rt < config.threshold) {
        const spare = active - utilization;
        if (requireSpareUtilization && !(spare > 1)) return undefined;
        const why = requireSpareUtilization ? ` and spare utilization ${spare.toFixed(2)} > 1` : '';
        if (dimmer < 1) return act('setDimmer', { value: Math.min(1, dimmer + config.dimmerStep) }, `response time ${rt.toFixed(3)} s < ${config.threshold} s${why}: raise the dimmer`);
        if (booting === 0 && servers > 1) return act('removeServer', {}, `response time ${rt.toFixed(3)} s < ${config.threshold} s${why}: remove a server`);
      }
      return undefined;
    },
  });
}
