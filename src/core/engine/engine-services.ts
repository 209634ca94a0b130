import { VirtualTimeScheduler, type SchedulerLike, type Subject } from 'rxjs';
import { TimedIds } from '../timed-ids.js';
import type { EntityTree } from '../entity-tree.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { PolicyFault } from '../../knowledge/decision.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Arbiter } from './arbiter.js';
import type { AttachedPolicies } from './attached-policies.js';
import type { ExecutorDeps } from './executor-deps.js';
import type { RunnerDeps } from './policy-runner.js';

/** What the services every attached policy shares are made of: the engine's parts and state. */
export interface ServiceParts {
  readonly scheduler: SchedulerLike;
  readonly tree: EntityTree;
  readonly invoker: EffectorInvoker;
  readonly knowledge: Knowledge;
  readonly arbiter: Arbiter;
  /** Put in every decision id (see `EngineOptions.decisionIdTag`). */
  readonly decisionIdTag: string | undefined;
  /** Engine-wide dry run (read at every plan: it may change while the policies run). */
  readonly dryRun: () => boolean;
  /** The attached policies: whose `observe` hook a decision goes to, and their acting scopes. */
  readonly attached: AttachedPolicies;
  /** Where policy faults go. */
  readonly faults: Subject<PolicyFault>;
}

/** What the engine gives every policy's runner and executor (one object shared by all). */
export type EngineServices = ExecutorDeps & RunnerDeps;

/**
 * The services of the engine's policies: decision ids (`d-<ms>-<tag>-<n>`), each recorded decision told to its
 * policy's `observe` hook, faults published, acting scopes looked up, and the engine's parts.
 */
export function engineServices(parts: ServiceParts): EngineServices {
  const { scheduler, faults } = parts;
  const decisionIds = new TimedIds('d-', parts.decisionIdTag === undefined ? '' : `${parts.decisionIdTag}-`);
  const { runners, actingScopes } = parts.attached;
  // One services object for every attached policy: a fleet of 100,000 policies must not carry
  // 100,000 copies of the same closures.
  return {
    scheduler,
    virtualTime: scheduler instanceof VirtualTimeScheduler,
    tree: parts.tree,
    invoker: parts.invoker,
    knowledge: parts.knowledge,
    dryRun: parts.dryRun,
    nextDecisionId: () => decisionIds.next(scheduler.now()),
    onDecision: (decision) => runners.get(decision.policy)?.observe(decision),
    onFault: (fault) => faults.next(fault),
    arbiter: parts.arbiter,
    actingScopeOf: (policy) => (actingScopes.size === 0 ? undefined : actingScopes.get(policy)),
  };
}
