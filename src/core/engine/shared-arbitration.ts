import type { Verdict } from './arbiter.js';

/** One operation about to run, as the instances sharing a tree must see it. */
export interface SharedOperation {
  /** The policy (or person) running it: its own holds never preempt it. */
  readonly policy: string;
  /** The entity whose subtree it holds while it runs. */
  readonly scope: string;
  /** Every entity a hold on which preempts it: its policy's entity and its targets, each with its ancestors. */
  readonly covered: readonly string[];
  /** The budgets of subtrees it acts in, with how many of its actions lie inside each. */
  readonly budgets: ReadonlyArray<{ readonly entity: string; readonly maxActions: number; readonly windowMs: number; readonly inside: number }>;
}

/**
 * Arbitration shared by several instances that each act for part of one tree (shards): an ancestor's plan
 * running on one instance holds the subtrees another instance acts in, and a subtree's action budget counts
 * the actions of every instance. `acquire` checks and records atomically; the engine asks it before it
 * invokes the effectors of a plan its own arbiter allowed, and releases what it acquired when the plan ends.
 */
export interface SharedArbitration {
  /**
   * Records the operation (its hold and its budget stamps) unless another operation's hold covers it or a
   * budget is spent. Returns an id to release, or the verdict of why it may not run now.
   * @throws when the shared store does not answer (the engine then does not act)
   */
  acquire(operation: SharedOperation): Promise<{ readonly id: string } | { readonly verdict: Verdict }>;
  /**
   * Whether this instance decides for `entity` now (it holds the entity's shard). Every instance plans warm
   * for the whole tree; the plans of the parts another instance holds must take no hold and spend no budget.
   */
  actsFor(entity: string): boolean;
  /** Ends the operation's hold (its budget stamps stay for their window). Never throws. */
  release(id: string): Promise<void>;
}
