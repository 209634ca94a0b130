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
});

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
 * a fence of an unreachable one succeeds with the configured chance, else fails or hangs.
 */
export const simDatabaseType: EntityType<z.infer<typeof databaseConfig>> = {
  name: 'sim.database',
  description: 'a simulated database with a role and replication lag',
  config: databaseConfig,
  sensors: [ROLE, LAG],
  effectors: ['promote', 'demote', 'fence', 'restart'],
  start: (entity, config, context) => {
    const { tree, scheduler } = context;
    const group = replicationGroupOf(entity);
    let term = 0;
    const unreachable = (): boolean => context.simulation?.isFailed(entity) === true;
    const role = (): Role | undefined => entity.sensor<Role>('role').current?.value;
    const setRole = (next: Role): void => {
      entity.sensor('role').publish(next);
      entity.sensor('replication.lag').publish(next === 'primary' ? 0 : config.lag);
      refresh();
    };
    // level-based health: an old primary that finds a newer term demotes itself before it serves again
    const refresh = (): void => {
      if (!unreachable() && role() === 'primary' && term < currentTerm(tree, group)) setRole('replica');
      entity.setUp(!unreachable() && role() !== 'fenced');
    };
    const reachable = (what: string): void => {
      if (unreachable()) throw new HomeostatError('E_UNREACHABLE', `cannot ${what} '${entity.id}': it is unreachable`);
    };
    const params = z.strictObject({});
    entity.addEffector(defineEffector({ name: 'promote', description: 'make this database the primary (starts a new term of its group)', params, idempotent: true, run: () => {
      reachable('promote');
      if (role() === 'primary' && term === currentTerm(tree, group)) return;
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
      // draw only when the outcome is uncertain, so other seeded behaviour does not shift
      const chance = config.fencing.unreachableSuccess;
      if (unreachable() && chance < 1 && (chance === 0 || context.random() >= chance)) {
        if (config.fencing.failure === 'error') throw new FenceFailedError(entity.id);
        return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new FenceFailedError(entity.id)), { once: true }));
      }
      setRole('fenced');
      return undefined;
    } }));
    entity.addEffector(defineEffector({ name: 'restart', params, idempotent: true, run: () => refresh() }));
    entity.setState('running');
    if (config.role === 'primary') term = nextTerm(tree, group);
    setRole(config.role);
    const tick = interval(config.tick, scheduler).subscribe(() => {
      refresh();
      // a replica that is up reports a lag around its typical value; a down one reports nothing (goes stale)
      const lag = context.simulation?.replicationLag(entity.id) ?? config.lag;
      if (entity.sensor<boolean>('service.up').value === true) entity.sensor('replication.lag').publish(role() === 'primary' ? 0 : Math.max(0, lag * (0.5 + context.random())));
    });
    return () => tick.unsubscribe();
  },
};
