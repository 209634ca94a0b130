import { merge } from 'rxjs';
import type { Entity } from '../core/entity.js';
import { z } from 'zod';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { firstFailingGuard } from '../core/guards.js';
import { groupMembers, isWritablePrimary, replicationGroupOf } from '../core/replication-group.js';
import { guardRefs, guardsSchema, toGuards } from '../planners/guard-schema.js';
import { memberObservations } from '../sensors/member-observations.js';
import { definePolicy, type Plan } from './define-policy.js';
import { databases, electionCandidates, ineligible, roleOf } from './failover/election.js';
import { newPrimary, PROMOTING, standDown } from './failover/stand-down.js';
import { leaseRanOut, leaseStance, waitingForLease } from './failover/lease.js';
import { primaryWatch } from './failover/watch.js';
import { notifyEffector, notifyInstead, notifyOptionSchema } from './notify-option.js';
import { unfencedPromotions } from './promotion-safety.js';

export { electionCandidates } from './failover/election.js';

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
  /** Time the fence has to succeed. Default 30 s. */
  fenceTimeout: intervalSchema.default(30_000),
  /**
   * `required` (default): no promotion unless the old primary was fenced. `best-effort`: promote even when
   * the fence failed or timed out (the operator accepts that an unreachable old primary may still take writes).
   * Neither applies to an old primary that publishes a lease (`lease.until`): the failover waits for it.
   */
  fence: z.enum(['required', 'best-effort']).default('required'),
  /** After a failed attempt, try again this often while the primary stays down. Default 1 min. */
  retryInterval: intervalSchema.default(60_000),
  /** Fail over only while these hold (e.g. the app tier is up); otherwise the decision is `blocked`. */
  when: guardsSchema.optional(),
  notify: notifyOptionSchema.optional(),
  from: z.enum(['children', 'members']).default('children'),
  /**
   * Another system fails this group over (Redis Sentinel, Patroni, a person): the policy only observes, and
   * each failure it sees is a `refused` decision saying so. Default false; a group whose servers say Redis
   * Sentinels watch them (`sentinels`) or Patroni manages them (`patroni`) is stood down for the same way.
   */
  external: z.boolean().default(false),
});

type Config = z.output<typeof failoverConfig>;

const LAST_FAILOVER = 'lastFailoverAt';
const LAST_OUTCOME = 'lastOutcome';

/**
 * Two writable primaries this policy did not make (a failover by Sentinel, Patroni or a person beside it):
 * stated, not acted on, since fencing either could fight the other failover; still so when it plans.
 */
function splitBrain(primaries: unknown, dbs: readonly Entity[]): Plan | undefined {
  const ids = Array.isArray(primaries) ? primaries.map(String) : [];
  const still = dbs.filter((db) => ids.includes(db.id) && roleOf(db) === 'primary' && db.sensor<boolean>('service.up').value === true);
  if (still.length < 2) return undefined;
  const named = still.map((db) => `${db.id}${db.hasSensor('address') && db.sensor<string>('address').value ? ` (${db.sensor<string>('address').value ?? ''})` : ''}`);
  return { actions: [], nonAction: 'refused', reason: `${named.join(' and ')} all report themselves primary and are up: a split brain (another failover, by Sentinel, Patroni or a person, beside this policy?); not failing over and fencing neither: fence or demote all but one (the group publishes no primary until then)` };
}

function decide(symptom: { kind: string; detail?: Readonly<Record<string, unknown>> }, config: Config, context: Parameters<typeof failover.plan>[1]): Plan | undefined {
  const { entity, scheduler, state, tree } = context;
  if (symptom.kind === 'split-brain') return splitBrain(symptom.detail?.['primaries'], databases(entity, config));
  if (symptom.kind === 'new-primary') return newPrimary(String(symptom.detail?.['from']), String(symptom.detail?.['to']), state);
  const old = symptom.detail?.['primary'] as string | undefined;
  const dbs = databases(entity, config);
  if (old !== undefined && dbs.find((db) => db.id === old && roleOf(db) !== 'primary')) return undefined; // already handled
  if (old === undefined && dbs.some((db) => roleOf(db) === 'primary')) return undefined; // a primary appeared
  // a standby group whose replication group has its writable primary elsewhere (another site) is fine
  if (old === undefined && dbs.some((db) => groupMembers(tree.root, replicationGroupOf(db)).some(isWritablePrimary))) return undefined;
  const what = old === undefined ? `${entity.id} has had no primary for ${config.failureDelay / 1000} s` : `primary ${old} has been down for ${config.failureDelay / 1000} s`;
  const again = symptom.detail?.['reconsidered'] ? ` (reconsidered: ${String(symptom.detail['reconsidered'])})` : '';
  // reconsidered after the primary came back (inside recoveryDelay): a healthy primary is never fenced
  if (old !== undefined && dbs.find((db) => db.id === old)?.sensor<boolean>('service.up').value === true) return { actions: [], reason: `${what}${again}, but it is up again: not failing over` };
  const outside = standDown(`${what}${again}`, old, dbs, config, state);
  if (outside) return outside;
  const guard = firstFailingGuard(tree, toGuards(config.when));
  if (guard) return { actions: [], nonAction: 'blocked', reason: `${what}${again}, but the guard ${guard.description} does not hold: not failing over` };
  const blockedUntil = (state.get<number>(LAST_FAILOVER) ?? -Infinity) + config.recoveryBlock;
  if (blockedUntil > scheduler.now()) {
    return { actions: [], nonAction: 'blocked', reason: `${what}${again}, but ${entity.id} failed over at ${(state.get<number>(LAST_FAILOVER) ?? 0) / 1000} s: blocked until ${blockedUntil / 1000} s (recovery block ${config.recoveryBlock / 1000} s); reconsidered then` };
  }
  const [best, ...others] = electionCandidates(entity, config);
  if (!best) {
    return { actions: [], nonAction: 'refused', reason: `${what}${again}, but no replica is up with a replication lag under ${config.maxLag} s (${ineligible(entity, config, old).join(', ') || 'no replicas'}): not failing over; reconsidered when a replica catches up` };
  }
  const runnersUp = others.length > 0 ? `; also eligible: ${others.map((o) => `${o.id} (lag ${o.lag.toFixed(1)} s)`).join(', ')}` : '';
  const excluded = ineligible(entity, config, old);
  const passedOver = excluded.length > 0 ? `; not eligible: ${excluded.join(', ')}` : '';
  const promote = { id: 'promote', entity: best.id, effector: 'promote', check: { entity: best.id, sensor: 'role', op: 'eq' as const, value: 'primary', withinMs: config.promoteTimeout } };
  const candidate = `${best.id} (weight ${best.weight}, lag ${best.lag.toFixed(1)} s)${runnersUp}${passedOver}`;
  // an old primary's lease says when it stops taking writes by itself, reachable or not (see leaseStance)
  const lease = leaseStance(dbs.find((db) => db.id === old), scheduler.now());
  if (old !== undefined && lease.kind === 'held') return { actions: [], nonAction: 'blocked', reason: `${what}${again}, but ${waitingForLease(old, lease.until)}` };
  const fenceFirst = old !== undefined && lease.kind === 'none';
  const bestEffort = config.fence === 'best-effort';
  const actions = fenceFirst ? [{ id: 'fence', entity: old, effector: 'fence', timeoutMs: config.fenceTimeout, ...(bestEffort ? { bestEffort: true } : {}) }, { ...promote, after: ['fence'] }] : [promote];
  // a primary of the same replication group elsewhere in the tree (another site) would be a second one
  const unsafe = unfencedPromotions(tree, actions, old !== undefined && lease.kind === 'expired' ? [old] : []);
  if (unsafe.length > 0) return { actions: [], nonAction: 'refused', reason: `${what}${again}, but promoting would make a second primary: ${unsafe.join('; ')}` };
  // this policy's own promotion, when it takes, is not someone else's (see newPrimary)
  state.set(PROMOTING, best.id);
  // no engine cooldown: the recovery block is this policy's own (after applied failovers only), so a
  // failed attempt is retried and a blocked one is a decision that says until when
  if (!fenceFirst) return { actions, reason: `${what}${again}: promote ${candidate}${old !== undefined && lease.kind === 'expired' ? leaseRanOut(old, lease.until) : ''}`, scope: entity.id };
  return {
    actions,
    reason: `${what}${again}: fence it${bestEffort ? ' (best effort: promote even if the fence fails)' : ''}, then promote ${candidate}`,
    scope: entity.id,
  };
}

/**
 * Unplanned failover for a primary-replica group: when the primary has been down for `failureDelay`, fence
 * it (so it cannot come back as a second primary), then promote the best replica, and check the promotion
 * took; when the fence fails, nothing is promoted (unless `fence: best-effort`). At most one automatic
 * failover per `recoveryBlock`: a failure inside it is a `blocked` decision, reconsidered when the block
 * ends; no eligible replica is a `refused` one, reconsidered when a replica catches up. Planned switchovers
 * are the group's `switchover` effector, for people, not this policy. It stands down (a `refused` decision
 * saying who and what) when another database is the writable primary already, when Redis Sentinels watch the
 * servers or Patroni manages them, and always with `external: true`; a new primary it did not promote is a decision saying so.
 *
 * A primary cut off from homeostat by a partition is down to homeostat but may still take its clients' writes,
 * and fencing it across the partition fails: fencing first keeps such a group safe but without a writable
 * primary for as long as the partition lasts. A database that holds a write lease (it publishes `lease.until`,
 * renewed by each poll that reaches it; a primary nobody reaches for that long stops taking writes by itself,
 * as with Patroni's leader key or Redis's `min-replicas-max-lag`) lets the failover do better: while the old
 * primary's lease may hold, the decision is `blocked`, saying until when it waits, and reconsidered when the
 * lease runs out; then the best replica is promoted without fencing the old primary, which no longer takes
 * writes. The trade-offs: a crashed primary that a fence would have stopped at once is waited for too, up to
 * its lease after its last poll (a lease no longer than `failureDelay` adds no wait); and the lease is renewed
 * only by polls that reach the primary, so while nothing polls it (homeostat stopped, or itself cut off) every
 * primary holding a lease stops taking writes when it runs out, as a Patroni primary does when it cannot reach
 * its DCS: a shorter lease is a shorter wait, and a shorter outage of homeostat is enough to stop writes. The
 * lease must be timed by the database on its own monotonic clock and run out no later than it says (its
 * clock's drift taken off), or it guards nothing.
 */
export const failover = definePolicy({
  name: 'failover',
  description: 'fences a failed primary and promotes the best replica',
  config: failoverConfig,
  requiresEffectors: (config) => [...['fence', 'promote'].map((effector) => ({ effector, on: config.from, ifSensor: 'role' as const, configPath: ['from'] })), ...notifyEffector(config.notify)],
  requiresEntities: (config) => [...guardRefs(config.when, ['when']), ...(config.notify ? [{ entity: config.notify.entity, configPath: ['notify', 'entity'] }] : [])],
  monitor: ({ tree, entity, config }) =>
    merge(
      memberObservations<boolean>(tree, entity, 'service.up', config.from),
      memberObservations<string>(tree, entity, 'role', config.from),
      memberObservations<number>(tree, entity, 'replication.lag', config.from),
    ),
  analyze: (source, { entity, config, scheduler, state }) =>
    source.pipe(
      primaryWatch(entity, { ...config, blockedUntil: () => (state.get<number>(LAST_FAILOVER) ?? -Infinity) + config.recoveryBlock, lastOutcome: () => state.get<string>(LAST_OUTCOME) }, scheduler),
    ),
  plan: (symptom, context) => {
    const plan = decide(symptom, context.config, context);
    return plan && notifyInstead(plan, context.config.notify, { entity: context.entity.id, policy: context.policyId });
  },
  observe: (decision, { state }) => {
    state.set(LAST_OUTCOME, decision.outcome);
    if (decision.outcome === 'applied' && decision.actions.some((a) => a.effector === 'promote')) state.set(LAST_FAILOVER, decision.at);
  },
});
