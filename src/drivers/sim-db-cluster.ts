import { merge, type Subscription } from 'rxjs';
import { TargetStateError, UnknownTargetError, nameParam } from './effector-params.js';
import { z } from 'zod';
import type { Entity } from '../core/entity.js';
import { hasQuorum, quorumRuleSchema } from '../core/quorum.js';
import { isWritablePrimary } from '../core/replication-group.js';
import { defineEffector } from '../effectors/define-effector.js';
import { HomeostatError } from '../core/errors.js';
import { defineSensor } from '../sensors/define-sensor.js';
import type { DriverContext, EntityType } from './entity-type.js';

const PRIMARY = defineSensor({ name: 'primary', schema: z.string(), description: 'id of the current primary, empty when there is none' });
const WRITABLE = defineSensor({ name: 'primary.writable', schema: z.boolean(), description: 'whether the group has a primary that is up and accepts writes' });

const clusterConfig = z.strictObject({
  /** Rule over the databases' `service.up` (the group's own quorum; a blueprint `quorum:` is not used). Default at least one. */
  quorum: quorumRuleSchema.default({ rule: 'atLeastOne' }),
  /** The group is up only while it has a writable primary (replicas alone serve no writes). Default true. */
  requireWritablePrimary: z.boolean().default(true),
});

/**
 * A primary-replica database group (its children are sim.database entities): publishes `primary` (empty
 * when none), `primary.writable`, and its `service.up` from its quorum rule and, by default, from having a
 * writable primary. Offers `switchover` (planned: demote the primary, then promote the named replica;
 * refused when the primary cannot be demoted; when the replica cannot be promoted, the old primary is
 * promoted back, and the error says whether the group has a writable primary) and `failover` (unplanned: fence the old primary, then
 * promote; with `fence: best-effort` a failed fence does not stop the promotion).
 */
export const simDbClusterType: EntityType<z.infer<typeof clusterConfig>> = {
  name: 'sim.db-cluster',
  description: 'a primary-replica group of sim.database children',
  config: clusterConfig,
  sensors: [PRIMARY, WRITABLE],
  ownHealth: "it follows its quorum rule and whether it has a writable primary: set the rule in config.quorum (and config.requireWritablePrimary)",
  effectors: ['switchover', 'failover'],
  start: (entity, config, context) => {
    const databases = (): Entity[] => entity.children.filter((c) => c.hasSensor('role'));
    const publish = (): void => {
      const primary = databases().find((c) => c.sensor<string>('role').current?.value === 'primary');
      if (entity.sensor<string>('primary').current?.value !== (primary?.id ?? '')) entity.sensor('primary').publish(primary?.id ?? '');
      const writable = databases().some(isWritablePrimary);
      if (entity.sensor<boolean>('primary.writable').current?.value !== writable) entity.sensor('primary.writable').publish(writable);
      if (entity.state === 'stopping' || entity.state === 'stopped') return;
      const up = hasQuorum(config.quorum, databases().map((d) => d.sensor<boolean>('service.up').value)) && (writable || !config.requireWritablePrimary);
      if (entity.sensor<boolean>('service.up').current?.value !== up) entity.setUp(up);
      const state = up ? 'running' : entity.state === 'running' ? 'on-fire' : undefined;
      if (state && state !== entity.state) entity.setState(state);
    };
    const member = (id: string): Entity => {
      const found = databases().find((c) => c.id === id);
      if (!found) throw new UnknownTargetError(`'${id}' is not a database of '${entity.id}'`);
      return found;
    };
    entity.addEffector(defineEffector({
      name: 'switchover',
      description: 'planned: demote the primary cleanly, then promote the named replica (it must be up and caught up)',
      params: z.strictObject({ to: nameParam, maxLag: z.number().min(0).max(86_400, 'at most 86400 s').default(5) }),
      run: async ({ to, maxLag }) => {
        const target = member(to);
        const lag = target.sensor<number>('replication.lag').value;
        if (!target.sensor<boolean>('service.up').value || lag === undefined || lag > maxLag) throw new TargetStateError(`'${to}' is not a healthy replica within ${maxLag} s of lag (lag: ${String(lag)})`);
        // a primary that cannot be demoted (unreachable) fails the switchover before anything is promoted
        const demoted: Entity[] = [];
        for (const old of databases().filter((c) => c !== target && c.sensor<string>('role').current?.value === 'primary')) {
          await invoke(context, old, 'demote');
          demoted.push(old);
        }
        try {
          await invoke(context, target, 'promote');
        } catch (error) {
          throw await promotedBack(context, target, demoted, error);
        } finally {
          publish();
        }
      },
    }));
    entity.addEffector(defineEffector({
      name: 'failover',
      description: 'unplanned: fence the old primary, then promote the named replica',
      params: z.strictObject({ to: nameParam, fence: z.enum(['required', 'best-effort']).default('required') }),
      run: async ({ to, fence }) => {
        const target = member(to);
        for (const old of databases().filter((c) => c !== target && c.sensor<string>('role').current?.value === 'primary')) {
          await invoke(context, old, 'fence').catch((error: unknown) => {
            if (fence === 'required') throw error;
          });
        }
        await invoke(context, target, 'promote');
        publish();
      },
    }));
    entity.setState('running');
    publish();
    const subscriptions: Subscription[] = databases().map((c) => merge(c.sensor('role').readings$, c.sensor('service.up').readings$, c.sensor('service.state').readings$).subscribe(publish));
    return () => subscriptions.forEach((s) => s.unsubscribe());
  },
};

/**
 * The error of a switchover whose replica could not be promoted after the primary was demoted: the demoted
 * primary (cleanly demoted, so it has every write) is promoted back when the replica is not the primary
 * after all, and the error says whether that worked or the group is left without a writable primary.
 */
async function promotedBack(context: DriverContext, target: Entity, demoted: readonly Entity[], cause: unknown): Promise<HomeostatError> {
  const why = cause instanceof Error ? cause.message : String(cause);
  const old = demoted[0];
  if (!old) return new HomeostatError('E_SWITCHOVER_ABORTED', `promoting '${target.id}' failed (${why}); no primary was demoted`, { retryable: true });
  if (target.sensor<string>('role').current?.value === 'primary') return new HomeostatError('E_SWITCHOVER_ABORTED', `promoting '${target.id}' reported a failure (${why}), but '${target.id}' is the primary; '${old.id}' stays a replica`, { retryable: false });
  const back = await invoke(context, old, 'promote').then(() => undefined, (error: unknown) => (error instanceof Error ? error.message : String(error)));
  const state = back === undefined ? `'${old.id}' was promoted back and is the primary again` : `promoting '${old.id}' back failed too (${back}): the group has no writable primary; promote a caught-up database by hand, or let the failover policy`;
  return new HomeostatError('E_SWITCHOVER_ABORTED', `'${old.id}' was demoted, then promoting '${target.id}' failed (${why}); ${state}`, { retryable: back === undefined });
}

/** Through the engine's invoker: recorded, one at a time per database, with the effector's timeout. */
async function invoke(context: DriverContext, entity: Entity, effector: string): Promise<void> {
  await context.invoke(entity, effector, {}, `${entity.parent?.id ?? 'group'}.failover`);
}
