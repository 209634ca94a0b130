import type { SchedulerLike } from 'rxjs';
import type { Entity } from '../core/entity.js';
import { EffectorAbortedError, EffectorTimeoutError } from '../core/errors.js';
import { AttemptSignal } from './attempt-signal.js';
import type { EffectorContext, EffectorDefinition } from './define-effector.js';
import type { LaunchedAttempt } from './prepared-invocation.js';

/**
 * One attempt of an effector under its timeout (on the scheduler) and the caller's signal: either aborts the
 * effector's signal and rejects (EffectorTimeoutError, EffectorAbortedError), unless the effector said its
 * work is over (`settling`): then the abort only hurries it and its own outcome decides. `launched`: the
 * attempt already started (its outcome and the signal its effector holds), as a prepared invocation's first
 * attempt is.
 */
export function runAttempt(scheduler: SchedulerLike, entity: Entity, effector: EffectorDefinition<unknown, unknown>, params: unknown, attempt: number, outer: AbortSignal | undefined, timeoutOverride: number | undefined, ids: { invocationId: string; decisionId?: string }, fencingToken: number | undefined, launched?: LaunchedAttempt): Promise<unknown> {
  const timeoutMs = timeoutOverride ?? effector.timeoutMs ?? 30_000;
  const attemptSignal = launched?.signal ?? new AttemptSignal();
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      timer.unsubscribe();
      outer?.removeEventListener('abort', onOuterAbort);
      fn();
    };
    // an effector that said its work is over (settling) is only hurried by the abort: its outcome decides
    const timer = scheduler.schedule(() => {
      const error = new EffectorTimeoutError(effector.name, timeoutMs);
      attemptSignal.abort(error);
      if (!attemptSignal.settling) finish(() => reject(error));
    }, timeoutMs);
    const onOuterAbort = (): void => {
      const error = new EffectorAbortedError(effector.name);
      attemptSignal.abort(error);
      if (!attemptSignal.settling) finish(() => reject(error));
    };
    // a launched attempt's outcome is taken (and its rejection handled) even when the caller aborted first
    const outcome = launched ? Promise.resolve(launched.outcome) : undefined;
    if (outer?.aborted) {
      outcome?.catch(() => undefined);
      return onOuterAbort();
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    (outcome ?? Promise.resolve().then(() => effector.run(params, effectorContext(scheduler, entity, attempt, attemptSignal, ids, fencingToken)))).then(
      (result) => finish(() => resolve(result)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** What the effector's run gets: the entity, its attempt, the ids, and a signal made when read. */
export function effectorContext(scheduler: SchedulerLike, entity: Entity, attempt: number, attemptSignal: AttemptSignal, ids: { invocationId: string; decisionId?: string }, fencingToken: number | undefined): EffectorContext {
  return new AttemptContext(scheduler, entity, attempt, attemptSignal, ids.invocationId, ids.decisionId, fencingToken);
}

/**
 * `effectorContext` with the ids given one by one (no object made for them: a prepared invocation's first
 * attempt). Without `attemptSignal`, the context makes its attempt's signal when something needs it (the
 * effector reads `signal`, or `attemptSignalOf` asks for it): a synchronous effector that never reads it
 * costs none.
 */
export function effectorContextOf(scheduler: SchedulerLike, entity: Entity, attempt: number, attemptSignal: AttemptSignal | undefined, invocationId: string, decisionId: string | undefined, fencingToken: number | undefined): EffectorContext {
  return new AttemptContext(scheduler, entity, attempt, attemptSignal, invocationId, decisionId, fencingToken);
}

/** The attempt signal of a context made by `effectorContextOf` (made now when it was not yet), for the attempt's timeout and aborts. */
export function attemptSignalOf(context: EffectorContext): AttemptSignal {
  return AttemptContext.attemptSignalOf(context as AttemptContext);
}

/**
 * An effector's context, with `signal` an own, enumerable accessor that makes the signal at first read, so a
 * copy (`{ ...ctx }`, `Object.assign`) carries the signal as the context always did. It is defined from one
 * shared descriptor (about a third of a microsecond in V8, against about a microsecond for an object literal
 * with a getter of its own). Optional ids and the fencing token are own fields only when given.
 */
class AttemptContext implements EffectorContext {
  /** `signal`, the same accessor for every context: made at first read from the attempt's signal. */
  static readonly #signalProperty: PropertyDescriptor = {
    get(this: AttemptContext): AbortSignal {
      return AttemptContext.attemptSignalOf(this).signal;
    },
    enumerable: true,
    configurable: false,
  };

  declare readonly signal: AbortSignal;
  declare readonly decisionId?: string;
  declare readonly fencingToken?: number;
  readonly invocationId: string;
  #attemptSignal: AttemptSignal | undefined;

  /** See `EffectorContext.settling`; a method, so contexts cost no more to make. */
  settling(): void {
    AttemptContext.attemptSignalOf(this).settle();
  }

  /** The context's attempt signal, made at first need. */
  static attemptSignalOf(context: AttemptContext): AttemptSignal {
    return (context.#attemptSignal ??= new AttemptSignal());
  }

  constructor(
    readonly scheduler: SchedulerLike,
    readonly entity: Entity,
    readonly attempt: number,
    attemptSignal: AttemptSignal | undefined,
    invocationId: string,
    decisionId: string | undefined,
    fencingToken: number | undefined,
  ) {
    this.#attemptSignal = attemptSignal;
    this.invocationId = invocationId;
    Object.defineProperty(this, 'signal', AttemptContext.#signalProperty);
    if (decisionId !== undefined) (this as { decisionId?: string }).decisionId = decisionId;
    if (fencingToken !== undefined) (this as { fencingToken?: number }).fencingToken = fencingToken;
  }
}
