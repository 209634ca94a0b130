import type { Caller } from './invocation.js';

/**
 * An invocation this instance may not run itself (with shards: its entity is in a shard another instance
 * holds), as handed to the instance that may. Params are passed as the plan gave them: secret references
 * stay references, resolved by the instance that runs the effector.
 */
export interface DelegatedInvocation {
  readonly entity: string;
  readonly effector: string;
  readonly params: unknown;
  readonly caller: Caller;
  readonly decisionId?: string;
  /** Time allowed per attempt (ms), when the plan set one. */
  readonly timeoutMs?: number;
  /** How long the running instance may take, all attempts and retries included (ms): past it, the outcome is unknown. */
  readonly runBoundMs: number;
}

/**
 * Hands an invocation to the instance that holds its entity's shard and waits for the result. Returns
 * undefined when it does not apply (the caller's own decision is not this instance's to act on, or the
 * entity is in no shard): the invocation then fails with E_NOT_LEADER, as any other this instance may not run.
 * The promise rejects with the owner's error (its code kept), or with E_NOT_LEADER when no owner took it
 * (nothing ran), or with E_OUTCOME_UNKNOWN when an owner took it and no result came back in time.
 */
export type InvocationDelegate = (invocation: DelegatedInvocation, signal: AbortSignal | undefined) => Promise<unknown> | undefined;
