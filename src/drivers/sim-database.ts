import { interval } from 'rxjs';
import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import { HomeostatError } from '../core/errors.js';
import { groupMembers, isWritablePrimary, replicationGroupOf } from '../core/replication-group.js';
import { defineEffector } from '../effectors/define-effector.js';
import { defineSensor, numberSensor } from '../sensors/define-sensor.js';
import { currentTerm, nextTerm } from './replication-terms.js';
import type { EntityType } from './entity-type.js';

/** Roles of a database in a primary-replica group; a fenced one accepts no writes and serves nothing. */
export const DB_ROLES = ['primary', 'replica', 'fenced'] as const;

type Role = (typeof DB_ROLES)[number];

const ROLE = defineSensor({ name: 'role', schema: z.enum(DB_ROLES), description: 'primary, replica or fenced' });
const LAG = numberSensor('replication.lag', { staleAfterMs: 60_000, unit: 'seconds', description: 'how far this replica is behind the primary' });
const LEASE = numberSensor('lease.until', { unit: 'ms', description: 'until when (scheduler time) this database may take writes as a primary without being reached again (its lease); published at each poll that reaches it, only with config.lease' });

/** How fencing behaves when the database cannot be reached (it, or its site, has failed). */
const fencingSchema = z.strictObject({
  /**
   * Chance (0..1) that a fence of an unreachable database succeeds, drawn from the seeded random source
   * on each attempt. Default 1: power fencing (STONITH through a management network) reaches a crashed
   * node; set it lower to model fencing over the network that failed.
   */
  unreachableSuccess: z.number().min(0).max(1).default(1),
  /** What a failed fence does: `error` (fails at once) or `timeout` (hangs until the step's timeout). */
  failure: z.enum(['error', 'timeout']).default('timeout'),
});

const databaseConfig = z.strictObject({
  role: z.enum(['primary', 'replica']).default('replica'),
  /** Preference in elections: higher wins among eligible replicas. Default 1. */
  weight: z.number().min(0).default(1),
  /** Typical replication lag of this replica (s). Default 1. */
  lag: z.number().min(0).default(1),
  tick: intervalSchema.default(5_000),
  /** Replication group, when its databases are not siblings (two sites); default the parent's id. */
  group: z.string().min(1).optional(),
  fencing: fencingSchema.default(fencingSchema.parse({})),
  /**
   * A primary's write lease (Patroni's leader-key TTL, Redis's `min-replicas-max-lag`): each poll that
   * reaches the database renews it for this long, and a primary that nobody reached for this long (a
   * partition) stops taking writes and becomes a replica, by itself. It is published as `lease.until`, so
   * that a failover knows when an unreachable primary has stopped. Longer than `tick`. Default none: a
   * partitioned primary takes writes until the partition heals.
   */
  lease: intervalSchema.optional(),
}).refine((c) => c.lease === undefined || c.lease > c.tick, { message: 'lease must be longer than tick (each poll renews it)', path: ['lease'] });

/** A fence that could not reach the database. */
export class FenceFailedError extends HomeostatError {
  constructor(entityId: string) {
    super('E_FENCE_FAILED', `could not fence '${entityId}': it is unreachable`, { retryable: true });
  }
}

/**
 * A simulated database in a primary-replica group: role, replication lag, promote/demote/fence/restart.
 * Promotion starts a new term of the group; a primary that comes back from a fault and finds a newer term
 * rejoins as a replica (never a second writable primary). Promote and demote need the database reachable;
 * a fence of a crashed one succeeds with the configured chance, else fails or hangs. A partitioned one
 * keeps its role and its clients' writes while homeostat reads nothing from it (its polls fail) and every
 * effector on it fails; with `lease`, a primary stops taking writes once its lease runs out. It tells the
 * simulation whether it takes writes (the ground truth the safety monitor judges by).
 */
export const simDatabaseType: EntityType<z.infer<typeof databaseConfig>> = {
  name: 'sim.database',
  description: 'a simulated database with a role and replication lag',
  config: databaseConfig,
  sensors: [ROLE, LAG, LEASE],
  effectors: ['promote', 'demote', 'fence', 'restart'],
  start: (entity, config, context) => {
    const { tree, scheduler } = context;
    const group = replicationGroupOf(entity);
    let term = 0;
    /** The role the database holds, which its sensor shows only when homeostat reaches it. */
    let actual: Role = config.role;
    /** When its lease as a primary runs out (ms); renewed by every poll that reaches it. */
    let leaseUntil = Infinity;
    const failed = (): boolean => context.simulation?.isFailed(entity) === true;
    const cutOff = (): boolean => context.simulation?.isPartitioned(entity) === true;
    const unreachable = (): boolean => failed() || cutOff();
    const leaseHeld = (): boolean => config.lease === undefined || scheduler.now() < leaseUntil;
    const setRole = (next: Role): void => {
      actual = next;
      if (!cutOff()) publishRole();
      refresh();
    };
    const publishRole = (): void => {
      entity.sensor('role').publish(actual);
      entity.sensor('replication.lag').publish(actual === 'primary' ? 0 : config.lag);
    };
    // level-based health: an old primary that finds a newer term demotes itself before it serves again; one
    // whose lease ran out demoted itself when it did; a poll that fails (a partition, a crash) reads nothing
    const refresh = (): void => {
      if (actual === 'primary' && !leaseHeld()) actual = 'replica';
      if (unreachable()) {
        entity.setUp(false);
        return;
      }
      if (entity.sensor<Role>('role').current?.value !== actual) publishRole();
      if (actual === 'primary' && term < currentTerm(tree, group)) setRole('replica');
      renew();
      entity.setUp(actual !== 'fenced');
    };
    /** Renews the lease: the database was reached. */
    const renew = (): void => {
      if (config.lease === undefined) return;
      leaseUntil = scheduler.now() + config.lease;
      entity.sensor('lease.until').publish(leaseUntil);
    };
    // an effector that reaches the database renews its lease as a poll does (a replica promoted after a heal,
    // before its next poll, would otherwise find its lease run out and demote itself at once)
    const reachable = (what: string): void => {
      if (unreachable()) throw new HomeostatError('E_UNREACHABLE', `cannot ${what} '${entity.id}': it is unreachable`);
      renew();
    };
    context.simulation?.registerWritable(entity.id, () => actual === 'primary' && !failed() && leaseHeld() && entity.state !== 'stopping' && entity.state !== 'stopped');
    const params = z.strictObject({});
    entity.addEffector(defineEffector({ name: 'promote', description: 'make this database the primary (starts a new term of its group)', params, idempotent: true, run: () => {
      reachable('promote');
      if (actual === 'primary' && term === currentTerm(tree, group)) return;
      // the database refuses to become a second writable primary, whoever asks (a person through the API too)
      const other = groupMembers(tree.root, group).find((e) => e !== entity && isWritablePrimary(e));
      if (other) throw new HomeostatError('E_SPLIT_BRAIN', `cannot promote '${entity.id}': '${other.id}' is the writable primary of group '${group}'; fence or demote it first (or use the group's switchover)`);
      term = nextTerm(tree, group);
      setRole('primary');
    } }));
    entity.addEffector(defineEffector({ name: 'demote', description: 'make this database a replica of the primary', params, idempotent: true, run: () => {
      reachable('demote');
      setRole('replica');
    } }));
    entity.addEffector(defineEffector({ name: 'fence', description: 'stop this database from accepting writes (STONITH)', params, idempotent: true, run: (_p, { signal }) => {
      // draw only when the outcome is uncertain, so other seeded behaviour does not shift; a partition cuts
      // the fencing path too
      const chance = config.fencing.unreachableSuccess;
      if (cutOff() || (failed() && chance < 1 && (chance === 0 || context.random() >= chance))) {
        if (config.fencing.failure === 'error') throw new FenceFailedError(entity.id);
        return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new FenceFailedError(entity.id)), { once: true }));
      }
      setRole('fenced');
      return undefined;
    } }));
    entity.addEffector(defineEffector({ name: 'restart', params, idempotent: true, run: () => {
      if (cutOff()) reachable('restart');
      refresh();
    } }));
    entity.setState('running');
    if (config.role === 'primary') term = nextTerm(tree, group);
    setRole(config.role);
    const tick = interval(config.tick, scheduler).subscribe(() => {
      refresh();
      // a replica that is up reports a lag around its typical value; a down one reports nothing (goes stale)
      const lag = context.simulation?.replicationLag(entity.id) ?? config.lag;
      if (entity.sensor<boolean>('service.up').value === true) entity.sensor('replication.lag').publish(actual === 'primary' ? 0 : Math.max(0, lag * (0.5 + context.random())));
    });
    return () => tick.unsubscribe();
  },
};
