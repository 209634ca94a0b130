import type { SchedulerLike } from 'rxjs';
import type { z } from 'zod';
import type { Entity } from '../core/entity.js';
import type { RetryPolicy } from './retry-policy.js';

/**
 * What an effector implementation receives besides its params. `signal` is made when first read; a copy made
 * with a spread or `Object.assign` carries it, so a context can be handed on with changes (`{ ...ctx, attempt }`).
 */
export interface EffectorContext {
  readonly entity: Entity;
  /** Aborted on timeout or when the caller gives up; long operations must stop when it fires. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  readonly scheduler: SchedulerLike;
  /**
   * The fencing token this instance acts under, when several instances share the work: pass it to the
   * target (a header, an argument) so that it can refuse an instance whose lease has passed to another.
   */
  readonly fencingToken?: number;
  /** Id of this invocation (the same for every attempt). */
  readonly invocationId?: string;
  /** Id of the decision that asked for it, when a policy's plan did; an idempotency key for remote calls. */
  readonly decisionId?: string;
  /**
   * Says the work is over and only its result is being gathered (an `exec` command has exited and its last
   * output is read): a timeout or the caller's abort after this still aborts `signal`, to cut the gathering
   * short, but no longer decides the attempt; the effector's own result or error does. The effector must
   * then settle promptly once `signal` aborts. Not carried by a copy of the context.
   */
  readonly settling?: () => void;
}

/** A named, typed operation on an entity: the only place side effects happen. */
export interface EffectorDefinition<P = unknown, R = unknown> {
  /** Name, e.g. `restart`, `resize`, `setDimmer`. */
  readonly name: string;
  /** Schema of the params; invocations with params that fail it are refused before anything runs. */
  readonly params: z.ZodType<P>;
  /** Only idempotent effectors are retried (a retried `resize(5)` is safe; a retried `addOne` is not). */
  readonly idempotent?: boolean;
  /** Time allowed for one attempt, in ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Retry policy for idempotent effectors. Default: 3 attempts, 200 ms doubling to at most 10 s, with jitter. */
  readonly retry?: Partial<RetryPolicy>;
  readonly description?: string;
  /** Does the work. Throw `TerminalEffectorError` when retrying cannot help. */
  run(params: P, context: EffectorContext): Promise<R> | R;
}

/** Declares an effector. Params are validated against `params` at every invocation. */
export function defineEffector<P, R>(definition: EffectorDefinition<P, R>): EffectorDefinition<P, R> {
  if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(definition.name)) {
    throw new Error(`effector name '${definition.name}' must start with a letter and hold letters, digits, '.', '_' or '-'`);
  }
  return Object.freeze({ ...definition });
}

/**
 * An effector of any param and result types, for collections (an entity's effectors, a type's effectors).
 * Params are checked against the effector's own schema at invocation, so the loss of static types is safe.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEffectorDefinition = EffectorDefinition<any, any>;
