import { z } from 'zod';
import { boundedDuration, intervalSchema } from '../../core/duration.js';
import { maintenanceWindowSchema } from '../../core/maintenance-window.js';
import { metricCheckSchema } from '../../effectors/progressive/analysis.js';

const ONE_DAY_MS = 86_400_000;
const name = z.string().min(1).max(256);
const opSchema = z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']);

/** One entity a release moves to its version, how, and after which others. */
export const releaseTargetSchema = z.strictObject({
  /** The entity (a cluster, or a single entity with an `update` effector). */
  entity: name,
  /** Version for this target; default the release's. */
  version: name.optional(),
  /** Targets (by entity) that must be done first: the migration before the API, the API before the web tier. */
  after: z.array(name).max(100).default([]),
  /**
   * `rolling` (default): `rollingUpdate` in batches of `maxUnavailable` behind the health gate; `canary`:
   * weighted `steps` analysed by `checks`; `blueGreen`: a new set analysed, then switched to; `update`: the
   * entity's own `update` effector, then its `service.up` health gate.
   */
  strategy: z.enum(['rolling', 'canary', 'blueGreen', 'update']).default('rolling'),
  /** Members moved at once (the batch size): at most this many are unavailable. Default 1. */
  maxUnavailable: z.number().int().min(1).max(10_000).default(1),
  /**
   * `rolling` and `canary`: let a batch take the group below its quorum rule. Default false: a batch takes only
   * members whose loss keeps the quorum, and the release waits (saying so) while none can be taken down.
   */
  allowQuorumLoss: z.boolean().default(false),
  /** Time each member (or batch) has to become healthy. Default 2 min. */
  healthTimeout: boundedDuration({ minMs: 1, maxMs: 3_600_000 }).default(120_000),
  /** `canary`: the steps (percent of members, time analysed): the nearest member count, leaving a baseline under 100 %. */
  steps: z.array(z.strictObject({ weight: z.number().min(1).max(100), pause: boundedDuration({ maxMs: ONE_DAY_MS }) })).min(1).max(20).optional(),
  /**
   * `canary`: an effector that shifts traffic by weight (a load balancer's, a service mesh's), passed to the
   * `canary` effector as its `traffic` hook: told each step's weight once the step's members are healthy, 100
   * on promotion and 0 before a rollback. Without it, a step's weight is the share of members only.
   */
  traffic: z.strictObject({ entity: name, effector: name }).optional(),
  /** `canary` and `blueGreen`: the metric checks of each step. */
  checks: z.array(metricCheckSchema).max(20).default([]),
  /** `blueGreen`: analysis time before the switch (default 1 min) and time the old set is kept (default 5 min). */
  analysis: boundedDuration({ maxMs: ONE_DAY_MS }).default(60_000),
  keepOldFor: boundedDuration({ maxMs: ONE_DAY_MS }).default(300_000),
  /** A health gate after this target, on any entity's sensor: must hold within `within` before dependents start. */
  gate: z.strictObject({ entity: name.optional(), sensor: name, op: opSchema, value: z.union([z.number(), z.boolean(), z.string()]), within: intervalSchema.default(60_000) }).optional(),
});

/** One release target, as parsed (durations in ms). */
export type ReleaseTarget = z.output<typeof releaseTargetSchema>;

/** Config of the built-in `release` policy. */
export const releaseConfig = z
  .strictObject({
    /** The version to release (each target's own `version` overrides it). */
    version: name,
    targets: z.array(releaseTargetSchema).min(1).max(100),
    /** Maintenance windows (cron, duration, timezone): the release starts only while one is open. None: any time. */
    windows: z.array(maintenanceWindowSchema).max(50).default([]),
    /** How often the tree is compared with the release. Default 30 s. */
    evaluationInterval: intervalSchema.default(30_000),
  })
  .superRefine((config, ctx) => {
    const index = new Map<string, number>();
    config.targets.forEach((t, i) => {
      if (index.has(t.entity)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'entity'], message: `'${t.entity}' is already a target (targets[${index.get(t.entity)}])` });
      else index.set(t.entity, i);
      if (t.strategy === 'canary' && t.steps === undefined) ctx.addIssue({ code: 'custom', path: ['targets', i, 'strategy'], message: "a canary target needs 'steps' (e.g. [{ weight: 25, pause: 2m }])" });
      if (t.traffic !== undefined && t.strategy !== 'canary') ctx.addIssue({ code: 'custom', path: ['targets', i, 'traffic'], message: `'traffic' shifts a canary's weight: it needs strategy: canary (this target's is ${t.strategy})` });
      if (t.steps?.some((s, k) => k > 0 && s.weight <= (t.steps?.[k - 1]?.weight ?? 0))) ctx.addIssue({ code: 'custom', path: ['targets', i, 'steps'], message: 'step weights must rise from one step to the next' });
    });
    config.targets.forEach((t, i) =>
      t.after.forEach((dep, k) => {
        if (!index.has(dep)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'after', k], message: `'${dep}' is not a target of this release (targets: ${[...index.keys()].join(', ')})` });
      }),
    );
    const cycle = findCycle(config.targets);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['targets', index.get(cycle[0] as string) ?? 0, 'after'], message: `the targets depend on each other in a circle: ${cycle.join(' -> ')}` });
  });

/** The release config, as parsed. */
export type ReleaseConfig = z.output<typeof releaseConfig>;

/** A dependency circle among targets (as entity ids, first repeated at the end), or undefined. */
function findCycle(targets: readonly ReleaseTarget[]): string[] | undefined {
  const after = new Map(targets.map((t) => [t.entity, t.after]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of after.get(id) ?? []) {
      const found = after.has(dep) ? visit(dep) : undefined;
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const t of targets) {
    const found = visit(t.entity);
    if (found) return found;
  }
  return undefined;
}
