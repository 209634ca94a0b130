import { filter, map, merge } from 'rxjs';
import { z } from 'zod';
import { failureDetector } from '../analyzers/failure-detector.js';
import { durationSchema, intervalSchema } from '../core/duration.js';
import type { Entity } from '../core/entity.js';
import { memberObservations } from '../sensors/member-observations.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy } from './define-policy.js';

/** Config of the built-in failover policy. */
export const failoverConfig = z.strictObject({
  /** How long the primary must be down before failing over. Default 10 s. */
  failureDelay: durationSchema.default(10_000),
  /** How long it must be up again before it counts as recovered. Default 30 s. */
  recoveryDelay: durationSchema.default(30_000),
  /** A replica further behind than this (s) is not promoted (Patroni's maximum lag on failover). Default 5. */
  maxLag: z.number().min(0).default(5),
  /** No second automatic failover of this group within this time (Orchestrator's recovery block). Default 10 min. */
  recoveryBlock: durationSchema.default(600_000),
  /** Time the promoted replica has to report itself primary. Default 30 s. */
  promoteTimeout: intervalSchema.default(30_000),
  from: z.enum(['children', 'members']).default('children'),
});

type Config = z.output<typeof failoverConfig>;

function databases(group: Entity, config: Config): Entity[] {
  return [...(config.from === 'children' ? group.children : group.members)].filter((e) => e.hasSensor('role'));
}

function roleOf(db: Entity): string | undefined {
  return db.sensor<string>('role').current?.value;
}

/** Eligible replicas, best first: up, caught up within maxLag, higher weight, then less lag. */
export function electionCandidates(group: Entity, config: Config): Array<{ id: string; lag: number; weight: number }> {
  return databases(group, config)
    .filter((db) => roleOf(db) === 'replica' && db.sensor<boolean>('service.up').value === true)
    .map((db) => ({ id: db.id, lag: db.sensor<number>('replication.lag').value, weight: typeof db.config['weight'] === 'number' ? db.config['weight'] : 1 }))
    .filter((c): c is { id: string; lag: number; weight: number } => c.lag !== undefined && c.lag <= config.maxLag)
    .sort((a, b) => b.weight - a.weight || a.lag - b.lag);
}

/** Replicas passed over, each with why: down, lag unknown, or lag over the bound. */
function ineligible(group: Entity, config: Config, old: string): string[] {
  return databases(group, config)
    .filter((db) => db.id !== old && roleOf(db) === 'replica')
    .flatMap((db) => {
      if (db.sensor<boolean>('service.up').value !== true) return [`${db.id} (down)`];
      const lag = db.sensor<number>('replication.lag').value;
      if (lag === undefined) return [`${db.id} (lag unknown)`];
      return lag > config.maxLag ? [`${db.id} (lag ${lag.toFixed(1)} s > ${config.maxLag} s)`] : [];
    });
}

/**
 * Unplanned failover for a primary-replica group: when the primary has been down for `failureDelay`, fence
 * it (so it cannot come back as a second primary), then promote the best replica, and check the promotion
 * took. At most one automatic failover per `recoveryBlock`, so a flapping primary does not cause a failover
 * storm. Planned switchovers are the group's `switchover` effector, for people, not this policy.
 */
export const failover = definePolicy({
  name: 'failover',
  description: 'fences a failed primary and promotes the best replica',
  config: failoverConfig,
  requiresEffectors: (config) => ['fence', 'promote'].map((effector) => ({ effector, on: config.from, ifSensor: 'role', configPath: ['from'] })),
  monitor: ({ tree, entity, config }) => merge(memberObservations<boolean>(tree, entity, 'service.up', config.from), memberObservations<string>(tree, entity, 'role', config.from)),
  analyze: (source, { entity, config, scheduler }) =>
    source.pipe(
      map((): Observation<boolean> | undefined => {
        const primary = databases(entity, config).find((db) => roleOf(db) === 'primary');
        const up = primary?.sensor<boolean>('service.up').current;
        return primary && up ? { ...up, entity: primary.id } : undefined;
      }),
      filter((o): o is Observation<boolean> => o !== undefined),
      failureDetector({ downAfterMs: config.failureDelay, upAfterMs: config.recoveryDelay }, scheduler),
      filter((s) => s.kind === 'down'),
    ),
  plan: (symptom, { entity, config }) => {
    const old = symptom.inputs[0]?.entity as string;
    if (databases(entity, config).find((db) => db.id === old && roleOf(db) !== 'primary')) return undefined; // already handled
    const [best, ...others] = electionCandidates(entity, config);
    if (!best) {
      return { actions: [], nonAction: 'refused', reason: `primary ${old} is down, but no replica is up with a replication lag under ${config.maxLag} s (${ineligible(entity, config, old).join(', ') || 'no replicas'}): not failing over (a person must decide)` };
    }
    const runnersUp = others.length > 0 ? `; also eligible: ${others.map((o) => `${o.id} (lag ${o.lag.toFixed(1)} s)`).join(', ')}` : '';
    const excluded = ineligible(entity, config, old);
    const passedOver = excluded.length > 0 ? `; not eligible: ${excluded.join(', ')}` : '';
    return {
      actions: [
        { id: 'fence', entity: old, effector: 'fence' },
        { id: 'promote', entity: best.id, effector: 'promote', after: ['fence'], check: { entity: best.id, sensor: 'role', op: 'eq', value: 'primary', withinMs: config.promoteTimeout } },
      ],
      reason: `primary ${old} has been down for ${config.failureDelay / 1000} s: fence it, then promote ${best.id} (weight ${best.weight}, lag ${best.lag.toFixed(1)} s)${runnersUp}${passedOver}`,
      cooldown: { key: 'failover', ms: config.recoveryBlock },
      scope: entity.id,
    };
  },
});
