import { z } from 'zod';
import { boundedDuration } from '../core/duration.js';
import type { Entity } from '../core/entity.js';
import { TerminalEffectorError, UnknownEntityError } from '../core/errors.js';
import { defineEffector } from '../effectors/define-effector.js';
import { metricCheckSchema } from '../effectors/progressive/analysis.js';
import { runBlueGreen } from '../effectors/progressive/blue-green.js';
import { runCanary } from '../effectors/progressive/canary.js';
import type { MemberOps } from '../effectors/progressive/member-ops.js';
import { quorumCost } from '../effectors/group-quorum.js';
import { recordNothing } from '../effectors/progressive/operation-record.js';
import { defineSensor } from '../sensors/define-sensor.js';
import { countParam, durationParam, nameParam, MAX_PARAM_DURATION_MS } from './effector-params.js';
import type { DriverContext } from './entity-type.js';

/** `release.active`: the set a blue-green release sends traffic to (its version and members). */
export const RELEASE_ACTIVE = defineSensor({
  name: 'release.active',
  schema: z.object({ version: z.string(), members: z.array(z.string()) }),
  description: 'the member set that serves after a blue-green switch: its version and member ids',
});

/** A step pause or analysis time: a duration (`2m`, or seconds), at most one day. */
const stepDuration = boundedDuration({ minMs: 0, maxMs: MAX_PARAM_DURATION_MS });

/** Params of `canary`. */
export const canaryParams = z.strictObject({
  version: nameParam,
  /**
   * Shares of members on the new version (percent, rising) and how long each is analysed. A step moves the member
   * count nearest its weight, at least one, and under 100 % leaves at least one member as the baseline.
   */
  steps: z
    .array(z.strictObject({ weight: z.number().min(1).max(100), pause: stepDuration }))
    .min(1)
    .max(20)
    .refine((steps) => steps.every((s, i) => i === 0 || s.weight > (steps[i - 1]?.weight ?? 0)), { message: 'step weights must rise from one step to the next' }),
  checks: z.array(metricCheckSchema).max(20).default([]),
  maxUnavailable: countParam(1).default(1),
  healthTimeout: durationParam(120_000, 3_600_000),
  /**
   * An effector that shifts traffic by weight (a load balancer's, a service mesh's), invoked with
   * `{ version, weight, canary, baseline }` (member ids joined by commas, so a blueprint's `http` or `exec`
   * effector can declare them as strings) once each step's members are healthy, with weight
   * 100 on promotion and 0 before a rollback. Without it, a step's weight is the share of members only.
   */
  traffic: z.strictObject({ entity: nameParam, effector: nameParam }).optional(),
  /** Let a step take the cluster below its quorum rule (default false: a step waits for members down, or fails saying so). */
  allowQuorumLoss: z.boolean().default(false),
});

/** Params of `blueGreen`. */
export const blueGreenParams = z.strictObject({
  version: nameParam,
  checks: z.array(metricCheckSchema).max(20).default([]),
  /** Time the new set is analysed against the old before the switch. Default 1 min. */
  analysis: stepDuration.default(60_000),
  /** Time the old set is kept after the switch, to switch back. Default 5 min. */
  keepOldFor: stepDuration.default(300_000),
  /** An effector told of each switch with `{ version, members }` (a load balancer's), besides `release.active`. */
  router: z.strictObject({ entity: nameParam, effector: nameParam }).optional(),
  healthTimeout: durationParam(120_000, 3_600_000),
});

/** What the cluster shares with its progressive operations. */
export interface ClusterHandle {
  readonly context: DriverContext;
  /** Config keys new members get (the template after a release). */
  readonly template: Record<string, unknown>;
  nextId(): string;
  serving(): Entity[];
  healthy(timeoutMs: number): (member: Entity) => Promise<void>;
}

/** Effector names these add. */
export const PROGRESSIVE_EFFECTORS = ['canary', 'blueGreen'] as const;

/** Adds `canary` and `blueGreen` to a cluster. */
export function addProgressiveEffectors(entity: Entity, cluster: ClusterHandle): void {
  const { context } = cluster;
  const record = context.recordOperation ?? recordNothing;
  // members already down count against maxUnavailable, and a step never costs the group its quorum (unless allowed)
  const ops = (healthTimeout: number, allowQuorumLoss: boolean): MemberOps => ({
    update: async (m, version) => void (await context.invoke(m, 'update', { version }, `${entity.id}/canary`)),
    healthy: cluster.healthy(healthTimeout),
    available: (m) => m.sensor<boolean>('service.up').value === true,
    ...(allowQuorumLoss ? {} : { quorumCost: (down: readonly Entity[]) => quorumCost(entity, down) }),
  });
  entity.addEffector(
    defineEffector({
      name: 'canary',
      description: 'move members to a version in weighted steps, analysing each step\'s metrics against the baseline; promote when all pass, roll back when any fails',
      params: canaryParams,
      timeoutMs: MAX_PARAM_DURATION_MS,
      run: async (params, { signal, scheduler }) => {
        const traffic = params.traffic === undefined ? undefined : context.tree.find(params.traffic.entity);
        if (params.traffic && !traffic) throw new UnknownEntityError(params.traffic.entity);
        const setWeight = traffic && params.traffic
          ? async (weight: number, canary: readonly Entity[], baseline: readonly Entity[]) => void (await context.invoke(traffic, (params.traffic as { effector: string }).effector, { version: params.version, weight, canary: canary.map((m) => m.id).join(','), baseline: baseline.map((m) => m.id).join(',') }, `${entity.id}/canary`))
          : undefined;
        const result = await runCanary(entity.id, cluster.serving(), params, { ...ops(params.healthTimeout, params.allowQuorumLoss), ...(setWeight ? { setWeight } : {}) }, { scheduler, record, signal });
        cluster.template['version'] = params.version;
        return result;
      },
    }),
  );
  entity.addEffector(
    defineEffector({
      name: 'blueGreen',
      description: 'start a new set at a version beside the old, analyse it, switch to it, keep the old set for a while to switch back',
      params: blueGreenParams,
      timeoutMs: MAX_PARAM_DURATION_MS,
      run: async (params, { signal, scheduler }) => {
        if (!entity.hasSensor(RELEASE_ACTIVE.name)) entity.addSensor(RELEASE_ACTIVE);
        const router = params.router === undefined ? undefined : context.tree.find(params.router.entity);
        if (params.router && !router) throw new UnknownEntityError(params.router.entity);
        const result = await runBlueGreen(
          entity.id,
          cluster.serving(),
          params,
          {
            spawn: (version) => {
              const member = context.spawnMember(entity, cluster.nextId(), { ...cluster.template, version });
              if (!member) throw new TerminalEffectorError(`'${entity.id}' has no memberSpec to start a new set from`);
              return member;
            },
            healthy: cluster.healthy(params.healthTimeout),
            available: (m) => m.sensor<boolean>('service.up').value === true,
            healthTimeout: params.healthTimeout,
            retire: (member) => context.retire(member),
            switchTo: async (version, members) => {
              entity.sensor(RELEASE_ACTIVE.name).publish({ version, members: members.map((m) => m.id) });
              if (router && params.router) await context.invoke(router, params.router.effector, { version, members: members.map((m) => m.id) }, `${entity.id}/blueGreen`);
            },
          },
          { scheduler, record, signal },
        );
        cluster.template['version'] = params.version;
        return result;
      },
    }),
  );
}
