import { interval } from 'rxjs';
import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import { defineEffector } from '../effectors/define-effector.js';
import { defineSensor, numberSensor } from '../sensors/define-sensor.js';
import type { Entity } from '../core/entity.js';
import type { DriverContext, EntityType } from './entity-type.js';

/** Roles of a database in a primary-replica group; a fenced one accepts no writes and serves nothing. */
export const DB_ROLES = ['primary', 'replica', 'fenced'] as const;

const ROLE = defineSensor({ name: 'role', schema: z.enum(DB_ROLES), description: 'primary, replica or fenced' });
const LAG = numberSensor('replication.lag', { staleAfterMs: 60_000, unit: 'seconds', description: 'how far this replica is behind the primary' });

const databaseConfig = z.strictObject({
  role: z.enum(['primary', 'replica']).default('replica'),
  /** Preference in elections: higher wins among eligible replicas. Default 1. */
  weight: z.number().min(0).default(1),
  /** Typical replication lag of this replica (s). Default 1. */
  lag: z.number().min(0).default(1),
  tick: intervalSchema.default(5_000),
});

/** A simulated database in a primary-replica group: role, replication lag, promote/demote/fence/restart. */
export const simDatabaseType: EntityType<z.infer<typeof databaseConfig>> = {
  name: 'sim.database',
  description: 'a simulated database with a role and replication lag',
  config: databaseConfig,
  sensors: [ROLE, LAG],
  effectors: ['promote', 'demote', 'fence', 'restart'],
  start: (entity, config, context) => {
    const healthy = (): boolean => !context.simulation?.isFailed(entity) && entity.sensor<string>('role').current?.value !== 'fenced';
    const setRole = (role: (typeof DB_ROLES)[number]): void => {
      entity.sensor('role').publish(role);
      entity.sensor('replication.lag').publish(role === 'primary' ? 0 : config.lag);
      entity.setUp(healthy());
    };
    const roleEffector = (name: string, role: (typeof DB_ROLES)[number], description: string) =>
      defineEffector({ name, description, params: z.strictObject({}), idempotent: true, run: () => setRole(role) });
    entity.addEffector(roleEffector('promote', 'primary', 'make this database the primary'));
    entity.addEffector(roleEffector('demote', 'replica', 'make this database a replica of the primary'));
    entity.addEffector(roleEffector('fence', 'fenced', 'stop this database from accepting writes (STONITH)'));
    entity.addEffector(defineEffector({ name: 'restart', params: z.strictObject({}), idempotent: true, run: () => entity.setUp(healthy()) }));
    entity.setState('running');
    setRole(config.role);
    const tick = interval(config.tick, context.scheduler).subscribe(() => {
      const role = entity.sensor<string>('role').current?.value;
      const up = healthy();
      entity.setUp(up);
      // a replica that is up reports a lag around its typical value; a down one reports nothing (goes stale)
      if (up) entity.sensor('replication.lag').publish(role === 'primary' ? 0 : Math.max(0, config.lag * (0.5 + context.random())));
    });
    return () => tick.unsubscribe();
  },
};

const PRIMARY = defineSensor({ name: 'primary', schema: z.string(), description: 'id of the current primary, empty when there is none' });

/**
 * A primary-replica database group (its children are sim.database entities): publishes `primary`, and offers
 * `switchover` (planned: demote the primary cleanly, promote the named replica) and `failover` (unplanned:
 * fence the old primary, promote the named replica) as distinct operations.
 */
export const simDbClusterType: EntityType = {
  name: 'sim.db-cluster',
  description: 'a primary-replica group of sim.database children',
  config: z.strictObject({}),
  sensors: [PRIMARY],
  effectors: ['switchover', 'failover'],
  defaultQuorum: { from: 'children', rule: 'atLeastOne' },
  start: (entity, _config, context) => {
    const publish = (): void => {
      const primary = entity.children.find((c) => c.hasSensor('role') && c.sensor<string>('role').current?.value === 'primary');
      if (entity.sensor<string>('primary').current?.value !== (primary?.id ?? '')) entity.sensor('primary').publish(primary?.id ?? '');
    };
    const member = (id: string): Entity => {
      const found = entity.children.find((c) => c.id === id);
      if (!found) throw new Error(`'${id}' is not a database of '${entity.id}'`);
      return found;
    };
    entity.addEffector(defineEffector({
      name: 'switchover',
      description: 'planned: demote the primary cleanly, then promote the named replica (it must be up and caught up)',
      params: z.strictObject({ to: z.string().min(1), maxLag: z.number().min(0).default(5) }),
      run: async ({ to, maxLag }) => {
        const target = member(to);
        const lag = target.sensor<number>('replication.lag').value;
        if (!target.sensor<boolean>('service.up').value || lag === undefined || lag > maxLag) throw new Error(`'${to}' is not a healthy replica within ${maxLag} s of lag (lag: ${String(lag)})`);
        const old = entity.children.find((c) => c.sensor<string>('role').current?.value === 'primary');
        if (old) await invoke(context, old, 'demote');
        await invoke(context, target, 'promote');
        publish();
      },
    }));
    entity.addEffector(defineEffector({
      name: 'failover',
      description: 'unplanned: fence the old primary, then promote the named replica',
      params: z.strictObject({ to: z.string().min(1) }),
      run: async ({ to }) => {
        const old = entity.children.find((c) => c.sensor<string>('role').current?.value === 'primary');
        if (old) await invoke(context, old, 'fence');
        await invoke(context, member(to), 'promote');
        publish();
      },
    }));
    entity.setState('running');
    publish();
    const subscriptions = entity.children.map((c) => c.sensor('role').readings$.subscribe(publish));
    return () => subscriptions.forEach((s) => s.unsubscribe());
  },
};

async function invoke(context: DriverContext, entity: Entity, effector: string): Promise<void> {
  await entity.effector(effector).run({}, { entity, signal: new AbortController().signal, attempt: 1, scheduler: context.scheduler });
}
