import { filter, interval, map, merge } from 'rxjs';
import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import { attemptsSchema } from '../core/limits.js';
import { isWindingDown } from '../core/lifecycle.js';
import { readStamps } from '../planners/restart-budget.js';
import { memberObservations } from '../sensors/member-observations.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';
import { notifyEffector, notifyOptionSchema } from './notify-option.js';

/** Config of the built-in replacer. */
export const replacerConfig = z.strictObject({
  /** Give up after this many failed replacements within `window`. Default 3. */
  maxFailures: attemptsSchema.default(3),
  /** Default 10 min. */
  window: intervalSchema.default(600_000),
  /** Time a replacement has to come up (ms). Default 5 min. */
  startTimeout: intervalSchema.default(300_000),
  replaceEffector: z.string().default('replaceMember'),
  /** How often members that are still on fire are looked at again (a failed replacement is retried). Default 1 min. */
  recheckInterval: intervalSchema.default(60_000),
  /** Page a person too when the replacement budget is spent (`on` must include `quota_exceeded`). */
  notify: notifyOptionSchema.optional(),
});

type Escalation = { reason: string; by: string; at: number };

/** A recheck tick's list of the members still on fire, as against one escalation reading. */
function isRecheck(o: Observation<Escalation> | readonly Observation<Escalation>[]): o is readonly Observation<Escalation>[] {
  return Array.isArray(o);
}

/** The first answer of `ask` that is not undefined, over `items` in order. */
function firstDefined<T, R>(items: readonly T[], ask: (item: T) => R | undefined): R | undefined {
  for (const item of items) {
    const answer = ask(item);
    if (answer !== undefined) return answer;
  }
  return undefined;
}

const FAILURES = 'failedReplacements';
const GAVE_UP = 'gaveUp';

/**
 * On a cluster: replaces a member that escalated (its restarter gave up): the cluster starts a new member
 * first and removes the old one only once the new one is up. After `maxFailures` failed replacements within
 * the window it gives up and escalates the cluster to its parent. A replacement holds the cluster, so the
 * autoscaler's plans wait (a replacement is not a resize).
 */
export const replacer = definePolicy({
  name: 'replacer',
  description: 'replaces members that escalated; escalates the cluster when replacements keep failing',
  config: replacerConfig,
  requiresEffectors: (config) => [{ effector: config.replaceEffector, configPath: ['replaceEffector'] }, ...notifyEffector(config.notify)],
  // level-based: new escalations, and every recheckInterval the members still on fire (as one list per tick)
  monitor: ({ tree, entity, config, scheduler }) =>
    merge(
      memberObservations<Escalation>(tree, entity, 'escalation'),
      interval(config.recheckInterval, scheduler).pipe(
        map((): readonly Observation<Escalation>[] => entity.members.filter((m) => m.state === 'on-fire').flatMap((m) => m.sensor<Escalation>('escalation').current ?? [])),
      ),
    ),
  analyze: (source, { tree, entity, config, scheduler }) => {
    // a member asked about is not asked about again until its replacement has had time to finish
    const asked = new Map<string, number>();
    const ask = (o: Observation<Escalation>): Symptom | undefined => {
      const member = tree.find(o.entity);
      if (!member || !entity.members.includes(member) || isWindingDown(member.state)) return undefined;
      const now = scheduler.now();
      if (now - (asked.get(o.entity) ?? -Infinity) < config.startTimeout + config.recheckInterval) return undefined;
      asked.set(o.entity, now);
      return { kind: 'escalated', inputs: [o], detail: { member: o.entity, reason: o.value.reason } };
    };
    return source.pipe(
      // a tick asks about one member still on fire: the first not already waiting on its replacement (the
      // first on fire alone kept every other one waiting for as long as its own replacements kept failing)
      map((o): Symptom | undefined => (isRecheck(o) ? firstDefined(o, ask) : ask(o))),
      filter((s): s is Symptom => s !== undefined),
    );
  },
  requiresEntities: (config) => (config.notify ? [{ entity: config.notify.entity, configPath: ['notify', 'entity'] }] : []),
  plan: (symptom, { entity, config, scheduler, state, policyId }) => {
    if (state.get<boolean>(GAVE_UP)) return undefined;
    const { member, reason } = symptom.detail as { member: string; reason: string };
    const failures = readStamps(state.get(FAILURES)).filter((at) => at > scheduler.now() - config.window);
    if (failures.length >= config.maxFailures) {
      const why = `${member} escalated (${reason}), but ${failures.length} replacements failed within ${config.window / 1000} s: giving up and escalating ${entity.id} to ${entity.parent?.id ?? 'nobody'}`;
      const page = config.notify?.on.includes('quota_exceeded')
        ? [{ entity: config.notify.entity, effector: config.notify.effector, params: { summary: `${policyId}: replacement budget spent`, description: why, severity: config.notify.severity, source: entity.id, labels: { policy: policyId, outcome: 'quota_exceeded' } } }]
        : [];
      return {
        actions: [{ entity: entity.id, effector: 'escalate', params: { reason: `${failures.length} replacements failed within ${config.window / 1000} s`, by: policyId } }, ...page],
        reason: page.length > 0 ? `${why}; paging via ${config.notify?.entity ?? ''}` : why,
      };
    }
    return {
      actions: [{ entity: entity.id, effector: config.replaceEffector, params: { member, startTimeout: config.startTimeout } }],
      // about the member, not the whole cluster: replacements of other members do not supersede this one
      targets: [member],
      reason: `${member} escalated (${reason}): replace it (start the new member first, then remove the old)`,
    };
  },
  observe: (decision, { state }) => {
    const effector = decision.actions[0]?.effector;
    if (decision.outcome === 'applied' && effector === 'escalate') state.set(GAVE_UP, true);
    if (decision.outcome === 'failed' && effector !== 'escalate') state.set(FAILURES, [...readStamps(state.get(FAILURES)), decision.at]);
  },
});
