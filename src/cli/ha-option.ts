import os from 'node:os';
import { HomeostatError } from '../core/errors.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Deployment } from '../blueprint/deployment.js';
import { HaCoordinator } from '../cluster/ha-coordinator.js';
import { OTHER_LAYOUT_ACTS, RedisLease } from '../cluster/lease.js';
import { shardLayout } from '../cluster/shard-layout.js';
import type { RedisStore } from '../knowledge/redis/redis-store.js';
import type { Blueprint } from '../blueprint/resolved.js';
import { ShardCoordinator } from '../cluster/shard-coordinator.js';
import { shardRoots } from '../blueprint/shard-checks.js';
import { RedisSharedHolds } from '../cluster/shared-holds.js';
import { ShardDelegation } from '../cluster/shard-delegation.js';
import type { Caller } from '../effectors/invocation.js';
import type { InvocationDelegate } from '../effectors/delegated-invocation.js';
import type { HandedOverInvocation } from '../cluster/shard-delegation.js';

/** A unique name for this instance: host, pid and a random part (a restarted process is a new owner). */
export function instanceName(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Joins the instances of one deployment: competes for the lease of the whole tree on the store's Redis
 * (same namespace), logs every change of role, and reconciles in-flight work on taking over.
 */
export function joinHa(deployment: Deployment, store: RedisStore, owner: string, logger: Logger, leaseMs?: number, minReplicaAcks?: number): HaCoordinator {
  const lease = new RedisLease(store.redis, { name: 'root', owner, namespace: store.keys.namespace, ...(leaseMs === undefined ? {} : { ttlMs: leaseMs }), ...(minReplicaAcks === undefined ? {} : { minReplicaAcks }) });
  const coordinator = new HaCoordinator(
    lease,
    deployment.knowledge,
    (change) => logger[change.failed ? 'error' : 'info']({ ha: { owner, ...change } }, `${owner} is now ${change.role}: ${change.reason}`),
    () => {
      deployment.reconcileInFlight();
      for (const record of deployment.reconciled) logger.warn({ invocation: record }, `invocation ${record.id} (${record.entity}.${record.effector}) was in flight when the previous leader stopped: outcome unknown, not repeated`);
    },
    owner,
    {},
    (problem) => {
      if (problem === undefined) logger.info({ ha: { owner } }, `${owner}: the lease's keys in Redis are well-formed again`);
      else logger.error({ ha: { owner, problem } }, `${owner}: the lease's keys in Redis are malformed: ${problem}`);
    },
  );
  return coordinator;
}

/** The shards of a blueprint: the root's own, one per top-level subtree, and one per subtree marked `shard: true`. */
export function shardsOf(blueprint: Blueprint): string[] {
  return shardRoots(blueprint.root);
}

/** What `joinShards` gives the run of the delegation between instances (see `ShardDelegation`). */
export interface DelegationHooks {
  /** Hands an invocation on an entity of a shard another instance holds to that instance. */
  readonly delegate: InvocationDelegate;
  /** What this instance handed over and has no answer for yet (a stop cut short names it). */
  readonly handedOver: () => readonly HandedOverInvocation[];
  /** Stops claiming what others hand to this instance: a stop calls it as it begins. */
  readonly stopClaiming: () => void;
  /** Lets what others handed to this instance finish within `graceMs`, then aborts it. */
  readonly stopRunningHandedIn: (graceMs: number) => Promise<void>;
}

/**
 * Joins the instances of one deployment with shards (`--ha --shards`): each shard is a lease of its own,
 * shared out among the instances; an entity belongs to the nearest shard at or above it. Holds and budgets
 * are shared through Redis, and a shard's new owner reconciles what was in flight in it. Logs every shard
 * taken and lost. An invocation of a plan decided here on an entity of a shard another instance holds is
 * handed to that instance (see `ShardDelegation`): `setDelegate` gets the hooks a run needs of it (see
 * `DelegationHooks`): the function the invoker hands invocations to, what was handed over and not yet
 * answered, how to stop claiming (as a stop begins), and how to stop running what others handed to this
 * instance (what runs gets `graceMs`, then is aborted), which a stop calls before it gives the shards up.
 */
export function joinShards(deployment: Deployment, blueprint: Blueprint, store: RedisStore, owner: string, logger: Logger, leaseMs?: number, minReplicaAcks?: number, setDelegate?: (hooks: DelegationHooks) => void): ShardCoordinator {
  const shards = shardsOf(blueprint);
  const roots = new Set(shards);
  const shardOf = (id: string): string | undefined => {
    for (let entity = deployment.tree.find(id); entity; entity = entity.parent) if (roots.has(entity.id)) return entity.id;
    return id === blueprint.root.id ? id : undefined;
  };
  const coordinator = new ShardCoordinator(store.redis, deployment.knowledge, {
    shards,
    shardOf,
    layout: shardLayout(shards, (shard) => {
      const parent = deployment.tree.find(shard)?.parent;
      return parent ? shardOf(parent.id) : undefined;
    }),
    onOtherLayout: (acting) => {
      if (acting) logger.error({ ha: { owner } }, `${owner} does not compete for shards: ${OTHER_LAYOUT_ACTS}; it competes once they are gone`);
      else logger.info({ ha: { owner } }, `${owner} competes for shards again: no instance of another layout acts on this Redis`);
    },
    onCannotAct: (shard, reason) => logger.error({ ha: { owner, shard, reason } }, `${owner} cannot act for shard ${shard}: ${reason}`),
    onLeaseProblem: (shard, problem) => {
      if (problem === undefined) logger.info({ ha: { owner, shard } }, `${owner}: the keys of shard ${shard}'s lease in Redis are well-formed again`);
      else logger.error({ ha: { owner, shard, problem } }, `${owner}: the keys of shard ${shard}'s lease in Redis are malformed: ${problem}`);
    },
    owner,
    namespace: store.keys.namespace,
    ...(leaseMs === undefined ? {} : { ttlMs: leaseMs }),
    ...(minReplicaAcks === undefined ? {} : { minReplicaAcks }),
    // the previous owner's invocations in flight in this shard: outcome unknown, never repeated
    onShard: (shard) => {
      const found = deployment.reconcileInFlight((group) => group === shard || shardOf(group) === shard);
      for (const record of found) logger.warn({ invocation: record, shard }, `invocation ${record.id} (${record.entity}.${record.effector}) was in flight in shard ${shard} when its previous owner stopped: outcome unknown, not repeated`);
    },
  });
  // an ancestor's plan on one instance holds the subtrees others act in; budgets count every instance's actions
  // only the plans of the shards this instance holds take holds and spend budgets
  deployment.engine.setSharedArbitration(new RedisSharedHolds(store.redis, { namespace: store.keys.namespace, owner, actsFor: (entity) => coordinator.actingToken(entity) !== undefined, ...(leaseMs === undefined ? {} : { holdMs: leaseMs }) }));
  // the owner of a shard runs what others' plans ask of its entities, under its own fence
  const delegation = new ShardDelegation(store.redis, coordinator, {
    namespace: store.keys.namespace,
    owner,
    ...(leaseMs === undefined ? {} : { claimWithinMs: leaseMs }),
    run: async (invocation, signal) => {
      const entity = deployment.tree.find(invocation.entity);
      if (!entity) throw new HomeostatError('E_UNKNOWN_ENTITY', `no entity '${invocation.entity}' here (the instances run different blueprints?)`);
      return deployment.engine.invoker.invoke(entity, invocation.effector, invocation.params, {
        caller: invocation.caller,
        local: true,
        signal,
        ...(invocation.decisionId === undefined ? {} : { decisionId: invocation.decisionId }),
        ...(invocation.timeoutMs === undefined ? {} : { timeoutMs: invocation.timeoutMs }),
      });
    },
  });
  // only decisions this instance makes are handed on: a plan of a policy whose shard it acts for, or a person's
  const decidesHere = (caller: Caller): boolean => {
    if (caller.kind === 'person') return true;
    try {
      return coordinator.actingToken(deployment.engine.attachment(caller.name).entity.id) !== undefined;
    } catch {
      return false;
    }
  };
  setDelegate?.({
    delegate: (invocation, signal) => (decidesHere(invocation.caller) ? delegation.delegate(invocation, signal) : undefined),
    handedOver: () => delegation.handedOver(),
    stopClaiming: () => delegation.stopClaiming(),
    stopRunningHandedIn: (graceMs) => delegation.stop(graceMs),
  });
  delegation.start();
  coordinator.events$.subscribe({ complete: () => void delegation.stop() });
  coordinator.events$.subscribe((event) => {
    if (event.kind === 'takeover') logger.info({ ha: { owner, ...event } }, `${owner} now acts for shard ${event.shard} with fencing token ${event.token}`);
    else if (event.kind === 'lost') logger.warn({ ha: { owner, ...event } }, `${owner} lost shard ${event.shard}: ${event.reason}`);
  });
  return coordinator;
}
