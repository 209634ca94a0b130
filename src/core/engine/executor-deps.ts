import type { SchedulerLike } from 'rxjs';
import type { EntityTree } from '../entity-tree.js';
import type { Arbiter } from './arbiter.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { Decision } from '../../knowledge/decision.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { ActingScope } from './acting-scope.js';

/** What the executor needs from the engine. */
export interface ExecutorDeps {
  readonly scheduler: SchedulerLike;
  /** Whether the scheduler's time is virtual (moves only when someone advances it): see `StartsAtInstant`. */
  readonly virtualTime: boolean;
  readonly tree: EntityTree;
  readonly invoker: EffectorInvoker;
  readonly knowledge: Knowledge;
  /** Engine-wide dry run. */
  readonly dryRun: () => boolean;
  readonly nextDecisionId: () => string;
  /** Told of every decision this executor records (once per plan, coalesced or not) when its policy has an `observe` hook. */
  readonly onDecision: (decision: Decision) => void;
  readonly arbiter: Arbiter;
  /** Where a policy may act when a limited caller set its config (see `ActingScope`); undefined: anywhere. */
  readonly actingScopeOf: (policy: string) => ActingScope | undefined;
}
