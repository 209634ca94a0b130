import { z } from 'zod';
import { groupSizeSchema } from '../core/limits.js';
import { defineEffector } from '../effectors/define-effector.js';
import { HomeostatError, TerminalEffectorError } from '../core/errors.js';
import { UnknownTargetError, countParam, durationParam, nameParam } from './effector-params.js';
import { waitForCheck } from '../core/engine/check-wait.js';
import { quorumCost, refuseWithoutSpare } from '../effectors/group-quorum.js';
import { rolling } from '../effectors/rolling.js';
import { planScaleIn, servingMembers } from '../effectors/scale-in.js';
import { numberSensor } from '../sensors/define-sensor.js';
import { PROGRESSIVE_EFFECTORS, addProgressiveEffectors } from './progressive-effectors.js';
import type { Entity } from '../core/entity.js';
import type { DriverContext, EntityType } from './entity-type.js';

/** `group.size`: number of members. */
export const GROUP_SIZE = numberSensor('group.size', { description: 'number of members', unit: 'members' });

/**
 * Config of the driverless types: free-form data of the operator's (templates of declared effectors and
 * feeds read it, e.g. `{{config.region}}`), so any key is allowed; typed entity configs are strict.
 */
const freeConfig = z.record(z.string(), z.unknown());

/** A plain entity: lifecycle sensors only; values come from feeds, enrichers or the API. */
export const plainEntity: EntityType = { name: 'entity', description: 'a managed entity with no driver', config: freeConfig };

/** The root of a tree: healthy when all its children are (Brooklyn's default). */
export const applicationType: EntityType = {
  name: 'application',
  description: 'the root of a managed tree',
  config: freeConfig,
  defaultQuorum: { from: 'children', rule: 'all' },
};

/** A group: a managed set of members (listed in the blueprint or added at run time). */
export const groupType: EntityType = {
  name: 'group',
  description: 'a set of members; up when at least one member is up',
  config: freeConfig,
  sensors: [GROUP_SIZE],
  defaultQuorum: { from: 'members', rule: 'atLeastOne' },
  start: (entity, _config, { tree }) => followGroupSize(entity, tree),
};

/** Effectors `startCluster` adds: every type built on it offers them. */
export const CLUSTER_EFFECTORS: readonly string[] = ['resize', 'replaceMember', 'rollingRestart', 'rollingUpdate', ...PROGRESSIVE_EFFECTORS];

const clusterConfig = z.strictObject({
  /** Members created at start. Default 1. */
  initialSize: groupSizeSchema().default(1),
});

/**
 * A dynamic cluster (Brooklyn's DynamicCluster): members built from its `memberSpec`, with a `resize`
 * effector that adds new members or retires members (those down first, then the newest; never below the
 * group's quorum rule unless `allowQuorumLoss`), and `replaceMember`.
 */
export const clusterType: EntityType<z.infer<typeof clusterConfig>> = {
  name: 'cluster',
  description: 'members built from a memberSpec; resize adds or retires members',
  config: clusterConfig,
  sensors: [GROUP_SIZE],
  effectors: CLUSTER_EFFECTORS,
  defaultQuorum: { from: 'members', rule: 'atLeastOne' },
  needsMemberSpec: true,
  start: (entity, config, context) => startCluster(entity, config.initialSize, context),
};

/** Starts cluster behaviour on any entity with a memberSpec: initial members, `resize`, `group.size`. */
export function startCluster(entity: Entity, initialSize: number, context: DriverContext): () => void {
  let sequence = 0;
  const nextId = (): string => {
    let id: string;
    do id = `${entity.id}-${++sequence}`;
    while (context.tree.find(id));
    return id;
  };
  // config keys that new members get instead of the memberSpec's: a rolling update moves the template with it
  const template: Record<string, unknown> = {};
  const serving = (): Entity[] => servingMembers(entity);
  entity.addEffector(
    defineEffector({
      name: 'resize',
      description: 'set the number of members: new members are started; members that are down are retired first, then the newest; a scale-in that would leave the group below its quorum rule is refused',
      params: z.strictObject({
        size: countParam(0),
        /** Let a scale-in leave the group below its quorum rule (default false: it is refused, saying so). */
        allowQuorumLoss: z.boolean().default(false),
      }),
      idempotent: true,
      timeoutMs: 120_000,
      run: ({ size, allowQuorumLoss }) => {
        const members = serving();
        // checked before anything changes: a refused resize starts and retires nothing
        const retired = planScaleIn(entity, members, size, allowQuorumLoss);
        for (let i = members.length; i < size; i++) context.spawnMember(entity, nextId(), template);
        for (const member of retired) context.retire(member);
        return { size: entity.members.length, retired: retired.map((m) => m.id) };
      },
    }),
  );
  entity.addEffector(
    defineEffector({
      name: 'replaceMember',
      description: 'start a new member, wait until it is up, then retire the old one',
      params: z.strictObject({ member: nameParam, startTimeout: durationParam(300_000, 600_000) }),
      timeoutMs: 600_000,
      run: async ({ member, startTimeout }) => {
        const old = context.tree.find(member);
        if (!old || !entity.members.includes(old)) throw new UnknownTargetError(`'${member}' is not a member of '${entity.id}'`);
        const fresh = context.spawnMember(entity, nextId(), template);
        if (!fresh) throw new TerminalEffectorError(`'${entity.id}' has no memberSpec to build a replacement from`);
        try {
          await waitForCheck(context.tree, context.scheduler, { entity: fresh.id, sensor: 'service.up', op: 'eq', value: true, withinMs: startTimeout });
        } catch (error) {
          context.retire(fresh); // the old member stays: a failed replacement removes nothing that worked
          throw new HomeostatError('E_REPLACEMENT_FAILED', `replacement ${fresh.id} for ${member} did not come up within ${startTimeout / 1000} s`, { cause: error });
        }
        context.retire(old);
        return { replaced: member, by: fresh.id };
      },
    }),
  );
  const healthy = (timeoutMs: number) => (member: Entity) =>
    waitForCheck(context.tree, context.scheduler, { entity: member.id, sensor: 'service.up', op: 'eq', value: true, withinMs: timeoutMs });
  // a member that is down already counts against maxUnavailable: a roll never takes another down beside it
  const available = (member: Entity): boolean => member.sensor<boolean>('service.up').value === true;
  entity.addEffector(
    defineEffector({
      name: 'rollingRestart',
      description: 'restart the members in batches, waiting for each batch to be healthy before the next',
      params: z.strictObject({
        maxUnavailable: countParam(1).default(1),
        healthTimeout: durationParam(120_000, 3_600_000),
        /** Let a batch take the cluster below its quorum rule (default false: the batch waits, or fails saying so). */
        allowQuorumLoss: z.boolean().default(false),
      }),
      timeoutMs: 3_600_000,
      run: async ({ maxUnavailable, healthTimeout, allowQuorumLoss }) => {
        refuseWithoutSpare(entity, 'rollingRestart', allowQuorumLoss, 'restart it');
        return {
          batches: await rolling(serving(), maxUnavailable, {
            apply: async (m) => void (await context.invoke(m, 'restart', {}, `${entity.id}/rollingRestart`)),
            healthy: healthy(healthTimeout),
            available,
            ...(allowQuorumLoss ? {} : { quorumCost: (down: readonly Entity[]) => quorumCost(entity, down) }),
          }),
        };
      },
    }),
  );
  entity.addEffector(
    defineEffector({
      name: 'rollingUpdate',
      description: 'update the members to a version in batches; roll back every updated member when a batch is unhealthy',
      params: z.strictObject({
        version: nameParam,
        maxUnavailable: countParam(1).default(1),
        healthTimeout: durationParam(120_000, 3_600_000),
        /** Let a batch take the cluster below its quorum rule (default false: the batch waits, or fails saying so). */
        allowQuorumLoss: z.boolean().default(false),
      }),
      timeoutMs: 3_600_000,
      run: async ({ version, maxUnavailable, healthTimeout, allowQuorumLoss }) => {
        refuseWithoutSpare(entity, 'rollingUpdate', allowQuorumLoss, 'update it');
        const previous = new Map(serving().map((m) => [m.id, m.hasSensor('version') ? m.sensor<string>('version').current?.value : undefined]));
        const batches = await rolling(serving(), maxUnavailable, {
          apply: async (m) => void (await context.invoke(m, 'update', { version }, `${entity.id}/rollingUpdate`)),
          healthy: healthy(healthTimeout),
          available,
          ...(allowQuorumLoss ? {} : { quorumCost: (down: readonly Entity[]) => quorumCost(entity, down) }),
          rollback: async (m) => {
            const was = previous.get(m.id);
            if (was === undefined) throw new HomeostatError('E_ROLLBACK_UNKNOWN_VERSION', 'its version before the update is not known');
            await context.invoke(m, 'update', { version: was }, `${entity.id}/rollingUpdate`);
          },
        });
        // the roll took: members started from now on (scale-ups, replacements) start at the new version. No
        // member can be started while the roll runs, as the cluster's effectors run one at a time.
        template['version'] = version;
        return { batches };
      },
    }),
  );
  addProgressiveEffectors(entity, { context, template, nextId, serving, healthy: (timeoutMs) => healthy(timeoutMs) });
  const stopSize = followGroupSize(entity, context.tree);
  for (let i = 0; i < initialSize; i++) context.spawnMember(entity, nextId(), template);
  if (entity.state === 'created') entity.setState('starting');
  return stopSize;
}

function followGroupSize(entity: Entity, tree: DriverContext['tree']): () => void {
  const publish = (): void => void entity.sensor('group.size').publish(entity.memberCount);
  publish();
  const subscription = tree.changesOf$(entity).subscribe((c) => {
    if (c.kind === 'member-added' || c.kind === 'member-removed') publish();
  });
  return () => subscription.unsubscribe();
}
