import type { Entity } from '../../core/entity.js';
import { CLUSTER_EFFECTORS, startCluster, GROUP_SIZE } from '../basic-types.js';
import type { DriverContext, EntityType } from '../entity-type.js';
import { processGroupConfigSchema, type ProcessGroupConfig } from './process-config.js';
import { assignSlot, slotsOf } from './slots.js';
import { acquireSupervisor } from './process-type.js';

/**
 * `process-group`: a cluster whose members are `process` entities built from its memberSpec (the template),
 * each with a per-member index (`{{index}}`, the smallest free one) and port (`{{port}}`: basePort + index - 1,
 * or a free port). `resize` starts and stops real processes (those down first, never below the group's quorum
 * rule unless `allowQuorumLoss`: see `planScaleIn`); `replaceMember`, `rollingRestart` and
 * `rollingUpdate`, `canary` and `blueGreen` work on them. At start it first takes back the members a previous run left running.
 */
export const processGroupType: EntityType<ProcessGroupConfig> = {
  name: 'process-group',
  description: 'members are processes from a template, with an index and a port each; resize starts and stops them',
  config: processGroupConfigSchema,
  sensors: [GROUP_SIZE],
  effectors: CLUSTER_EFFECTORS,
  defaultQuorum: { from: 'members', rule: 'atLeastOne' },
  needsMemberSpec: true,
  memberTypes: ['process'],
  start: (entity, config, context) => startProcessGroup(entity, config, context),
};

/** Grace given to leftovers of entities that left the blueprint (their own stopGrace is not known any more). */
const DEFAULT_GRACE_MS = 10_000;

function startProcessGroup(entity: Entity, config: ProcessGroupConfig, context: DriverContext): () => Promise<void> {
  const supervisor = acquireSupervisor(context);
  supervisor.sweep(context.tree, DEFAULT_GRACE_MS);
  const slots = slotsOf(entity);
  const withSlots: DriverContext = {
    ...context,
    spawnMember: (group, id) => {
      if (!slots.has(id)) assignSlot(group, id, config.basePort);
      return context.spawnMember(group, id);
    },
  };
  // members a previous run left: same ids and slots, so each member's driver finds its pid file and adopts
  const leftovers = supervisor.pidFiles.list().filter((r) => r.group === entity.id && !context.tree.find(r.entity));
  for (const record of leftovers.sort((a, b) => (a.index ?? 0) - (b.index ?? 0))) {
    assignSlot(entity, record.entity, config.basePort, { index: record.index ?? slots.size + 1, ...(record.port === undefined ? {} : { port: record.port }) });
    withSlots.spawnMember(entity, record.entity);
  }
  const stopCluster = startCluster(entity, Math.max(0, config.initialSize - leftovers.length), withSlots);
  return async () => {
    stopCluster();
    await supervisor.idle();
    supervisor.release();
  };
}
